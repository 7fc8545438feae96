"""Consent API: the person's consents as the lead service sees them, and recording one.

The consents are shown to whoever may share the case (a caseworker of its lead
service), as on the sharing page: other services of the case get an empty list
and the 404 of a missing consent, exactly as the pages show them no consent.
Recording follows the page that records (`consent_new`, `case_get_for_sharing`):
anyone but a caseworker of the lead service gets the 404 of a missing case. The
signed document is not sent through the API: it is added on the consent page.
Revoking stays on the page, where the services losing their access are listed.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.common import (
    CASE_PART_PREFIX,
    CURSOR_PARAMETER,
    ID_PARAMETER,
    REFERENCE_PARAMETER,
    CasePartViewSet,
    ServiceCodeField,
)
from cases.models import CaseFile, Consent
from cases.selectors.consents import consent_get_for_case, consent_read, consents_mark
from cases.selectors.participations import case_consents_visible, case_get_for_sharing
from cases.services.consents import consent_record
from cii_platform.core.api import service_refusals
from cii_platform.partners.models import PartnerService


class ConsentSerializer(serializers.ModelSerializer):
    services = ServiceCodeField(many=True, read_only=True, help_text=_("Services entre lesquels l'échange est permis."))
    category_labels = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("Les catégories de données, en français.")
    )
    state = serializers.CharField(
        read_only=True,
        help_text=_("« valid » (en vigueur), « pending » (pas encore), « expired » (échu) ou « revoked » (révoqué)."),
    )
    recorded_by: serializers.StringRelatedField = serializers.StringRelatedField(
        help_text=_("Qui a enregistré le consentement.")
    )
    has_document = serializers.BooleanField(
        source="document", read_only=True, help_text=_("Le document signé a été déposé.")
    )

    class Meta:
        model = Consent
        fields = [
            "id",
            "services",
            "data_categories",
            "category_labels",
            "purpose",
            "signed_on",
            "valid_until",
            "state",
            "recorded_at",
            "recorded_by",
            "revoked_at",
            "revocation_note",
            "has_document",
        ]


class ConsentCreateSerializer(serializers.Serializer):
    """What the consent form asks (without the signed document); the service checks it in French."""

    services = ServiceCodeField(
        many=True,
        queryset=PartnerService.objects.all(),
        help_text=_("Codes des services avec lesquels les informations peuvent être échangées (le pilote y est)."),
    )
    data_categories = serializers.ListField(
        child=serializers.CharField(), help_text=_("Catégories de données concernées (codes).")
    )
    purpose = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("But de l'échange, en termes simples.")
    )
    signed_on = serializers.DateField(help_text=_("Signé le (AAAA-MM-JJ)."))
    valid_until = serializers.DateField(help_text=_("Valable jusqu'au (AAAA-MM-JJ), inclus."))


@extend_schema(parameters=[REFERENCE_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("Consentements de la personne"),
        description=_(
            "Réservé au service pilote, comme la page de partage : les autres services du dossier reçoivent "
            "une liste vide. Un dossier invisible répond 404 comme un dossier inexistant."
        ),
        parameters=[CURSOR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=_("Un consentement"),
        description=_("Réservé au service pilote ; les autres reçoivent 404. La lecture est journalisée."),
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary=_("Enregistrer un consentement"),
        description=_(
            "Réservé aux intervenant·e·s du service pilote ; les autres reçoivent 404. Le document signé se "
            "dépose sur la page du consentement. Une saisie refusée répond 400 avec les messages en français "
            "et n'enregistre rien."
        ),
        request=ConsentCreateSerializer,
        responses={201: ConsentSerializer},
    ),
)
class ConsentViewSet(CasePartViewSet):
    serializer_class = ConsentSerializer
    queryset = Consent.objects.none()  # for the schema; the selectors decide what is read

    def _case_for_sharing(self, *, audit_read: bool) -> CaseFile:
        return case_get_for_sharing(
            user=self.user,
            reference=self.reference,
            request=self.request,  # type: ignore[arg-type]
            audit_read=audit_read,
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case_for_reading()
        return self.page_of(
            case_consents_visible(user=self.user, case=case), mark=lambda rows: consents_mark(consents=rows)
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # As the consent page: the lead service only, the reading of the consent audited.
        case = self._case_for_sharing(audit_read=False)
        consent = consent_read(
            user=self.user,
            case=case,
            consent=consent_get_for_case(case=case, consent_id=self.row_id),
            request=request,  # type: ignore[arg-type]
        )
        return Response(self.get_serializer(consents_mark(consents=[consent])[0]).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case_for_sharing(audit_read=False)
        given = ConsentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals():
            consent = consent_record(
                case=case,
                services=list(data["services"]),
                data_categories=data["data_categories"],
                purpose=data["purpose"],
                signed_on=data["signed_on"],
                valid_until=data["valid_until"],
                recorded_by=self.user,
                request=request,  # type: ignore[arg-type]
            )
        created = consent_get_for_case(case=case, consent_id=consent.pk)
        return Response(self.get_serializer(consents_mark(consents=[created])[0]).data, status=status.HTTP_201_CREATED)


router_registrations = [(f"{CASE_PART_PREFIX}/consents", ConsentViewSet, "case-consent")]
