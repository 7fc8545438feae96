"""Inventory API: the providers with their NE-ESO checklist, the measures with their places per kind.

Read-only, for the readers of the inventory pages (`may_read_measures`); anyone else gets the 404 of a
missing page, as for a missing provider or measure. The rows come from the selectors of the pages.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet
from measures.models import Branch, Measure, PlaceKind, Provider, Typology
from measures.selectors.inventory import (
    inventory_list,
    measure_capacities,
    measure_get_for_reading,
    provider_eso_checklist,
    provider_get_for_reading,
    provider_list,
)


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
        fields = ["id", "name", "locality", "active", "eso_status", "eso_assessed_on", "measure_count"]


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
        ]

    @extend_schema_field(EsoLineSerializer(many=True))
    def get_eso_checklist(self, provider: Provider) -> list[dict[str, Any]]:
        return list(EsoLineSerializer(provider_eso_checklist(provider=provider), many=True).data)


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


class ReaderViewSet(StaffViewSet):
    pagination_class = None  # a few dozen rows: the whole inventory in one answer


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
)
class ProviderViewSet(ReaderViewSet):
    serializer_class = ProviderSerializer
    queryset = Provider.objects.none()  # for the schema; the selectors decide what is read

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(provider_list(user=self.user), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = str(self.kwargs["pk"])
        provider = provider_get_for_reading(user=self.user, provider_id=int(pk) if pk.isdigit() else 0)
        return Response(ProviderDetailSerializer(provider).data)


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


router_registrations = [
    ("measures/providers", ProviderViewSet, "measures-provider"),
    ("measures/measures", MeasureViewSet, "measures-measure"),
]
