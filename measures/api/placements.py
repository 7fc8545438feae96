"""Placement and monthly dashboard API: the placements the caller may see, ending one, a month's figures.

Placements follow their pages: coordination-group members see them all,
caseworkers those of their service's requests, anyone else none (404 for one
they name); the person is named only where the page names them. Ending one
answers 400 with the service's French messages for refused input and 409 for a
stale version. The dashboard of a month (`/api/measures/dashboard/2026-11/`) is
read by caseworkers, coordination-group members and the GP CII; frozen sectors
say so.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from measures.api.requests import CURSOR_PARAMETER
from measures.models import ExitReason, Placement
from measures.selectors.dashboard import Dashboard, dashboard_for, parse_month
from measures.selectors.requests import placement_get_visible, placements_mark, placements_visible
from measures.services.placements import placement_end

STATUS_PARAMETER = OpenApiParameter(
    "statut", str, description=gettext_lazy("Filtrer par statut : planned, active, ended, cancelled."), required=False
)


class PlacementSerializer(serializers.ModelSerializer):
    request = serializers.CharField(source="request.reference", read_only=True)
    pseudonym = serializers.CharField(source="request.pseudonym", read_only=True)
    person_name = serializers.CharField(
        source="request.person_name",
        read_only=True,
        help_text=gettext_lazy("Nom de la personne, vide si le service de l'appelant·e n'a pas accès au dossier."),
    )
    measure: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    can_act = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("L'appelant·e peut terminer ce placement.")
    )

    class Meta:
        model = Placement
        fields = [
            "id",
            "request",
            "pseudonym",
            "person_name",
            "measure",
            "measure_name",
            "sector",
            "place_kind",
            "starts_on",
            "planned_end_on",
            "ended_on",
            "status",
            "exit_reason",
            "price_per_month",
            "version",
            "can_act",
        ]


class PlacementEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(help_text=gettext_lazy("Dernier jour dans la mesure (AAAA-MM-JJ)."))
    exit_reason = serializers.ChoiceField(
        choices=ExitReason.choices,
        error_messages={"invalid_choice": gettext_lazy("Ce motif de sortie n'existe pas.")},
    )
    version = serializers.IntegerField(min_value=1)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Placements"),
        description=gettext_lazy(
            "Tous les placements pour les membres du groupe de coordination, ceux des demandes du service pour "
            "les intervenant·e·s ; les plus récents d'abord."
        ),
        parameters=[CURSOR_PARAMETER, STATUS_PARAMETER],
    ),
    retrieve=extend_schema(summary=gettext_lazy("Un placement"), description=gettext_lazy("Sinon 404.")),
    end=extend_schema(
        summary=gettext_lazy("Terminer un placement"),
        description=gettext_lazy(
            "Fin effective et motif de sortie ; la place libérée est proposée à la liste d'attente. 400 en français "
            "pour une saisie refusée, 409 pour une version périmée."
        ),
        request=PlacementEndSerializer,
        responses={200: PlacementSerializer},
    ),
)
class PlacementViewSet(StaffViewSet):
    pagination_class = KeysetPagination
    serializer_class = PlacementSerializer
    queryset = Placement.objects.none()  # for the schema; the selectors decide what is read
    lookup_value_regex = r"\d+"

    def _visible(self, pk: int, *, audit_read: bool = True) -> Placement:
        return placement_get_visible(user=self.user, pk=pk, request=self.request, audit_read=audit_read)  # type: ignore[arg-type]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.page_of(
            placements_visible(user=self.user, status=request.query_params.get("statut", "")),
            mark=lambda rows: placements_mark(user=self.user, rows=rows),
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._visible(int(kwargs["pk"]))).data)

    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        placement = self._visible(int(kwargs["pk"]), audit_read=False)
        if not placement.can_act:  # type: ignore[attr-defined]
            raise Http404
        given = PlacementEndSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_refusals():  # a stale version: 409
            placement_end(
                placement=placement,
                ended_on=data["ended_on"],
                exit_reason=data["exit_reason"],
                by=self.user,
                expected_version=data["version"],
                request=request,  # type: ignore[arg-type]
            )
        return Response(self.get_serializer(self._visible(placement.pk, audit_read=False)).data)


class FiguresSerializer(serializers.Serializer):
    budgeted = serializers.IntegerField(help_text=gettext_lazy("Places budgétées (capacité pour un type de place)."))
    occupied = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=gettext_lazy("Places occupées."))
    rate = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True, help_text=gettext_lazy("Taux d'occupation (%).")
    )
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=gettext_lazy("Coût (CHF)."))


class DashboardRowSerializer(serializers.Serializer):
    measure_code = serializers.CharField()
    measure_name = serializers.CharField()
    figures = FiguresSerializer()


class SectorBlockSerializer(serializers.Serializer):
    sector = serializers.CharField()
    frozen = serializers.BooleanField(help_text=gettext_lazy("Chiffres figés : envoyés par le secteur."))
    sent_at = serializers.DateTimeField(source="report.sent_at", allow_null=True, default=None)
    rows = DashboardRowSerializer(many=True)
    total = FiguresSerializer()


class KindTotalSerializer(serializers.Serializer):
    place_kind = serializers.CharField()
    figures = FiguresSerializer()


class DashboardSerializer(serializers.Serializer):
    month = serializers.DateField()
    rule = serializers.CharField(
        help_text=gettext_lazy("Règle d'occupation : « prorata_jours », au prorata des jours occupés dans le mois.")
    )
    sectors = SectorBlockSerializer(many=True)
    kinds = KindTotalSerializer(many=True)
    total = FiguresSerializer()


MONTH_PARAMETER = OpenApiParameter(
    "month", str, OpenApiParameter.PATH, description=gettext_lazy("Mois, par exemple 2026-11.")
)


class DashboardViewSet(viewsets.ViewSet):
    """The monthly dashboard of the mixed measures, one month at a time."""

    permission_classes = [IsAuthenticated]
    lookup_field = "month"
    lookup_value_regex = r"\d{4}-\d{2}"

    @extend_schema(
        summary=gettext_lazy("Tableau de bord d'un mois"),
        description=gettext_lazy(
            "Par secteur et par mesure : places budgétées, occupées, taux d'occupation, coût ; totaux par secteur, "
            "par type de place et général. Les secteurs qui ont envoyé leurs chiffres les montrent figés. "
            "Réservé aux intervenant·e·s, au groupe de coordination et au GP CII (404 sinon)."
        ),
        parameters=[MONTH_PARAMETER],
        responses={200: DashboardSerializer},
    )
    def retrieve(self, request: Request, month: str = "", *args: Any, **kwargs: Any) -> Response:
        first_day = parse_month(month)
        if first_day is None:
            raise Http404
        board: Dashboard = dashboard_for(user=request.user, month=first_day)  # type: ignore[arg-type]
        return Response(DashboardSerializer(board).data)


router_registrations = [
    ("measures/placements", PlacementViewSet, "measures-placement"),
    ("measures/dashboard", DashboardViewSet, "measures-dashboard"),
]
