"""Budgets API: the sectoral budget lines and the loans of places, as on the budget pages.

Reads are for the readers of the budget pages (`may_read_measures`); anyone else gets 404. A delegate
creates or changes (PATCH) the lines of their own sector only, through `sector_budget_set`: another
sector's line answers 404 and changes nothing, a refused input answers 400 with the French messages,
and a stale `version` answers 409. Loans are proposed and answered through their services under the
same rules as the loans page.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cii_platform.core.api import StaffViewSet, service_refusals
from cii_platform.core.pagination import KeysetPagination
from measures.models import Measure, PlaceLoan, Sector, SectorBudget
from measures.roles import delegate_sectors
from measures.selectors.budgets import (
    budget_get_for_reading,
    budget_list,
    loan_get_for_answer,
    loan_get_for_reading,
    loan_list,
)
from measures.selectors.inventory import measures_reader_or_404
from measures.services.budgets import (
    place_loan_answer,
    place_loan_cancel,
    place_loan_propose,
    sector_budget_set,
)


class BudgetSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="year.year", read_only=True, help_text=_("Année budgétaire."))
    measure = serializers.CharField(source="measure.code", read_only=True, help_text=_("Code de la mesure."))
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    updated_by: serializers.StringRelatedField = serializers.StringRelatedField(
        help_text=_("Dernière personne qui a modifié la ligne.")
    )
    can_edit = serializers.SerializerMethodField(help_text=_("L'appelant·e peut modifier cette ligne."))

    class Meta:
        model = SectorBudget
        fields = [
            "id",
            "year",
            "measure",
            "measure_name",
            "sector",
            "places",
            "amount",
            "version",
            "updated_by",
            "updated_at",
            "can_edit",
        ]

    def get_can_edit(self, budget: SectorBudget) -> bool:
        own: frozenset[str] = self.context.get("own_sectors", frozenset())
        return not budget.year.is_closed and budget.sector in own


class BudgetCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Année budgétaire (ouverte)."))
    measure = serializers.SlugRelatedField(
        slug_field="code", queryset=Measure.objects.all(), help_text=_("Code de la mesure.")
    )
    sector = serializers.ChoiceField(choices=Sector.choices, help_text=_("Secteur (le vôtre)."))
    places = serializers.IntegerField(help_text=_("Places achetées."))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("Montant en CHF."))


class BudgetPatchSerializer(serializers.Serializer):
    places = serializers.IntegerField(required=False, help_text=_("Places achetées."))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, help_text=_("Montant en CHF."))
    version = serializers.IntegerField(help_text=_("Version lue ; une version dépassée répond 409."))


class LoanSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="year.year", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True)
    proposed_by: serializers.StringRelatedField = serializers.StringRelatedField()
    answered_by: serializers.StringRelatedField = serializers.StringRelatedField()
    can_answer = serializers.BooleanField(read_only=True, help_text=_("L'appelant·e peut y répondre."))
    can_cancel = serializers.BooleanField(read_only=True, help_text=_("L'appelant·e peut le retirer."))

    class Meta:
        model = PlaceLoan
        fields = [
            "id",
            "year",
            "measure",
            "from_sector",
            "to_sector",
            "places",
            "starts_on",
            "ends_on",
            "status",
            "proposed_by",
            "proposed_at",
            "answered_by",
            "answered_at",
            "remarks",
            "can_answer",
            "can_cancel",
        ]


class LoanCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    measure = serializers.SlugRelatedField(slug_field="code", queryset=Measure.objects.all())
    from_sector = serializers.ChoiceField(choices=Sector.choices, help_text=_("Secteur prêteur."))
    to_sector = serializers.ChoiceField(choices=Sector.choices, help_text=_("Secteur emprunteur."))
    places = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    remarks = serializers.CharField(required=False, allow_blank=True, default="")


class MeasuresViewSet(StaffViewSet):
    def year_param(self) -> int | None:
        text = self.request.query_params.get("annee", "")
        return int(text) if text.isdigit() else None

    def row_id(self) -> int:
        text = str(self.kwargs["pk"])
        return int(text) if text.isdigit() else 0


YEAR_PARAMETER = OpenApiParameter("annee", int, description=_("Seulement cette année."), required=False)
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary=_("Budgets sectoriels"),
        description=_("Les lignes de budget (places et CHF par mesure et par secteur), par 50. Sinon 404."),
        parameters=[YEAR_PARAMETER],
    ),
    retrieve=extend_schema(summary=_("Une ligne de budget"), parameters=[ID_PARAMETER]),
    create=extend_schema(
        summary=_("Créer la ligne de budget de son secteur"),
        description=_(
            "Réservé au délégué du secteur (sinon 404). Une année clôturée, des chiffres négatifs ou plus de "
            "places que la mesure n'en offre répondent 400 avec les messages en français."
        ),
        request=BudgetCreateSerializer,
        responses={201: BudgetSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Modifier les places ou le montant de son secteur"),
        description=_(
            "Réservé au délégué du secteur de la ligne (sinon 404). `version` est celle lue : une version "
            "dépassée répond 409 et ne change rien."
        ),
        request=BudgetPatchSerializer,
        responses={200: BudgetSerializer},
        parameters=[ID_PARAMETER],
    ),
)
class BudgetViewSet(MeasuresViewSet):
    serializer_class = BudgetSerializer
    pagination_class = KeysetPagination
    queryset = SectorBudget.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "own_sectors": delegate_sectors(self.user)}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.page_of(budget_list(user=self.user, year=self.year_param()))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(budget_get_for_reading(user=self.user, budget_id=self.row_id())).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measures_reader_or_404(self.user)
        given = BudgetCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        # A line that already exists is changed with PATCH and its version: creating it again answers 409.
        budget = self._set(
            year=data["year"],
            measure=data["measure"],
            sector=data["sector"],
            places=data["places"],
            amount=data["amount"],
            expected_version=0,
        )
        return Response(self.get_serializer(budget).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        budget = budget_get_for_reading(user=self.user, budget_id=self.row_id())
        given = BudgetPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        updated = self._set(
            year=budget.year.year,
            measure=budget.measure,
            sector=budget.sector,
            places=data.get("places", budget.places),
            amount=data.get("amount", budget.amount),
            expected_version=data["version"],
        )
        return Response(self.get_serializer(updated).data)

    def _set(self, **values: Any) -> SectorBudget:
        with service_refusals():  # a stale version: 409
            budget = sector_budget_set(set_by=self.user, request=self.request, **values)  # type: ignore[arg-type]
        return budget_get_for_reading(user=self.user, budget_id=budget.pk)


@extend_schema_view(
    list=extend_schema(
        summary=_("Prêts de places entre secteurs"),
        description=_("Les prêts, les plus récents d'abord, avec ce que l'appelant·e peut en faire. Sinon 404."),
        parameters=[YEAR_PARAMETER],
    ),
    retrieve=extend_schema(summary=_("Un prêt de places"), parameters=[ID_PARAMETER]),
    create=extend_schema(
        summary=_("Proposer un prêt de places"),
        description=_(
            "Par le délégué du secteur prêteur ou emprunteur (sinon 404). Le prêteur doit garder assez de places "
            "inutilisées pendant la période ; sinon 400 avec le message en français."
        ),
        request=LoanCreateSerializer,
        responses={201: LoanSerializer},
    ),
    agree=extend_schema(
        summary=_("Accepter un prêt"),
        description=_("Par le délégué de l'autre secteur, tant que le prêt attend (sinon 404)."),
        request=None,
        responses={200: LoanSerializer},
        parameters=[ID_PARAMETER],
    ),
    refuse=extend_schema(
        summary=_("Refuser un prêt"),
        description=_("Par le délégué de l'autre secteur, tant que le prêt attend (sinon 404)."),
        request=None,
        responses={200: LoanSerializer},
        parameters=[ID_PARAMETER],
    ),
    cancel=extend_schema(
        summary=_("Retirer un prêt"),
        description=_("Par le secteur qui l'a proposé, tant que le prêt attend (sinon 404)."),
        request=None,
        responses={200: LoanSerializer},
        parameters=[ID_PARAMETER],
    ),
)
class LoanViewSet(MeasuresViewSet):
    serializer_class = LoanSerializer
    pagination_class = None  # a handful of loans a year
    queryset = PlaceLoan.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(loan_list(user=self.user, year=self.year_param()), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(loan_get_for_reading(user=self.user, loan_id=self.row_id())).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measures_reader_or_404(self.user)
        given = LoanCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_refusals():
            loan = place_loan_propose(proposed_by=self.user, request=request, **given.validated_data)  # type: ignore[arg-type]
        shown = loan_get_for_reading(user=self.user, loan_id=loan.pk)
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)

    def _answer(self, request: Request, *, agree: bool) -> Response:
        loan = loan_get_for_answer(user=self.user, loan_id=self.row_id())
        with service_refusals():
            place_loan_answer(loan=loan, agree=agree, answered_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(self.get_serializer(loan_get_for_reading(user=self.user, loan_id=loan.pk)).data)

    @action(detail=True, methods=["post"])
    def agree(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(request, agree=True)

    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(request, agree=False)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        loan = loan_get_for_reading(user=self.user, loan_id=self.row_id())
        with service_refusals():
            place_loan_cancel(loan=loan, cancelled_by=self.user, request=request)  # type: ignore[arg-type]
        return Response(self.get_serializer(loan_get_for_reading(user=self.user, loan_id=loan.pk)).data)


router_registrations = [
    ("measures/budgets", BudgetViewSet, "measures-budget"),
    ("measures/loans", LoanViewSet, "measures-loan"),
]
