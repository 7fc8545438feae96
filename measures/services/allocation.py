"""Allocation rounds: opening, the optimal proposal (or a simulation), adjustments, confirmation; released places.

Only members of the coordination group run rounds (`PermissionDenied` otherwise).

What a round distributes, for its period (which lies in one budget year Y):

* places of a measure per kind: the capacity of Y minus the placements (planned or active)
  that overlap the period;
* a sector's places in a measure: its budget line of Y, plus the places lent to it and minus
  the places it lent (agreed loans of Y overlapping the period), minus its placements that
  overlap the period;
* a sector's CHF in a measure: the amount of its budget line minus the cost already committed
  by its placements in Y.

Costs are counted in whole calendar months (a started month counts): a request costs the
measure's price per place-month times the months from max(desired start, period start) to
the period end; a placement commits its price per month times its months within Y, from its
start to its actual (or planned) end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures import solver
from measures.models import (
    AllocationLine,
    AllocationRound,
    BudgetYear,
    Measure,
    MeasureCapacity,
    PlaceLoan,
    Placement,
    PlacePreference,
    PlaceRequest,
    RequestPriority,
    SectorBudget,
    UnservedReason,
)
from measures.roles import is_coordination_member

OCCUPYING = (Placement.Status.PLANNED, Placement.Status.ACTIVE)


class StaleRound(StaleVersion):
    """The round changed since it was read (another member proposed, adjusted or confirmed it)."""

    def __init__(self, round_: AllocationRound) -> None:
        super().__init__(
            _(
                "Ce tour d'attribution a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Rien n'a été enregistré : rechargez la page pour voir la version actuelle."
            )
        )
        self.round = round_


# --- months and costs ---------------------------------------------------------------------------------


def months_between(start: dt.date, end: dt.date) -> int:
    """Calendar months from `start` to `end` inclusive (a started month counts); 0 if `end` < `start`."""
    if end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def request_cost(*, price: Decimal, desired_start: dt.date, period_start: dt.date, period_end: dt.date) -> Decimal:
    """What a request placed for the period costs: price per month x months from max(desired, period start)."""
    return price * months_between(max(desired_start, period_start), period_end)


def placement_cost_in_year(placement: Placement, year: int) -> Decimal:
    """What a placement commits in budget year `year` (its months within the year, start to actual/planned end)."""
    end = placement.ended_on or placement.planned_end_on
    start = max(placement.starts_on, dt.date(year, 1, 1))
    return placement.price_per_month * months_between(start, min(end, dt.date(year, 12, 31)))


def _centimes(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))


# --- what remains --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remaining:
    """What is left in a period: per (measure, kind) places; per (measure, sector) places and CHF."""

    year: int
    capacity: dict[tuple[int, str], int]
    places: dict[tuple[int, str], int]
    amount: dict[tuple[int, str], Decimal]


def _occupying(period_start: dt.date, period_end: dt.date) -> QuerySet[Placement]:
    return Placement.objects.filter(
        status__in=OCCUPYING, starts_on__lte=period_end, planned_end_on__gte=period_start
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period_start))


def remaining_for_period(
    *,
    period_start: dt.date,
    period_end: dt.date,
    measure_ids: Iterable[int] | None = None,
    budget_factors: Mapping[str, Decimal] | None = None,
) -> Remaining:
    """What is left to distribute in the period (module docstring), optionally for some measures only.

    `budget_factors` (sector → factor, e.g. Decimal("1.10")) scales a sector's budget lines
    (places rounded down, CHF) before what is used is subtracted: a simulation's "what if".
    """
    year = period_start.year
    factors = budget_factors or {}
    ids = None if measure_ids is None else list(measure_ids)
    capacities = MeasureCapacity.objects.filter(year=year)
    budgets = SectorBudget.objects.filter(year__year=year)
    loans = PlaceLoan.objects.filter(
        year__year=year, status=PlaceLoan.Status.AGREED, starts_on__lte=period_end, ends_on__gte=period_start
    )
    occupying = _occupying(period_start, period_end)
    committed = Placement.objects.filter(
        status__in=(*OCCUPYING, Placement.Status.ENDED),
        starts_on__lte=dt.date(year, 12, 31),
        planned_end_on__gte=dt.date(year, 1, 1),
    )
    if ids is not None:
        capacities = capacities.filter(measure_id__in=ids)
        budgets = budgets.filter(measure_id__in=ids)
        loans = loans.filter(measure_id__in=ids)
        occupying = occupying.filter(measure_id__in=ids)
        committed = committed.filter(measure_id__in=ids)
    capacity: dict[tuple[int, str], int] = {}
    for measure_id, kind, count in capacities.filter(places__gt=0).values_list("measure_id", "place_kind", "places"):
        capacity[(measure_id, kind)] = count
    places: dict[tuple[int, str], int] = {}
    amount: dict[tuple[int, str], Decimal] = {}
    for measure_id, sector, count, chf in budgets.values_list("measure_id", "sector", "places", "amount"):
        factor = Decimal(factors.get(sector, Decimal(1)))
        places[(measure_id, sector)] = int((Decimal(count) * factor).to_integral_value(rounding=ROUND_FLOOR))
        amount[(measure_id, sector)] = chf * factor
    for measure_id, from_sector, to_sector, count in loans.values_list(
        "measure_id", "from_sector", "to_sector", "places"
    ):
        if (measure_id, to_sector) in places:
            places[(measure_id, to_sector)] += count
        if (measure_id, from_sector) in places:
            places[(measure_id, from_sector)] -= count
    for measure_id, sector, kind in occupying.values_list("measure_id", "sector", "place_kind"):
        if (measure_id, kind) in capacity:
            capacity[(measure_id, kind)] -= 1
        if (measure_id, sector) in places:
            places[(measure_id, sector)] -= 1
    for placement in committed.only(
        "measure_id", "sector", "starts_on", "planned_end_on", "ended_on", "price_per_month"
    ):
        key = (placement.measure_id, placement.sector)
        if key in amount:
            amount[key] -= placement_cost_in_year(placement, year)
    # A loan moves places only; a line used up (0 or less) stays a line: its preferences are blocked, not unfit.
    return Remaining(
        year=year,
        capacity=capacity,
        places={key: max(count, 0) for key, count in places.items()},
        amount={key: max(chf, Decimal(0)) for key, chf in amount.items()},
    )


def measure_active_for(measure: Measure, period_start: dt.date, period_end: dt.date) -> bool:
    """A measure takes requests for a period only if it is active during the whole period."""
    return measure.active_from <= period_start and (measure.active_until is None or measure.active_until >= period_end)


# --- the proposal ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedLine:
    request_id: int
    measure_id: int | None
    rank: int | None
    reason: str
    waiting_position: int | None


@dataclass(frozen=True)
class RoundResult:
    """A proposal (or a simulation): one line per request, the solver's figures."""

    lines: list[ProposedLine]
    report: dict[str, object]

    @property
    def served(self) -> int:
        return sum(1 for line in self.lines if line.measure_id is not None)


def _person_id(place_request: PlaceRequest) -> str:
    """The person behind a request, for the audit trail ("" for a request under a pseudonymous reference)."""
    return str(place_request.case.person_id) if place_request.case is not None else ""


def _require_member(user: User) -> None:
    if not is_coordination_member(user):
        raise PermissionDenied(_("Seuls les membres du groupe de coordination conduisent les tours d'attribution."))


@dataclass(frozen=True)
class Candidate:
    """A waiting request as a round reads it (plain values: thousands are read at once)."""

    pk: int
    sector: str
    place_kind: str
    priority: str
    desired_start: dt.date
    seniority: int
    """Rank by age among the round's candidates (creation, then id), 0 for the oldest."""
    preferences: tuple[int, ...]
    """Measure ids, first choice first."""


def _waiting_order_key(request: PlaceRequest) -> tuple[int, dt.datetime, int]:
    """The waiting-list order: urgent first, then the oldest request."""
    return (0 if request.priority == RequestPriority.URGENT else 1, request.created_at, request.pk)


def _candidate_waiting_key(candidate: Candidate) -> tuple[int, int]:
    """`_waiting_order_key` for candidates: their seniority is their rank by (creation, id)."""
    return (0 if candidate.priority == RequestPriority.URGENT else 1, candidate.seniority)


def _candidate_requests(round_: AllocationRound) -> list[Candidate]:
    """The round's candidates, oldest first: waiting requests wishing to start by the end of the period."""
    waiting = PlaceRequest.objects.filter(status=PlaceRequest.Status.WAITING, desired_start__lte=round_.period_end)
    preferences: dict[int, list[int]] = defaultdict(list)
    for request_id, measure_id in (
        PlacePreference.objects.filter(request__in=waiting)
        .order_by("request_id", "rank")
        .values_list("request_id", "measure_id")
    ):
        preferences[request_id].append(measure_id)
    # Ordered by age in the database: the creation times themselves are not read (parsing thousands of
    # timestamps with their time zone costs more than the rest of the query).
    rows = waiting.order_by("created_at", "pk").values_list("pk", "sector", "place_kind", "priority", "desired_start")
    return [
        Candidate(pk, sector, kind, priority, desired_start, seniority, tuple(preferences.get(pk, ())))
        for seniority, (pk, sector, kind, priority, desired_start) in enumerate(rows)
    ]


def build_instance(
    *,
    requests: list[Candidate],
    period_start: dt.date,
    period_end: dt.date,
    remaining: Remaining,
    measures: Mapping[int, Measure],
) -> solver.Instance:
    """The solver's view of the requests (given oldest first) and of what remains."""
    solver_requests = []
    cost: dict[tuple[int, int], int] = {}
    months_from: dict[dt.date, int] = {}  # desired start → months in the period
    month_cost: dict[tuple[int, int], int | None] = {}  # (measure, months) → centimes (None: unknown measure)
    urgent = RequestPriority.URGENT
    for request in requests:
        pk, preferences = request.pk, request.preferences
        solver_requests.append(
            solver.Request(
                pk, request.sector, request.place_kind, request.priority == urgent, request.seniority, preferences
            )
        )
        months = months_from.get(request.desired_start)
        if months is None:
            months = months_from[request.desired_start] = months_between(
                max(request.desired_start, period_start), period_end
            )
        for measure_id in preferences:
            key = (measure_id, months)
            if key in month_cost:
                centimes = month_cost[key]
            else:
                measure = measures.get(measure_id)
                centimes = month_cost[key] = (
                    None if measure is None else _centimes(measure.price_per_place_month * months)
                )
            if centimes is not None:
                cost[(pk, measure_id)] = centimes
    active = frozenset(pk for pk, measure in measures.items() if measure_active_for(measure, period_start, period_end))
    return solver.Instance(
        requests=tuple(solver_requests),
        active_measures=active,
        capacity=remaining.capacity,
        budget_places=remaining.places,
        budget_amount={key: _centimes(chf) for key, chf in remaining.amount.items()},
        cost=cost,
    )


def _measures_of(requests: Iterable[Candidate]) -> dict[int, Measure]:
    ids = {measure_id for request in requests for measure_id in request.preferences}
    return {m.pk: m for m in Measure.objects.filter(pk__in=ids)}


def _compute(round_: AllocationRound, budget_factors: Mapping[str, Decimal] | None) -> RoundResult:
    requests = _candidate_requests(round_)
    measures = _measures_of(requests)
    remaining = remaining_for_period(
        period_start=round_.period_start,
        period_end=round_.period_end,
        measure_ids=measures.keys(),
        budget_factors=budget_factors,
    )
    instance = build_instance(
        requests=requests,
        period_start=round_.period_start,
        period_end=round_.period_end,
        remaining=remaining,
        measures=measures,
    )
    solution = solver.solve(instance)
    assignment, reasons = solution.assignment, solution.unserved
    unserved = sorted((r for r in requests if r.pk not in assignment), key=_candidate_waiting_key)
    position = {request.pk: index for index, request in enumerate(unserved, start=1)}
    lines = []
    for request in requests:
        measure_id = assignment.get(request.pk)
        if measure_id is None:
            lines.append(ProposedLine(request.pk, None, None, reasons.get(request.pk, ""), position[request.pk]))
        else:
            lines.append(ProposedLine(request.pk, measure_id, request.preferences.index(measure_id) + 1, "", None))
    report: dict[str, object] = {
        "requests": len(requests),
        "served": solution.score.served,
        "urgent_served": solution.score.urgent_served,
        "rank_gain": solution.score.rank_gain,
        "objective": solution.objective,
        "bound": solution.dual_bound,
        "method": solution.method,
        "seconds": round(solution.solve_seconds, 4),
        "variables": solution.variables,
        "constraints": solution.constraints,
        "exchanges": solution.exchanges,
        "budget_factors": {sector: str(factor) for sector, factor in (budget_factors or {}).items()},
    }
    return RoundResult(lines=lines, report=report)


def _lock_round(round_: AllocationRound, expected_version: int | None) -> AllocationRound:
    current = AllocationRound.objects.select_for_update().get(pk=round_.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleRound(current)
    return current


@transaction.atomic
def round_open(
    *, period_start: dt.date, period_end: dt.date, opened_by: User, request: HttpRequest | None = None
) -> AllocationRound:
    """Open a round for a period within one open budget year."""
    _require_member(opened_by)
    if period_end < period_start:
        raise ValidationError({"period_end": _("La fin de la période doit suivre son début.")})
    if period_start.year != period_end.year:
        raise ValidationError(_("La période d'un tour doit tenir dans une seule année budgétaire."))
    budget_year = BudgetYear.objects.filter(year=period_start.year).first()
    if budget_year is not None and budget_year.is_closed:
        raise ValidationError(
            _("L'année budgétaire %(year)s est clôturée : on n'y attribue plus de places.") % {"year": budget_year.year}
        )
    round_ = AllocationRound(period_start=period_start, period_end=period_end, opened_by=opened_by)
    round_.full_clean()
    round_.save()
    audit_record(action=AuditAction.CREATE, actor=opened_by, obj=round_, request=request)
    return round_


def round_propose(
    *,
    round: AllocationRound,
    by: User,
    budget_factors: Mapping[str, Decimal] | None = None,
    simulate: bool = False,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> RoundResult:
    """Compute the optimal allocation of the round's waiting requests.

    A simulation (`simulate=True`, optionally with `budget_factors`) returns the result and
    writes nothing but its audit event. A proposal replaces the round's lines (served with
    measure and rank; unserved with their reason and waiting position, urgent first then
    oldest) and sets the round to "proposition calculée"; it cannot use budget factors.
    """
    _require_member(by)
    if round.status not in (AllocationRound.Status.OPEN, AllocationRound.Status.PROPOSED):
        raise ValidationError(_("Ce tour est déjà confirmé ou annulé."))
    for sector, factor in (budget_factors or {}).items():
        if Decimal(factor) < 0:
            raise ValidationError(_("Le facteur du budget %(sector)s ne peut pas être négatif.") % {"sector": sector})
    if simulate:
        result = _compute(round, budget_factors)
        audit_record(
            action=AuditAction.READ,
            actor=by,
            obj=round,
            request=request,
            detail={"simulation": True, **{k: v for k, v in result.report.items() if k != "bound"}},
        )
        return result
    if budget_factors:
        raise ValidationError(_("Les facteurs de budget ne servent qu'aux simulations."))
    return _propose(round_=round, by=by, expected_version=expected_version, request=request)


@transaction.atomic
def _propose(
    *, round_: AllocationRound, by: User, expected_version: int | None, request: HttpRequest | None
) -> RoundResult:
    current = _lock_round(round_, expected_version)
    if current.status not in (AllocationRound.Status.OPEN, AllocationRound.Status.PROPOSED):
        raise ValidationError(_("Ce tour est déjà confirmé ou annulé."))
    result = _compute(current, None)
    current.lines.all().delete()
    rows = [
        AllocationLine(
            round_id=current.pk,
            request_id=line.request_id,
            measure_id=line.measure_id,
            rank=line.rank,
            unserved_reason=line.reason,
            waiting_position=line.waiting_position,
        )
        for line in result.lines
    ]
    # Built from the solver's checked output (no full_clean per row: thousands of lines); the table's
    # constraints (served or explained, once per request) still guard them. Ids rather than objects, and
    # few large batches (Django caps them at what the database accepts): the writing is most of a proposal.
    AllocationLine.objects.bulk_create(rows, batch_size=5000)
    current.status = AllocationRound.Status.PROPOSED
    current.proposed_at = timezone.now()
    current.solver_report = result.report
    current.version += 1
    current.full_clean()
    current.save(update_fields=["status", "proposed_at", "solver_report", "version"])
    audit_record(action=AuditAction.CHANGE, actor=by, obj=current, request=request, detail={"proposal": result.report})
    round_.version, round_.status = current.version, current.status
    return result


# --- adjusting and confirming ---------------------------------------------------------------------------


def _served_lines(round_: AllocationRound) -> list[AllocationLine]:
    return list(round_.lines.filter(measure__isnull=False).select_related("request", "measure"))


def _check_fits(
    *, round_: AllocationRound, lines: list[AllocationLine], remaining: Remaining, measures: Mapping[int, Measure]
) -> None:
    """Raise a French ValidationError naming the first capacity or budget the served lines exceed."""
    used_cap: dict[tuple[int, str], int] = defaultdict(int)
    used_places: dict[tuple[int, str], int] = defaultdict(int)
    used_amount: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        assert line.measure_id is not None  # noqa: S101  (served lines only)
        req = line.request
        used_cap[(line.measure_id, req.place_kind)] += 1
        used_places[(line.measure_id, req.sector)] += 1
        used_amount[(line.measure_id, req.sector)] += request_cost(
            price=measures[line.measure_id].price_per_place_month,
            desired_start=req.desired_start,
            period_start=round_.period_start,
            period_end=round_.period_end,
        )
    for (measure_id, kind), used in sorted(used_cap.items()):
        if used > remaining.capacity.get((measure_id, kind), 0):
            raise ValidationError(
                _("« %(measure)s » n'a plus assez de places de ce type (%(free)s libres, %(used)s attribuées).")
                % {"measure": measures[measure_id], "free": remaining.capacity.get((measure_id, kind), 0), "used": used}
            )
    for (measure_id, sector), used in sorted(used_places.items()):
        if used > remaining.places.get((measure_id, sector), 0):
            raise ValidationError(
                _("Le budget du secteur %(sector)s pour « %(measure)s » n'a plus assez de places.")
                % {"sector": sector.upper(), "measure": measures[measure_id]}
            )
    for (measure_id, sector), chf in sorted(used_amount.items()):
        if chf > remaining.amount.get((measure_id, sector), Decimal(0)):
            raise ValidationError(
                _("Le budget du secteur %(sector)s pour « %(measure)s » n'a plus assez de francs.")
                % {"sector": sector.upper(), "measure": measures[measure_id]}
            )


def _renumber_waiting(round_: AllocationRound) -> None:
    unserved = list(round_.lines.filter(measure__isnull=True).select_related("request"))
    unserved.sort(key=lambda line: _waiting_order_key(line.request))
    for position, line in enumerate(unserved, start=1):
        line.waiting_position = position
    AllocationLine.objects.bulk_update(unserved, ["waiting_position"])


@transaction.atomic
def round_adjust_line(
    *,
    line: AllocationLine,
    by: User,
    measure: Measure | None,
    expected_version: int,
    request: HttpRequest | None = None,
) -> AllocationLine:
    """Move a request to another of its preferences (`measure`), or leave it unserved (`measure=None`).

    The move is checked against the capacity and the budgets as they stand with the round's
    other served lines; a request set aside by a member gets the reason "écartée par le
    groupe de coordination" with the member recorded in `adjusted_by`, and joins the waiting list.
    """
    _require_member(by)
    current_round = _lock_round(line.round, expected_version)
    if current_round.status != AllocationRound.Status.PROPOSED:
        raise ValidationError(_("Seule une proposition calculée peut être ajustée."))
    current = AllocationLine.objects.select_related("request__case").get(pk=line.pk, round=current_round)
    place_request = current.request
    preferences = {p.measure_id: p.rank for p in place_request.preferences.all()}
    if measure is not None and measure.pk not in preferences:
        raise ValidationError(_("Cette mesure ne fait pas partie des préférences de la demande."))
    before = current.measure_id
    if measure is None:
        current.measure, current.rank = None, None
        current.unserved_reason = UnservedReason.SET_ASIDE
    else:
        current.measure, current.rank, current.unserved_reason = measure, preferences[measure.pk], ""
        current.waiting_position = None
        served = [line_ for line_ in _served_lines(current_round) if line_.pk != current.pk] + [current]
        measure_ids = {line_.measure_id for line_ in served if line_.measure_id is not None}
        measures = {m.pk: m for m in Measure.objects.filter(pk__in=measure_ids)}
        if not measure_active_for(measure, current_round.period_start, current_round.period_end):
            raise ValidationError(_("Cette mesure n'est pas active pendant la période du tour."))
        remaining = remaining_for_period(
            period_start=current_round.period_start, period_end=current_round.period_end, measure_ids=measure_ids
        )
        _check_fits(round_=current_round, lines=served, remaining=remaining, measures=measures)
    current.adjusted_by = by
    current.full_clean(exclude=["round", "request", "measure", "adjusted_by"])
    current.save(update_fields=["measure", "rank", "unserved_reason", "waiting_position", "adjusted_by"])
    _renumber_waiting(current_round)
    current_round.version += 1
    current_round.save(update_fields=["version"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=by,
        obj=place_request,
        person_id=_person_id(place_request),
        request=request,
        detail={"round": current_round.pk, "measure": [before, current.measure_id]},
    )
    current.refresh_from_db()
    return current


def capacity_lock(*, year: int, measure_ids: Iterable[int], sectors: Iterable[str] | None = None) -> None:
    """Lock the capacity rows and budget lines of these measures in year `year`, always in the same order.

    Every write that takes places (confirming a round, proposing a released place) locks
    through here first, so that two of them serialise instead of overbooking, and cannot
    deadlock (measures, then capacities, then budgets, each by id).
    """
    ids = sorted(set(measure_ids))
    # The measure rows first: `placements.placement_start` locks them too, so both paths serialise.
    list(Measure.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    list(MeasureCapacity.objects.select_for_update().filter(year=year, measure_id__in=ids).order_by("pk"))
    budgets = SectorBudget.objects.select_for_update().filter(year__year=year, measure_id__in=ids)
    if sectors is not None:
        budgets = budgets.filter(sector__in=list(sectors))
    list(budgets.order_by("pk"))


@transaction.atomic
def round_confirm(
    *, round: AllocationRound, by: User, expected_version: int, request: HttpRequest | None = None
) -> list[Placement]:
    """Confirm the proposal: one planned placement per served line, its request placed; the rest keeps waiting.

    Locks the round, then the capacity and budget rows of the measures concerned (fixed
    order, `capacity_lock`), then the requests, and checks every constraint again against
    the placements as they are now: if anything no longer fits (another round confirmed
    meanwhile, a request was withdrawn), a French error and nothing written.
    """
    _require_member(by)
    current = _lock_round(round, expected_version)
    if current.status != AllocationRound.Status.PROPOSED:
        raise ValidationError(_("Seule une proposition calculée peut être confirmée."))
    served = _served_lines(current)
    measure_ids = {line.measure_id for line in served if line.measure_id is not None}
    capacity_lock(year=current.period_start.year, measure_ids=measure_ids)
    requests = {
        r.pk: r
        for r in PlaceRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk__in=[line.request_id for line in served])
        .order_by("pk")
    }
    for line in served:
        if requests[line.request_id].status != PlaceRequest.Status.WAITING:
            raise ValidationError(
                _("La demande %(reference)s n'est plus en attente : recalculez la proposition.")
                % {"reference": requests[line.request_id].reference}
            )
        line.request = requests[line.request_id]
    measures = {m.pk: m for m in Measure.objects.filter(pk__in=measure_ids)}
    remaining = remaining_for_period(
        period_start=current.period_start, period_end=current.period_end, measure_ids=measure_ids
    )
    _check_fits(round_=current, lines=served, remaining=remaining, measures=measures)
    placements = []
    for line in served:
        assert line.measure_id is not None  # noqa: S101
        place_request = line.request
        placement = Placement(
            request=place_request,
            round=current,
            measure=measures[line.measure_id],
            sector=place_request.sector,
            place_kind=place_request.place_kind,
            starts_on=max(place_request.desired_start, current.period_start),
            planned_end_on=current.period_end,
            status=Placement.Status.PLANNED,
            price_per_month=measures[line.measure_id].price_per_place_month,
            created_by=by,
        )
        placement.full_clean()
        placement.save()
        placements.append(placement)
        place_request.status = PlaceRequest.Status.PLACED
        place_request.version += 1
        place_request.save(update_fields=["status", "version"])
        audit_record(
            action=AuditAction.CREATE,
            actor=by,
            obj=placement,
            person_id=_person_id(place_request),
            request=request,
            detail={"round": current.pk, "request": place_request.reference},
        )
    current.status = AllocationRound.Status.CONFIRMED
    current.confirmed_by = by
    current.confirmed_at = timezone.now()
    current.version += 1
    current.full_clean()
    current.save(update_fields=["status", "confirmed_by", "confirmed_at", "version"])
    audit_record(
        action=AuditAction.CHANGE, actor=by, obj=current, request=request, detail={"confirmed": len(placements)}
    )
    round.version, round.status = current.version, current.status
    return placements


# --- released places -------------------------------------------------------------------------------------


def waiting_list() -> QuerySet[PlaceRequest]:
    """The waiting requests in waiting-list order: urgent first, then the oldest."""
    return (
        PlaceRequest.objects.filter(status=PlaceRequest.Status.WAITING)
        .annotate(
            urgency=Case(
                When(priority=RequestPriority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("urgency", "created_at", "pk")
    )


@transaction.atomic
def place_released_propose(
    *, measure: Measure, place_kind: str, on: dt.date, by: User | None, request: HttpRequest | None = None
) -> PlaceRequest | None:
    """When a place of `place_kind` in `measure` is released on `on`: propose it to the first fitting request.

    The first waiting request in waiting-list order whose preferences include the measure,
    of that kind of place, wishing to start by the end of the year, whose sector still has a
    place and the CHF for the rest of the year (from max(on, desired start) to 31 December)
    in its budget line for the measure. That request becomes "proposition en cours" (audited);
    None if nobody fits. The caller decides who may release a place.
    """
    year_end = dt.date(on.year, 12, 31)
    capacity_lock(year=on.year, measure_ids=[measure.pk])
    if not measure.is_active_on(on):
        return None
    remaining = remaining_for_period(period_start=on, period_end=year_end, measure_ids=[measure.pk])
    candidates = (
        waiting_list()
        .filter(place_kind=place_kind, preferences__measure=measure, desired_start__lte=year_end)
        .select_related("case")
    )
    for candidate in candidates.iterator(chunk_size=200):
        key = (measure.pk, candidate.sector)
        if remaining.places.get(key, 0) < 1:
            continue
        cost = request_cost(
            price=measure.price_per_place_month,
            desired_start=candidate.desired_start,
            period_start=on,
            period_end=year_end,
        )
        if cost > remaining.amount.get(key, Decimal(0)):
            continue
        locked = PlaceRequest.objects.select_for_update().get(pk=candidate.pk)
        if locked.status != PlaceRequest.Status.WAITING:
            continue
        locked.status = PlaceRequest.Status.PROPOSED
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=by,
            obj=locked,
            person_id=_person_id(candidate),
            request=request,
            detail={"released_place": {"measure": measure.pk, "kind": place_kind, "on": on.isoformat()}},
        )
        return locked
    return None
