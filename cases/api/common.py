"""What the API of the parts of a case file (consents, assessments, tasks, journal, referrals) shares.

Each part is nested under its case: `/api/cases/{reference}/<part>/`. Its lists
and details start from the case read through `case_get_for_reading` (a missing
case and a forbidden one answer the same 404, the read is audited) and then use
the very selectors of the case pages, so that the API shows exactly what the
pages show. Writes go through the services, behind the same access check as the
page that does the same thing; a refused input answers 400 with the service's
French messages (`cii_platform.core.api.service_refusals`).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from cases.models import CaseFile
from cases.selectors.case_files import case_get_for_reading
from cii_platform.core.api import StaffViewSet
from cii_platform.core.pagination import KeysetPagination

# The path of every part: the case reference, then (for a detail) the row's id.
CASE_PART_PREFIX = r"cases/(?P<reference>[^/.]+)"

REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    str,
    OpenApiParameter.PATH,
    description=_("Référence du dossier, par exemple CII-2026-00042."),
)
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant de la ligne."))
CURSOR_PARAMETER = OpenApiParameter(
    "apres", str, description=_("Curseur de la page suivante (lien « next » de la page précédente)."), required=False
)


class CasePartViewSet(StaffViewSet):
    """Base of the viewsets of a part of a case file; subclasses write `list`, `retrieve` and the writes.

    Access is decided by the selectors and the page checks, not by DRF object
    permissions (the rows of a part have no grant table of their own).
    """

    pagination_class = KeysetPagination
    lookup_value_regex = r"\d+"

    @property
    def reference(self) -> str:
        return str(self.kwargs["reference"])

    @property
    def row_id(self) -> int:
        return int(self.kwargs["pk"])

    def case_for_reading(self) -> CaseFile:
        """The case of the URL as the case pages read it: 404 like a missing one if not visible; audited."""
        return case_get_for_reading(user=self.user, reference=self.reference, request=self.request)  # type: ignore[arg-type]


class ServiceCodeField(serializers.SlugRelatedField):
    """A partner service named by its code (e.g. "oai")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)
