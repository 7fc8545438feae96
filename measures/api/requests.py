"""Place request API: the requests the caller may see, one request, submitting and withdrawing one.

The same selectors and services as the pages: caseworkers see their service's
requests, coordination-group members all of them, anyone else none (a request
they name answers 404). The person is named only where the page names them
(`person_name`, `case_reference`), otherwise the pseudonym alone. A request on a
case needs a case the caller's service may change (404 otherwise, like a missing
case). Refused input answers 400 with the service's French messages; a stale
version answers 409.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import CaseFile
from cii_platform.access import Capability, access_get_or_404
from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from measures.models import Measure, PlacePreference, PlaceRequest, RequestPriority
from measures.roles import may_request_places
from measures.selectors.requests import (
    place_request_get_visible,
    place_requests_mark_identity,
    place_requests_visible,
)
from measures.services.requests import place_request_submit, place_request_withdraw

CURSOR_PARAMETER = OpenApiParameter(
    "apres", str, description=gettext_lazy("Curseur de la page suivante (lien « next »)."), required=False
)


class PreferenceSerializer(serializers.ModelSerializer):
    measure: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=gettext_lazy("Code de la mesure.")
    )
    measure_name = serializers.CharField(source="measure.name", read_only=True)

    class Meta:
        model = PlacePreference
        fields = ["rank", "measure", "measure_name"]


class PlaceRequestSerializer(serializers.ModelSerializer):
    service: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by: serializers.StringRelatedField = serializers.StringRelatedField()
    person_name = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "Nom de la personne, vide si le service de l'appelant·e n'a pas accès au dossier (pseudonyme seul)."
        ),
    )
    case_reference = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Référence du dossier, vide aux mêmes conditions.")
    )
    preferences = PreferenceSerializer(many=True, read_only=True)
    can_act = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("L'appelant·e peut modifier ou retirer la demande.")
    )

    class Meta:
        model = PlaceRequest
        fields = [
            "id",
            "reference",
            "pseudonym",
            "person_name",
            "case_reference",
            "service",
            "requested_by",
            "sector",
            "place_kind",
            "priority",
            "desired_start",
            "remarks",
            "status",
            "preferences",
            "created_at",
            "version",
            "can_act",
        ]


class PlaceRequestCreateSerializer(serializers.Serializer):
    """What the request form asks; the service checks measures, sector and case in French."""

    case = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Référence du dossier (CII-2026-00042), ou vide pour une demande sous pseudonyme."),
    )
    pseudonym = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text=gettext_lazy("Pseudonyme de la personne, obligatoire sans dossier ; jamais le nom."),
    )
    sector = serializers.CharField(help_text=gettext_lazy("Secteur payeur : laci, mip, sas, smig, oai, sfpo."))
    place_kind = serializers.CharField(
        help_text=gettext_lazy("Type de place : occupation, socio_professional, professional.")
    )
    priority = serializers.CharField(required=False, default=RequestPriority.NORMAL, help_text="urgent, normal")
    desired_start = serializers.DateField(help_text=gettext_lazy("Début souhaité (AAAA-MM-JJ)."))
    preferences = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Codes de 1 à 3 mesures, par ordre de préférence."),
    )
    remarks = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=gettext_lazy("Version lue de l'objet."))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


def _measures_by_code(codes: list[str]) -> list[Measure]:
    found = {measure.code: measure for measure in Measure.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise DjangoValidationError(
            {"preferences": [_("Mesure inconnue : %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return [found[code] for code in codes]


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Demandes de place"),
        description=gettext_lazy(
            "Les demandes du service de l'appelant·e (toutes pour les membres du groupe de coordination), les "
            "plus récentes d'abord ; la personne n'est nommée que si le service de l'appelant·e a accès au dossier."
        ),
        parameters=[CURSOR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Une demande de place"),
        description=gettext_lazy("Aux mêmes conditions que la liste ; sinon 404. La lecture est journalisée."),
    ),
    create=extend_schema(
        summary=gettext_lazy("Demander une place"),
        description=gettext_lazy(
            "Réservé aux intervenant·e·s ; les autres reçoivent 404. Avec un dossier, le service doit pouvoir le "
            "modifier (404 sinon). Une saisie refusée répond 400 en français et n'enregistre rien."
        ),
        request=PlaceRequestCreateSerializer,
        responses={201: PlaceRequestSerializer},
    ),
    withdraw=extend_schema(
        summary=gettext_lazy("Retirer une demande"),
        description=gettext_lazy(
            "Réservé au service demandeur (404 sinon) ; une version périmée répond 409 et ne change rien."
        ),
        request=VersionSerializer,
        responses={200: PlaceRequestSerializer},
    ),
)
class PlaceRequestViewSet(StaffViewSet):
    pagination_class = KeysetPagination
    serializer_class = PlaceRequestSerializer
    queryset = PlaceRequest.objects.none()  # for the schema; the selectors decide what is read
    lookup_value_regex = r"\d+"

    def _visible(self, pk: int, *, audit_read: bool = True) -> PlaceRequest:
        return place_request_get_visible(user=self.user, pk=pk, request=self.request, audit_read=audit_read)  # type: ignore[arg-type]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.page_of(
            place_requests_visible(user=self.user),
            mark=lambda rows: place_requests_mark_identity(user=self.user, rows=rows),
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._visible(int(kwargs["pk"]))).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_request_places(self.user):
            raise Http404
        given = PlaceRequestCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        case = None
        if data["case"]:
            case = access_get_or_404(
                user=self.user,
                queryset=CaseFile.objects.all(),
                capability=Capability.CHANGE,
                request=request,  # type: ignore[arg-type]
                reference=data["case"],
            )
        with service_refusals():
            place_request = place_request_submit(
                requested_by=self.user,
                sector=data["sector"],
                place_kind=data["place_kind"],
                priority=data["priority"],
                desired_start=data["desired_start"],
                preferences=_measures_by_code(data["preferences"]),
                remarks=data["remarks"],
                case=case,
                pseudonym=data["pseudonym"],
                request=request,  # type: ignore[arg-type]
            )
        shown = self._visible(place_request.pk, audit_read=False)
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        place_request = self._visible(int(kwargs["pk"]), audit_read=False)
        if not place_request.can_act:  # type: ignore[attr-defined]
            raise Http404
        given = VersionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():  # a stale version: 409
            place_request_withdraw(
                place_request=place_request,
                expected_version=given.validated_data["version"],
                by=self.user,
                reason=given.validated_data["reason"],
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(self._visible(place_request.pk, audit_read=False)).data)


router_registrations = [("measures/requests", PlaceRequestViewSet, "measures-request")]
