"""Person API: the persons the caller may see through their case files, read-only.

Lists mask the AVS number; the detail shows it in full and is audited as a read
of the person. A person the caller may not see answers 404, like a missing one.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from cases.models import CaseFile, Person
from cases.selectors.persons import (
    person_case_files_visible,
    person_get_for_reading,
    person_is_visible,
    person_search_visible,
)
from cii_platform.core.api import ObjectAccessPermission
from cii_platform.core.pagination import KeysetPagination, parse_cursor


class PersonAccessPermission(ObjectAccessPermission):
    """Authenticated callers; a person is reached through a visible case file, and only for reading."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method not in SAFE_METHODS or not person_is_visible(user=request.user, person=obj):  # type: ignore[arg-type]
            raise Http404
        return True


class PersonListSerializer(serializers.ModelSerializer):
    avs_masked = serializers.CharField(read_only=True, help_text="Numéro AVS masqué : 756.****.****.85.")

    class Meta:
        model = Person
        fields = ["id", "last_name", "first_name", "birth_date", "commune", "avs_masked"]


class PersonCaseFileSerializer(serializers.ModelSerializer):
    programme: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_service: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CaseFile
        fields = ["reference", "programme", "status", "lead_service", "opened_at"]


class PersonDetailSerializer(serializers.ModelSerializer):
    case_files = PersonCaseFileSerializer(
        many=True, read_only=True, source="visible_case_files", help_text="Les dossiers visibles par l'appelant."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "last_name",
            "first_name",
            "birth_date",
            "sex",
            "language",
            "commune",
            "avs_number",
            "address",
            "phone",
            "email",
            "case_files",
        ]


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    """Persons with a case file visible to the caller's service; any other person answers 404."""

    permission_classes = [PersonAccessPermission]
    pagination_class = KeysetPagination
    lookup_value_regex = r"\d+"
    queryset = Person.objects.none()  # for the schema; get_queryset starts from what the caller may see

    def get_serializer_class(self) -> type[serializers.ModelSerializer]:
        return PersonDetailSerializer if self.action == "retrieve" else PersonListSerializer

    def get_queryset(self) -> QuerySet[Person]:
        return person_search_visible(
            user=self.request.user,  # type: ignore[arg-type]
            text=self.request.query_params.get("recherche", ""),
            before_id=parse_cursor(self.request.query_params.get("apres")),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "recherche", str, description="Numéro AVS complet, ou mots du nom et du prénom.", required=False
            ),
            OpenApiParameter("apres", str, description="Curseur de la page suivante.", required=False),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Person:
        person = person_get_for_reading(
            user=self.request.user,  # type: ignore[arg-type]
            person_id=int(self.kwargs["pk"]),
            request=self.request,
        )
        self.check_object_permissions(self.request, person)
        person.visible_case_files = list(person_case_files_visible(user=self.request.user, person=person))  # type: ignore[attr-defined,arg-type]
        return person


router_registrations = [("persons", PersonViewSet, "person")]
