"""Case-file API: the same selectors and the same 404 as the pages."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from cases.models import CaseFile
from cases.selectors import case_get_for_reading, case_list_visible
from cii_platform.access import access_mark_can_change
from cii_platform.core.api import ObjectAccessPermission
from cii_platform.core.pagination import parse_cursor


class CaseFileSerializer(serializers.ModelSerializer):
    lead_service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    can_change = serializers.BooleanField(read_only=True)

    class Meta:
        model = CaseFile
        fields = ["reference", "lead_service", "status", "opened_at", "can_change"]


class CaseFileViewSet(viewsets.ReadOnlyModelViewSet):
    """Case files visible to the caller's service; another service's case answers 404."""

    serializer_class = CaseFileSerializer
    permission_classes = [ObjectAccessPermission]
    lookup_field = "reference"
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[CaseFile]:
        before_id = parse_cursor(self.request.query_params.get("apres"))
        return case_list_visible(user=self.request.user, before_id=before_id)  # type: ignore[arg-type]

    def paginate_queryset(self, queryset: QuerySet[CaseFile]) -> list[Any] | None:
        rows = super().paginate_queryset(queryset)
        if rows is not None:
            access_mark_can_change(user=self.request.user, objects=rows)  # type: ignore[arg-type]
        return rows

    def get_object(self) -> CaseFile:
        case = case_get_for_reading(user=self.request.user, reference=self.kwargs["reference"], request=self.request)  # type: ignore[arg-type]
        self.check_object_permissions(self.request, case)
        return case
