"""Inventory API: the providers with their NE-ESO checklist, the measures with their places per kind.

Read by the readers of the inventory pages (`may_read_measures`); anyone else gets the 404 of a missing
page, as for a missing provider or measure. The rows come from the selectors of the pages. Members of the
coordination group change a provider's details or a measure's sheet (PATCH) through the pages' services,
naming the `version` they read: a stale version answers 409 and changes nothing, a refused input 400 with
the French messages, and a reader who may not edit gets the 404 of a missing page.
"""

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from measures.models import Branch, Measure, PlaceKind, Provider, Typology
from measures.selectors.inventory import (
    inventory_list,
    measure_capacities,
    measure_get_for_reading,
    provider_eso_checklist,
    provider_get_for_reading,
    provider_list,
)
from measures.services.inventory import measure_update, provider_update

VERSION_HELP = _("Obligatoire : la version lue ; une version dépassée répond 409 et ne change rien.")


class EsoLineSerializer(serializers.Serializer):
    criterion = serializers.CharField(help_text=_("Code du critère (annexe 4)."))
    criterion_label = serializers.CharField(source="label", help_text=_("Libellé du critère."))
    status = serializers.CharField(help_text=_("« rempli », « non rempli » ou « non vérifié »."))
    met = serializers.SerializerMethodField(help_text=_("Vrai si rempli, faux sinon, nul si pas vérifié."))
    evidence = serializers.SerializerMethodField()
    checked_on = serializers.SerializerMethodField()

    def get_met(self, line: Any) -> bool | None:
        return None if line.check is None else bool(line.check.met)

    def get_evidence(self, line: Any) -> str:
        return "" if line.check is None else str(line.check.evidence)

    def get_checked_on(self, line: Any) -> str | None:
        return None if line.check is None else line.check.checked_on.isoformat()


class ProviderSerializer(serializers.ModelSerializer):
    measure_count = serializers.IntegerField(read_only=True, help_text=_("Nombre de mesures du prestataire."))

    class Meta:
        model = Provider
        fields = ["id", "name", "locality", "active", "eso_status", "eso_assessed_on", "measure_count", "version"]


class ProviderDetailSerializer(serializers.ModelSerializer):
    eso_checklist = serializers.SerializerMethodField(help_text=_("Les critères NE-ESO et leur vérification."))

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "locality",
            "contact",
            "email",
            "phone",
            "active",
            "eso_status",
            "eso_assessed_on",
            "eso_checklist",
            "version",
        ]

    @extend_schema_field(EsoLineSerializer(many=True))
    def get_eso_checklist(self, provider: Provider) -> list[dict[str, Any]]:
        return list(EsoLineSerializer(provider_eso_checklist(provider=provider), many=True).data)


# A provider's details as changed; a field left out keeps its value. (No docstring: it would be the schema's
# description, in English.)
class ProviderPatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150, trim_whitespace=False)
    locality = serializers.CharField(required=False, allow_blank=True, max_length=100, trim_whitespace=False)
    contact = serializers.CharField(required=False, allow_blank=True, max_length=150, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, trim_whitespace=False)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class CapacitySerializer(serializers.Serializer):
    occupation = serializers.IntegerField()
    socio_professional = serializers.IntegerField()
    professional = serializers.IntegerField()
    total = serializers.IntegerField()


def _capacity(places: dict[str, int]) -> dict[str, int]:
    return {
        "occupation": places.get(PlaceKind.OCCUPATION, 0),
        "socio_professional": places.get(PlaceKind.SOCIO_PROFESSIONAL, 0),
        "professional": places.get(PlaceKind.PROFESSIONAL, 0),
        "total": sum(places.values()),
    }


# What the list and the detail of a measure both show, in this order.
MEASURE_FIELDS = [
    "code",
    "name",
    "provider",
    "provider_id",
    "branch",
    "typology",
    "is_mixed",
    "price_per_place_month",
    "version",
]


class MeasureSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.name", read_only=True, help_text=_("Prestataire."))
    provider_id = serializers.IntegerField(read_only=True)
    branch = serializers.CharField(source="branch.code", read_only=True, help_text=_("Branche (code SECO)."))
    capacity = serializers.SerializerMethodField(help_text=_("Places par type dans l'année demandée."))

    class Meta:
        model = Measure
        fields = [*MEASURE_FIELDS, "active_from", "active_until", "capacity"]

    @extend_schema_field(CapacitySerializer)
    def get_capacity(self, measure: Measure) -> dict[str, int]:
        return _capacity(getattr(measure, "capacity", {}))


class MeasureYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    occupation = serializers.IntegerField()
    socio_professional = serializers.IntegerField()
    professional = serializers.IntegerField()
    total = serializers.IntegerField()


class MeasureDetailSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.name", read_only=True)
    provider_id = serializers.IntegerField(read_only=True)
    branch = serializers.CharField(source="branch.code", read_only=True)
    capacities = serializers.SerializerMethodField(help_text=_("Places par type, année par année."))

    class Meta:
        model = Measure
        fields = [*MEASURE_FIELDS, "description", "active_from", "active_until", "capacities"]

    @extend_schema_field(MeasureYearSerializer(many=True))
    def get_capacities(self, measure: Measure) -> list[dict[str, int]]:
        return [{"year": row.year, **_capacity(row.places)} for row in measure_capacities(measure=measure)]


# A measure's sheet as changed (its code never changes); a field left out keeps its value.
class MeasurePatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150, trim_whitespace=False)
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Provider.objects.all(), required=False, help_text=_("Prestataire (id).")
    )
    branch = serializers.SlugRelatedField(
        slug_field="code", queryset=Branch.objects.all(), required=False, help_text=_("Branche (code SECO).")
    )
    typology = serializers.ChoiceField(choices=Typology.choices, required=False)
    price_per_place_month = serializers.DecimalField(max_digits=9, decimal_places=2, required=False)
    active_from = serializers.DateField(required=False)
    active_until = serializers.DateField(required=False, allow_null=True, help_text=_("null : sans fin."))
    is_mixed = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class ReaderViewSet(StaffViewSet):
    pagination_class = None  # a few dozen rows: the whole inventory in one answer
    http_method_names = ["get", "patch", "head", "options"]


@extend_schema_view(
    list=extend_schema(
        summary=_("Prestataires"),
        description=_("Les prestataires et leur statut NE-ESO. Réservé aux lecteurs de la cartographie (sinon 404)."),
    ),
    retrieve=extend_schema(
        summary=_("Un prestataire et sa liste de critères NE-ESO"),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: ProviderDetailSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Modifier les coordonnées d'un prestataire"),
        description=_(
            "Réservé au groupe de coordination (sinon 404). `version` est celle lue : une version dépassée "
            "répond 409 et ne change rien ; une saisie refusée répond 400 avec les messages en français. Le "
            "statut NE-ESO ne change que par une évaluation."
        ),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        request=ProviderPatchSerializer,
        responses={200: ProviderDetailSerializer},
    ),
)
class ProviderViewSet(ReaderViewSet):
    serializer_class = ProviderSerializer
    queryset = Provider.objects.none()  # for the schema; the selectors decide what is read

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(provider_list(user=self.user), many=True).data)

    def _provider(self) -> Provider:
        pk = str(self.kwargs["pk"])
        return provider_get_for_reading(user=self.user, provider_id=int(pk) if pk.isdigit() else 0)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ProviderDetailSerializer(self._provider()).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provider = self._provider()
        if not provider.can_edit:  # type: ignore[attr-defined]  # a reader, not an editor: as if missing
            raise Http404
        given = ProviderPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        fields = ("name", "locality", "contact", "email", "phone", "active")
        with service_refusals():  # a stale version: 409
            provider_update(
                provider=provider,
                expected_version=data["version"],
                changed_by=self.user,
                request=request,  # type: ignore[arg-type]
                **{field: data.get(field, getattr(provider, field)) for field in fields},
            )
        return Response(ProviderDetailSerializer(self._provider()).data)


YEAR_PARAMETER = OpenApiParameter(
    "annee", int, description=_("Année des places (par défaut l'année en cours)."), required=False
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Mesures de la cartographie"),
        description=_(
            "Les mesures avec leurs places par type dans l'année demandée ; filtres facultatifs : branche (code), "
            "typologie, mixte (true/false). Réservé aux lecteurs de la cartographie (sinon 404)."
        ),
        parameters=[
            YEAR_PARAMETER,
            OpenApiParameter("branche", str, required=False),
            OpenApiParameter("typologie", str, required=False, enum=Typology.values),
            OpenApiParameter("mixte", bool, required=False),
        ],
    ),
    retrieve=extend_schema(
        summary=_("Une mesure : fiche descriptive et places par année"),
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        responses={200: MeasureDetailSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Modifier la fiche descriptive d'une mesure"),
        description=_(
            "Réservé au groupe de coordination (sinon 404) ; le code ne change pas. `version` est celle lue : "
            "une version dépassée répond 409 et ne change rien ; une saisie refusée répond 400 avec les messages "
            "en français."
        ),
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        request=MeasurePatchSerializer,
        responses={200: MeasureDetailSerializer},
    ),
)
class MeasureViewSet(ReaderViewSet):
    serializer_class = MeasureSerializer
    queryset = Measure.objects.none()
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        year_text = params.get("annee", "")
        year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
        branch = Branch.objects.filter(code=params["branche"]).first() if params.get("branche") else None
        if params.get("branche") and branch is None:
            return Response([])
        mixed = {"true": True, "false": False}.get(params.get("mixte", "").lower())
        measures = inventory_list(
            user=self.user,
            year=year,
            branch=branch,
            typology=params.get("typologie", "") if params.get("typologie") in Typology.values else "",
            mixed=mixed,
        )
        return Response(self.get_serializer(measures, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measure = measure_get_for_reading(user=self.user, code=str(self.kwargs["code"]))
        return Response(MeasureDetailSerializer(measure).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measure = measure_get_for_reading(user=self.user, code=str(self.kwargs["code"]))
        if not measure.can_edit:  # type: ignore[attr-defined]  # a reader, not an editor: as if missing
            raise Http404
        given = MeasurePatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        fields = (
            "name",
            "provider",
            "branch",
            "typology",
            "price_per_place_month",
            "active_from",
            "active_until",
            "is_mixed",
            "description",
        )
        with service_refusals():  # a stale version: 409
            measure_update(
                measure=measure,
                expected_version=data["version"],
                changed_by=self.user,
                request=request,  # type: ignore[arg-type]
                **{field: data.get(field, getattr(measure, field)) for field in fields},
            )
        return Response(MeasureDetailSerializer(measure_get_for_reading(user=self.user, code=measure.code)).data)


router_registrations = [
    ("measures/providers", ProviderViewSet, "measures-provider"),
    ("measures/measures", MeasureViewSet, "measures-measure"),
]
