"""Reads of the sectoral budgets and of the loans of places between sectors.

Readers are those of the inventory (`may_read_measures`); anyone else gets the 404 of a missing page.
The budget table of a year shows every sector's places and CHF per measure, and marks the cells the
viewer may edit: those of their own sectors (`delegate_sectors`) while the year is open. Every table
costs a fixed number of queries whatever the number of measures.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from cii_platform.accounts.models import User
from measures.models import (
    SECTOR_SERVICE,
    BudgetYear,
    Measure,
    MeasureCapacity,
    PlaceLoan,
    Placement,
    Sector,
    SectorBudget,
)
from measures.roles import delegate_sectors, is_coordination_member
from measures.selectors.inventory import active_during, measures_reader_or_404

SECTORS: tuple[str, ...] = tuple(Sector.values)
"""The columns of the budget tables: LACI, MIP, SAS, SMIG, then OAI and SFPO where they buy places."""


def sectors_of_service(service_code: str | None) -> frozenset[str]:
    """The sectors the delegate of `service_code` speaks for (SEMP: LACI and MIP …)."""
    return frozenset(sector for sector, code in SECTOR_SERVICE.items() if code == service_code)


# -- Unused places (used by the loan services) -------------------------------------------


def sector_unused_places(
    *,
    year: BudgetYear,
    measure: Measure,
    sector: str,
    starts_on: dt.date,
    ends_on: dt.date,
    exclude_loan_id: int | None = None,
) -> int:
    """How many places of its budget `sector` leaves unused in `measure` from `starts_on` to `ends_on`.

    Budget places, minus the sector's placements in the measure that overlap the period (not cancelled),
    minus the places it already lends in agreed loans that overlap the period. Counting every overlapping
    placement or loan, rather than day by day, errs on the safe side: a loan never takes a place in use.
    """
    budget = SectorBudget.objects.filter(year=year, measure=measure, sector=sector).values_list("places", flat=True)
    places = budget.first() or 0
    placed = (
        Placement.objects.filter(measure=measure, sector=sector, starts_on__lte=ends_on)
        .exclude(status=Placement.Status.CANCELLED)
        .filter(Q(ended_on__isnull=True, planned_end_on__gte=starts_on) | Q(ended_on__gte=starts_on))
        .count()
    )
    lent = PlaceLoan.objects.filter(
        year=year,
        measure=measure,
        from_sector=sector,
        status=PlaceLoan.Status.AGREED,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    )
    if exclude_loan_id is not None:
        lent = lent.exclude(pk=exclude_loan_id)
    lent_places = lent.aggregate(total=Sum("places"))["total"] or 0
    return places - placed - lent_places


# -- Budget years ------------------------------------------------------------------------


def budget_years(*, user: User | None) -> list[BudgetYear]:
    """Every budget year, newest first."""
    measures_reader_or_404(user)
    return list(BudgetYear.objects.order_by("-year"))


def budget_year_get(*, user: User | None, year: int) -> BudgetYear:
    """The budget year `year`, or 404 (also for a user who may not read measures)."""
    measures_reader_or_404(user)
    budget_year = BudgetYear.objects.filter(year=year).first()
    if budget_year is None:
        raise Http404
    return budget_year


# -- The budget table of a year ----------------------------------------------------------


@dataclass
class BudgetCell:
    """What one sector buys of one measure in the year, with the places it lends and borrows (agreed loans)."""

    sector: str
    budget: SectorBudget | None
    loans_in: int = 0
    loans_out: int = 0
    editable: bool = False

    @property
    def places(self) -> int:
        return self.budget.places if self.budget else 0

    @property
    def amount(self) -> Decimal:
        return self.budget.amount if self.budget else Decimal("0.00")

    @property
    def version(self) -> int:
        return self.budget.version if self.budget else 0


@dataclass
class BudgetRow:
    measure: Measure
    capacity: int
    cells: list[BudgetCell]

    @property
    def places(self) -> int:
        return sum(cell.places for cell in self.cells)

    @property
    def amount(self) -> Decimal:
        return sum((cell.amount for cell in self.cells), Decimal("0.00"))

    @property
    def editable_cells(self) -> list[BudgetCell]:
        return [cell for cell in self.cells if cell.editable]

    @property
    def over_capacity(self) -> bool:
        return self.capacity > 0 and self.places > self.capacity


@dataclass
class BudgetTable:
    year: BudgetYear
    sectors: list[tuple[str, str]]
    rows: list[BudgetRow]
    editable_sectors: frozenset[str]
    totals: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def places(self) -> int:
        return sum(row.places for row in self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal("0.00"))


def budget_table(*, user: User | None, year: int) -> BudgetTable:
    """The budgets of `year`: one row per measure active that year or budgeted in it, one cell per sector.

    Cells of the viewer's own sectors are `editable` while the year is open. Five queries in all.
    """
    budget_year = budget_year_get(user=user, year=year)
    own = frozenset() if budget_year.is_closed else delegate_sectors(user)
    measures = list(
        Measure.objects.filter(active_during(year) | Q(budgets__year=budget_year))
        .distinct()
        .select_related("provider")
        .order_by("name")
    )
    capacity = dict(
        MeasureCapacity.objects.filter(year=year)
        .values("measure")
        .annotate(total=Sum("places"))
        .order_by()
        .values_list("measure", "total")
    )
    budgets = {
        (budget.measure_id, budget.sector): budget
        for budget in SectorBudget.objects.filter(year=budget_year).select_related("updated_by")
    }
    loans_out: dict[tuple[int, str], int] = defaultdict(int)
    loans_in: dict[tuple[int, str], int] = defaultdict(int)
    for measure_id, lender, borrower, places in (
        PlaceLoan.objects.filter(year=budget_year, status=PlaceLoan.Status.AGREED)
        .values("measure", "from_sector", "to_sector")
        .annotate(total=Sum("places"))
        .order_by()
        .values_list("measure", "from_sector", "to_sector", "total")
    ):
        loans_out[(measure_id, lender)] += places
        loans_in[(measure_id, borrower)] += places
    rows = [
        BudgetRow(
            measure=measure,
            capacity=capacity.get(measure.pk, 0) or 0,
            cells=[
                BudgetCell(
                    sector=sector,
                    budget=budgets.get((measure.pk, sector)),
                    loans_in=loans_in[(measure.pk, sector)],
                    loans_out=loans_out[(measure.pk, sector)],
                    editable=sector in own,
                )
                for sector in SECTORS
            ],
        )
        for measure in measures
    ]
    totals: dict[str, dict[str, object]] = {
        sector: {
            "places": sum(row.cells[index].places for row in rows),
            "amount": sum((row.cells[index].amount for row in rows), Decimal("0.00")),
        }
        for index, sector in enumerate(SECTORS)
    }
    return BudgetTable(
        year=budget_year,
        sectors=[(sector, str(Sector(sector).label)) for sector in SECTORS],
        rows=rows,
        editable_sectors=own,
        totals=totals,
    )


def budget_get_for_edit(*, user: User | None, year: int, measure_code: str, sector: str) -> tuple[BudgetYear, Measure]:
    """The year and measure of a budget line the user may edit (their own sector), or 404.

    The service checks again (the year must be open, the version current); this only decides which line
    the page may show a form for: another sector's line answers like a missing one.
    """
    budget_year = budget_year_get(user=user, year=year)
    if sector not in delegate_sectors(user):
        raise Http404
    measure = Measure.objects.filter(code=measure_code).first()
    if measure is None:
        raise Http404
    return budget_year, measure


def budget_list(*, user: User | None, year: int | None = None) -> QuerySet[SectorBudget]:
    """The budget lines (of `year` if given), newest year first (for the API)."""
    measures_reader_or_404(user)
    rows = SectorBudget.objects.select_related("year", "measure", "updated_by")
    if year is not None:
        rows = rows.filter(year__year=year)
    return rows.order_by("-year__year", "measure__name", "sector")


def budget_get_for_reading(*, user: User | None, budget_id: int) -> SectorBudget:
    """One budget line, or 404; `can_edit` when it is of the viewer's sector and its year is open."""
    budget = budget_list(user=user).filter(pk=budget_id).first()
    if budget is None:
        raise Http404
    budget.can_edit = not budget.year.is_closed and budget.sector in delegate_sectors(user)  # type: ignore[attr-defined]
    return budget


@dataclass(frozen=True)
class SectorYearPlaces:
    """Places bought per sector in one year, as in the documents' columns Total / LACI / MIP / SAS / SMIG."""

    year: int
    places: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.places.values())

    def of(self, sector: str) -> int:
        return self.places.get(sector, 0)

    @property
    def in_order(self) -> list[int]:
        """The places of each sector in the order of `SECTORS` (the table's columns)."""
        return [self.of(sector) for sector in SECTORS]


def budget_places_by_sector(*, user: User | None) -> list[SectorYearPlaces]:
    """Budgeted places per sector, one line per budget year with budgets, oldest first (one query)."""
    measures_reader_or_404(user)
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SECTORS, 0))
    for year, sector, places in (
        SectorBudget.objects.values("year__year", "sector")
        .annotate(total=Sum("places"))
        .order_by()
        .values_list("year__year", "sector", "total")
    ):
        by_year[year][sector] = places or 0
    return [SectorYearPlaces(year=year, places=places) for year, places in sorted(by_year.items())]


# -- Loans -------------------------------------------------------------------------------


def loan_answering_sectors(loan: PlaceLoan) -> frozenset[str]:
    """The sector whose delegate answers `loan`: the side that did not propose it.

    Stored at the proposal (`proposer_sector`), so that it does not move if the proposer's account
    changes service. A loan between two sectors of one service (LACI → MIP) is answered by that
    service's delegate, who speaks for both.
    """
    other = loan.to_sector if loan.proposer_sector == loan.from_sector else loan.from_sector
    return frozenset({other})


def loan_proposing_sectors(loan: PlaceLoan) -> frozenset[str]:
    """The sector whose delegate may withdraw `loan` while it waits: the proposer's side."""
    return frozenset({loan.proposer_sector})


def _mark_loans(*, user: User | None, loans: list[PlaceLoan]) -> list[PlaceLoan]:
    own = delegate_sectors(user)
    for loan in loans:
        pending = loan.status == PlaceLoan.Status.PROPOSED and not loan.year.is_closed
        answering = loan_answering_sectors(loan)
        loan.can_answer = pending and bool(own & answering)  # type: ignore[attr-defined]
        loan.can_cancel = pending and bool(own & loan_proposing_sectors(loan))  # type: ignore[attr-defined]
    return loans


def _loans() -> QuerySet[PlaceLoan]:
    return PlaceLoan.objects.select_related("year", "measure", "proposed_by", "answered_by")


def loan_list(*, user: User | None, year: int | None = None) -> list[PlaceLoan]:
    """The loans (of `year` if given), newest first, each with `can_answer` and `can_cancel` (one query)."""
    measures_reader_or_404(user)
    loans = _loans()
    if year is not None:
        loans = loans.filter(year__year=year)
    return _mark_loans(user=user, loans=list(loans.order_by("-id")))


def loan_get_for_reading(*, user: User | None, loan_id: int) -> PlaceLoan:
    """One loan with its flags, or 404."""
    measures_reader_or_404(user)
    loan = _loans().filter(pk=loan_id).first()
    if loan is None:
        raise Http404
    return _mark_loans(user=user, loans=[loan])[0]


def loan_get_for_answer(*, user: User | None, loan_id: int) -> PlaceLoan:
    """A loan the user may answer now (delegate of the other sector, still proposed), or 404."""
    loan = loan_get_for_reading(user=user, loan_id=loan_id)
    if not loan.can_answer:  # type: ignore[attr-defined]
        raise Http404
    return loan


def loan_sector_choices(*, user: User | None) -> list[tuple[str, str]]:
    """Every sector, for the loan form (a delegate may propose to lend or to borrow)."""
    return [(sector, str(Sector(sector).label)) for sector in SECTORS] if is_coordination_member(user) else []
