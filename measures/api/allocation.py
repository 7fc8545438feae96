"""Allocation rounds API: the rounds with their lines, and proposing, simulating, confirming one.

For the members of the coordination group only, as the pages: anyone else gets 404 (a round
they name too). Reads go through `measures.selectors.allocation` (a person is named only for the
caller's own service's requests, otherwise the pseudonym alone); writes through the services of
`measures.services.allocation`. A refused input answers 400 with the service's French messages;
a stale `version` answers 409 and changes nothing.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from measures.models import AllocationRound, Sector
from measures.selectors.allocation import (
    LineRow,
    round_detail,
    round_get,
    round_list,
    simulation_compare,
)
from measures.services.allocation import round_confirm, round_propose


class RoundSerializer(serializers.ModelSerializer):
    # A plain string, not an enum: the schema already holds several "status" choice sets.
    status = serializers.CharField(
        read_only=True, help_text=gettext_lazy("open (ouvert), proposed (proposition calculée), confirmed, cancelled.")
    )
    opened_by: serializers.StringRelatedField = serializers.StringRelatedField()
    confirmed_by: serializers.StringRelatedField = serializers.StringRelatedField()

    class Meta:
        model = AllocationRound
        fields = [
            "id",
            "period_start",
            "period_end",
            "status",
            "opened_by",
            "opened_at",
            "proposed_at",
            "confirmed_by",
            "confirmed_at",
            "version",
        ]


class RoundListSerializer(RoundSerializer):
    served_count = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Demandes servies."))
    unserved_count = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Demandes non servies."))

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "served_count", "unserved_count"]


class SolverReportSerializer(serializers.Serializer):
    seconds = serializers.FloatField(help_text=gettext_lazy("Durée du calcul en secondes."))
    requests = serializers.IntegerField(help_text=gettext_lazy("Demandes examinées."))
    served = serializers.IntegerField(help_text=gettext_lazy("Demandes servies."))
    unserved = serializers.IntegerField(help_text=gettext_lazy("Demandes non servies."))
    urgent_served = serializers.IntegerField(help_text=gettext_lazy("Demandes urgentes servies."))
    rank_gain = serializers.IntegerField(
        help_text=gettext_lazy("Gain de rang de préférence (plus c'est haut, mieux c'est).")
    )
    method = serializers.CharField(help_text=gettext_lazy("Méthode du solveur."))
    variables = serializers.IntegerField()
    constraints = serializers.IntegerField()


class PersonFieldsMixin(serializers.Serializer):
    """What a row shows of its person: always the reference and pseudonym, the name for the caller's service."""

    request = serializers.CharField(source="request.reference", help_text=gettext_lazy("Référence de la demande."))
    pseudonym = serializers.CharField(source="request.pseudonym")
    person_name = serializers.CharField(
        source="request.person_name",
        help_text=gettext_lazy(
            "Nom de la personne, seulement pour les demandes du service de l'appelant·e ; sinon vide."
        ),
    )
    case_reference = serializers.CharField(
        source="request.case_reference", help_text=gettext_lazy("Référence du dossier, aux mêmes conditions.")
    )
    sector = serializers.CharField(source="request.sector", help_text=gettext_lazy("Secteur payeur."))


class AllocationLineSerializer(PersonFieldsMixin):
    id = serializers.IntegerField(source="line.pk")
    place_kind = serializers.CharField(source="request.place_kind")
    priority = serializers.CharField(source="request.priority")
    preferences = serializers.SerializerMethodField()
    measure = serializers.CharField(
        source="line.measure.code", allow_null=True, default=None, help_text=gettext_lazy("Mesure attribuée (code).")
    )
    measure_name = serializers.CharField(source="line.measure.name", allow_null=True, default=None)
    rank = serializers.IntegerField(source="line.rank", allow_null=True, help_text=gettext_lazy("Rang obtenu."))
    unserved_reason = serializers.CharField(source="line.unserved_reason", help_text=gettext_lazy("Motif (code)."))
    unserved_reason_label = serializers.CharField(source="reason_label", help_text=gettext_lazy("Motif en français."))
    waiting_position = serializers.IntegerField(
        source="line.waiting_position", allow_null=True, help_text=gettext_lazy("Rang en liste d'attente.")
    )

    def get_preferences(self, row: LineRow) -> list[str]:
        """Codes of the measures the request wishes, first choice first."""
        return [preference.measure.code for preference in row.preferences]


class AllocationUsageSerializer(serializers.Serializer):
    measure = serializers.CharField(source="measure.code")
    sector = serializers.CharField()
    used_places = serializers.IntegerField(help_text=gettext_lazy("Places attribuées par le tour."))
    available_places = serializers.IntegerField(help_text=gettext_lazy("Places du secteur disponibles pour le tour."))
    used_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    available_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class RoundDetailSerializer(serializers.Serializer):
    round = RoundSerializer()
    served_count = serializers.IntegerField()
    report = SolverReportSerializer(
        allow_null=True, help_text=gettext_lazy("Rapport du solveur, vide avant le calcul.")
    )
    lines = AllocationLineSerializer(
        many=True, help_text=gettext_lazy("Servies mesure par mesure, puis la liste d'attente.")
    )
    usage = AllocationUsageSerializer(many=True, help_text=gettext_lazy("Places et CHF par mesure et par secteur."))


class RoundVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=gettext_lazy("Version lue du tour ; dépassée : 409."))


class RoundSimulationInputSerializer(serializers.Serializer):
    budget_percentages = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=6, decimal_places=1, min_value=Decimal(-100), max_value=Decimal(1000)
        ),
        required=False,
        default=dict,
        help_text=gettext_lazy('Variation du budget de chaque secteur en pour cent, par exemple {"smig": 10}.'),
    )

    def validate_budget_percentages(self, value: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = sorted(set(value) - set(Sector.values))
        if unknown:
            raise serializers.ValidationError(_("Secteur inconnu : %(sectors)s.") % {"sectors": ", ".join(unknown)})
        return value


class SimulatedLineSerializer(PersonFieldsMixin):
    current_measure = serializers.CharField(source="current_measure.code", allow_null=True, default=None)
    current_rank = serializers.IntegerField(allow_null=True)
    current_reason = serializers.CharField(help_text=gettext_lazy("Motif en français avec le budget actuel."))
    simulated_measure = serializers.CharField(source="simulated_measure.code", allow_null=True, default=None)
    simulated_rank = serializers.IntegerField(allow_null=True)
    simulated_reason = serializers.CharField(help_text=gettext_lazy("Motif en français avec le budget simulé."))
    changed = serializers.BooleanField()


class RoundSimulationSerializer(serializers.Serializer):
    current = SolverReportSerializer(help_text=gettext_lazy("Avec les budgets actuels."))
    simulated = SolverReportSerializer(help_text=gettext_lazy("Avec les budgets simulés."))
    lines = SimulatedLineSerializer(many=True)


ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Tours d'attribution"),
        description=gettext_lazy(
            "Les tours, les plus récents d'abord, avec leurs demandes servies et non servies. "
            "Réservé au groupe de coordination (sinon 404)."
        ),
        responses={200: RoundListSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Un tour d'attribution et ses lignes"),
        description=gettext_lazy(
            "Les demandes servies (mesure, rang obtenu), la liste d'attente avec le motif de chaque demande non "
            "servie, les places par mesure et par secteur, le rapport du solveur. La personne n'est nommée que "
            "pour les demandes du service de l'appelant·e."
        ),
        responses={200: RoundDetailSerializer},
        parameters=[ID_PARAMETER],
    ),
    proposer=extend_schema(
        summary=gettext_lazy("Calculer la proposition d'un tour"),
        description=gettext_lazy(
            "Remplace les lignes du tour par l'attribution optimale. `version` est celle lue : dépassée, 409 ; "
            "un tour confirmé répond 400."
        ),
        request=RoundVersionSerializer,
        responses={200: RoundDetailSerializer},
        parameters=[ID_PARAMETER],
    ),
    simuler=extend_schema(
        summary=gettext_lazy("Simuler le tour avec d'autres budgets"),
        description=gettext_lazy(
            "Le résultat avec les budgets actuels et avec les budgets modifiés des secteurs indiqués, côte à côte. "
            "N'enregistre rien."
        ),
        request=RoundSimulationInputSerializer,
        responses={200: RoundSimulationSerializer},
        parameters=[ID_PARAMETER],
    ),
    confirmer=extend_schema(
        summary=gettext_lazy("Confirmer la proposition d'un tour"),
        description=gettext_lazy(
            "Crée un placement prévu par demande servie. `version` est celle lue : dépassée, 409 et rien n'est "
            "écrit ; ce qui ne tient plus dans les places ou les budgets répond 400."
        ),
        request=RoundVersionSerializer,
        responses={200: RoundDetailSerializer},
        parameters=[ID_PARAMETER],
    ),
)
class AllocationRoundViewSet(StaffViewSet):
    serializer_class = RoundDetailSerializer
    pagination_class = None  # a few rounds a year
    queryset = AllocationRound.objects.none()

    @property
    def http_request(self) -> HttpRequest:
        return self.request._request  # the Django request, for the audit trail

    def round_id(self) -> int:
        text = str(self.kwargs["pk"])
        return int(text) if text.isdigit() else 0

    def detail_response(self) -> Response:
        shown = round_detail(user=self.user, round_id=self.round_id(), request=self.http_request)
        return Response(RoundDetailSerializer(shown).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(RoundListSerializer(round_list(user=self.user), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.detail_response()

    def _write(self, service: Callable[..., object]) -> Response:
        """Run `service` (propose or confirm) on the round at the version read, then show the round.

        A stale version answers 409 and a refused one 400 (`service_refusals`).
        """
        round_ = round_get(user=self.user, round_id=self.round_id(), request=self.http_request)
        given = RoundVersionSerializer(data=self.request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            service(
                round=round_,
                by=self.user,
                expected_version=given.validated_data["version"],
                request=self.http_request,
            )
        return self.detail_response()

    @action(detail=True, methods=["post"])
    def proposer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(round_propose)

    @action(detail=True, methods=["post"])
    def simuler(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        round_ = round_get(user=self.user, round_id=self.round_id(), request=self.http_request)
        given = RoundSimulationInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        factors = {
            sector: 1 + percent / 100
            for sector, percent in given.validated_data["budget_percentages"].items()
            if percent != 0
        }
        with service_refusals():
            current = round_propose(round=round_, by=self.user, simulate=True, request=self.http_request)
            simulated = round_propose(
                round=round_, by=self.user, simulate=True, budget_factors=factors, request=self.http_request
            )
        compared = simulation_compare(user=self.user, current=current, simulated=simulated)
        return Response(RoundSimulationSerializer(compared).data)

    @action(detail=True, methods=["post"])
    def confirmer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(round_confirm)


router_registrations = [("measures/rounds", AllocationRoundViewSet, "measures-round")]
