"""Reading allocation rounds: the list, one round with its lines, the places it uses, the solver's figures.

Rounds are for the members of the coordination group only (`is_coordination_member`); anyone else,
caseworkers included, gets the 404 of a missing page, and a round they name is audited as refused.

What a round shows of the person behind each request: the request's reference and pseudonym, and
the case reference and the person's name only when the viewer's service is the requesting service
(`request.service`) *and* that service may view the case through the access gate right now (read by
`place_requests_mark_identity` in one query). Other services' persons stay pseudonymous even for a
member whose service could see the case on another ground: the round is shared by every sector.

Every read costs a fixed number of queries whatever the number of lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from measures.models import (
    AllocationLine,
    AllocationRound,
    Measure,
    Placement,
    PlacePreference,
    PlaceRequest,
    Sector,
    UnservedReason,
)
from measures.roles import is_coordination_member
from measures.selectors.requests import place_requests_mark_identity
from measures.services.allocation import (
    OCCUPYING,
    RoundResult,
    placement_cost_in_year,
    remaining_for_period,
    request_cost,
)


def rounds_member_or_404(user: User | None) -> None:
    """Raise the 404 of a missing page unless `user` sits in the coordination group."""
    if not is_coordination_member(user):
        raise Http404


def rounds_visible(*, user: User | None) -> QuerySet[AllocationRound]:
    """The rounds `user` may see, newest first: all of them for members, none for anyone else."""
    if not is_coordination_member(user):
        return AllocationRound.objects.none()
    return AllocationRound.objects.select_related("opened_by", "confirmed_by").order_by("-id")


def round_list(*, user: User | None) -> list[AllocationRound]:
    """Every round, newest first (a few a year), each with `served_count` and `unserved_count`; 404 for non-members.

    One query: the counts are aggregated on the rounds' rows.
    """
    rounds_member_or_404(user)
    return list(
        rounds_visible(user=user).annotate(
            served_count=Count("lines", filter=Q(lines__measure__isnull=False)),
            unserved_count=Count("lines", filter=Q(lines__measure__isnull=True)),
        )
    )


def round_get(*, user: User | None, round_id: int, request: HttpRequest | None = None) -> AllocationRound:
    """The round `round_id` if `user` may see it; Http404 otherwise (a refused existing round is audited)."""
    try:
        return rounds_visible(user=user).get(pk=round_id)
    except ObjectDoesNotExist:
        hidden = AllocationRound.objects.filter(pk=round_id).first()
        if hidden is not None:
            audit_record(action=AuditAction.ACCESS_DENIED, actor=user, obj=hidden, request=request)
        raise Http404 from None


def round_line_get(
    *, user: User | None, round_id: int, line_id: int, request: HttpRequest | None = None
) -> AllocationLine:
    """One line of a round the user may see, with its request's preferences (measures); Http404 otherwise."""
    round_ = round_get(user=user, round_id=round_id, request=request)
    try:
        return (
            AllocationLine.objects.select_related("round", "request", "measure")
            .prefetch_related(_preferences_prefetch("request__preferences"))
            .get(pk=line_id, round=round_)
        )
    except ObjectDoesNotExist:
        raise Http404 from None


def _preferences_prefetch(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=PlacePreference.objects.select_related("measure").order_by("rank"))


def mark_requesting_service_identity(*, user: User | None, requests: Sequence[PlaceRequest]) -> None:
    """Set `shows_person`, `person_name`, `case_reference` on each request (module docstring), one query at most.

    Only the requests of `user`'s own service are looked up; the others get the pseudonym alone.
    """
    service_id = user.service_id if user is not None else None
    own = [row for row in requests if service_id is not None and row.service_id == service_id]
    place_requests_mark_identity(user=user, rows=own)
    for row in requests:
        if service_id is None or row.service_id != service_id:
            row.shows_person = False  # type: ignore[attr-defined]
            row.person_name = ""  # type: ignore[attr-defined]
            row.case_reference = ""  # type: ignore[attr-defined]
            row.visible_person_id = None  # type: ignore[attr-defined]


# -- One round ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    """A line as the page shows it: the line, its request (marked with what the viewer sees of the person)."""

    line: AllocationLine
    request: PlaceRequest
    preferences: list[PlacePreference]

    @property
    def reason_label(self) -> str:
        if not self.line.unserved_reason:
            return ""
        return str(UnservedReason(self.line.unserved_reason).label)

    @property
    def set_aside(self) -> bool:
        return self.line.unserved_reason == UnservedReason.SET_ASIDE


@dataclass(frozen=True)
class MeasureGroup:
    measure: Measure
    lines: list[LineRow]


@dataclass(frozen=True)
class Usage:
    """One sector's places (and CHF) in one measure: what the round's served lines use, what it could give."""

    measure: Measure
    sector: str
    used_places: int
    available_places: int
    used_amount: Decimal
    available_amount: Decimal

    @property
    def sector_label(self) -> str:
        return str(Sector(self.sector).label)

    @property
    def left_places(self) -> int:
        return self.available_places - self.used_places

    @property
    def left_amount(self) -> Decimal:
        return self.available_amount - self.used_amount

    @property
    def exceeded(self) -> bool:
        return self.used_places > self.available_places or self.used_amount > self.available_amount


@dataclass(frozen=True)
class SolverSummary:
    """The solver's report of a proposal, for people: time, counts, method."""

    seconds: float
    requests: int
    served: int
    urgent_served: int
    rank_gain: int
    method: str
    variables: int
    constraints: int

    @property
    def unserved(self) -> int:
        return self.requests - self.served


def solver_summary(report: dict[str, object] | None) -> SolverSummary | None:
    """The figures of a round's (or a simulation's) `solver_report`; None before any proposal."""
    if not report:
        return None

    def number(key: str) -> int:
        value = report.get(key, 0)
        try:
            return int(value) if isinstance(value, int | float | str) else 0
        except ValueError:
            return 0

    seconds = report.get("seconds", 0)
    return SolverSummary(
        seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
        requests=number("requests"),
        served=number("served"),
        urgent_served=number("urgent_served"),
        rank_gain=number("rank_gain"),
        method=str(report.get("method", "")),
        variables=number("variables"),
        constraints=number("constraints"),
    )


@dataclass
class RoundDetail:
    """A round with its lines: served grouped by measure, the waiting list in order, the places used."""

    round: AllocationRound
    served: list[MeasureGroup]
    waiting: list[LineRow]
    """The unserved lines in waiting-list order, each with its reason."""
    usage: list[Usage]
    report: SolverSummary | None
    reasons: dict[str, int] = field(default_factory=dict)
    """How many unserved lines per reason label."""

    @property
    def served_count(self) -> int:
        return sum(len(group.lines) for group in self.served)

    @property
    def lines(self) -> list[LineRow]:
        """Every line: the served ones measure by measure, then the waiting list in order."""
        return [row for group in self.served for row in group.lines] + self.waiting

    @property
    def dashboard_month(self) -> dt.date:
        """The first month of the round's period (the monthly dashboard to open once confirmed)."""
        return self.round.period_start.replace(day=1)

    @property
    def may_propose(self) -> bool:
        return self.round.status in (AllocationRound.Status.OPEN, AllocationRound.Status.PROPOSED)

    @property
    def may_adjust(self) -> bool:
        return self.round.status == AllocationRound.Status.PROPOSED

    @property
    def may_confirm(self) -> bool:
        return self.round.status == AllocationRound.Status.PROPOSED

    @property
    def confirmed(self) -> bool:
        return self.round.status == AllocationRound.Status.CONFIRMED


def _lines(round_: AllocationRound) -> list[AllocationLine]:
    return list(
        AllocationLine.objects.filter(round=round_)
        .select_related("request", "measure")
        .prefetch_related(_preferences_prefetch("request__preferences"))
        .order_by("waiting_position", "id")
    )


def _usage(
    *,
    round_: AllocationRound,
    lines: Sequence[AllocationLine],
    measure_ids: Iterable[int],
    measures: dict[int, Measure],
) -> list[Usage]:
    """Per measure and sector: the places and CHF the served lines use, and what the round had to give.

    "Available" is what remains for the period (`remaining_for_period`) over the measures the requests
    prefer; once the round is confirmed its own placements are given back, so that the figures stay
    those of the round rather than what is left after it.
    """
    ids = sorted(set(measure_ids))
    if not ids:
        return []
    remaining = remaining_for_period(period_start=round_.period_start, period_end=round_.period_end, measure_ids=ids)
    places = dict(remaining.places)
    amount = dict(remaining.amount)
    if round_.status == AllocationRound.Status.CONFIRMED:
        for placement in Placement.objects.filter(round=round_).exclude(status=Placement.Status.CANCELLED):
            key = (placement.measure_id, placement.sector)
            if key not in places:
                continue
            if placement.status in OCCUPYING:
                places[key] += 1
            amount[key] += placement_cost_in_year(placement, remaining.year)
    used_places: dict[tuple[int, str], int] = defaultdict(int)
    used_amount: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.measure_id is None:
            continue
        key = (line.measure_id, line.request.sector)
        used_places[key] += 1
        used_amount[key] += request_cost(
            price=measures[line.measure_id].price_per_place_month,
            desired_start=line.request.desired_start,
            period_start=round_.period_start,
            period_end=round_.period_end,
        )
    keys = set(places) | set(used_places)
    rows = [
        Usage(
            measure=measures[measure_id],
            sector=sector,
            used_places=used_places.get((measure_id, sector), 0),
            available_places=places.get((measure_id, sector), 0),
            used_amount=used_amount.get((measure_id, sector), Decimal("0.00")),
            available_amount=amount.get((measure_id, sector), Decimal("0.00")),
        )
        for measure_id, sector in keys
        if measure_id in measures
    ]
    order = {sector: index for index, sector in enumerate(Sector.values)}
    rows.sort(key=lambda row: (row.measure.name, row.measure.pk, order.get(row.sector, 99)))
    return rows


def round_detail(*, user: User | None, round_id: int, request: HttpRequest | None = None) -> RoundDetail:
    """The round `round_id` with its lines for a member (Http404 otherwise).

    Served lines are grouped by measure (by name), each with the rank obtained; unserved lines form
    the waiting list in order, each with the French label of its reason. When the page names persons
    (those of the viewer's own service), one READ event is audited on the round with their references.
    """
    round_ = round_get(user=user, round_id=round_id, request=request)
    lines = _lines(round_)
    place_requests = [line.request for line in lines]
    mark_requesting_service_identity(user=user, requests=place_requests)
    measures: dict[int, Measure] = {}
    rows: list[LineRow] = []
    for line in lines:
        preferences = list(line.request.preferences.all())
        for preference in preferences:
            measures[preference.measure_id] = preference.measure
        if line.measure is not None:
            measures[line.measure.pk] = line.measure
        rows.append(LineRow(line=line, request=line.request, preferences=preferences))
    groups: dict[int, list[LineRow]] = defaultdict(list)
    waiting: list[LineRow] = []
    reasons: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.line.measure_id is not None:
            groups[row.line.measure_id].append(row)
        else:
            waiting.append(row)
            reasons[row.reason_label] += 1
    served = [
        MeasureGroup(
            measure=measures[measure_id], lines=sorted(group, key=lambda row: (row.line.rank or 0, row.line.pk))
        )
        for measure_id, group in groups.items()
    ]
    served.sort(key=lambda group: (group.measure.name, group.measure.pk))
    waiting.sort(key=lambda row: (row.line.waiting_position or 0, row.line.pk))
    named = [row.request.reference for row in rows if getattr(row.request, "shows_person", False)]
    if named:
        audit_record(action=AuditAction.READ, actor=user, obj=round_, request=request, detail={"named_requests": named})
    return RoundDetail(
        round=round_,
        served=served,
        waiting=waiting,
        usage=_usage(round_=round_, lines=lines, measure_ids=measures.keys(), measures=measures),
        report=solver_summary(round_.solver_report),
        reasons=dict(reasons),
    )


# -- A simulation -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparedLine:
    """One request under the current budgets and under the simulated ones."""

    request: PlaceRequest
    current_measure: Measure | None
    current_rank: int | None
    current_reason: str
    simulated_measure: Measure | None
    simulated_rank: int | None
    simulated_reason: str

    @property
    def changed(self) -> bool:
        return (self.current_measure, self.current_reason) != (self.simulated_measure, self.simulated_reason)


@dataclass(frozen=True)
class SectorComparison:
    sector: str
    current_served: int
    simulated_served: int
    requests: int

    @property
    def sector_label(self) -> str:
        return str(Sector(self.sector).label)


@dataclass
class Simulation:
    """A simulation beside the current budgets: totals, per sector, per request (changed ones first)."""

    current: SolverSummary | None
    simulated: SolverSummary | None
    sectors: list[SectorComparison]
    lines: list[ComparedLine]

    @property
    def changed(self) -> int:
        return sum(1 for line in self.lines if line.changed)


def _reason_label(code: str) -> str:
    return str(UnservedReason(code).label) if code else ""


def simulation_compare(*, user: User | None, current: RoundResult, simulated: RoundResult) -> Simulation:
    """Put a simulation beside the result under the current budgets (both from `round_propose(simulate=True)`).

    Two queries: the requests (with what `user` may see of their persons) and the measures.
    """
    rounds_member_or_404(user)
    request_ids = {line.request_id for line in (*current.lines, *simulated.lines)}
    measure_ids = {line.measure_id for line in (*current.lines, *simulated.lines) if line.measure_id is not None}
    requests = {row.pk: row for row in PlaceRequest.objects.filter(pk__in=request_ids)}
    mark_requesting_service_identity(user=user, requests=list(requests.values()))
    measures = {row.pk: row for row in Measure.objects.filter(pk__in=measure_ids)} if measure_ids else {}
    after = {line.request_id: line for line in simulated.lines}
    lines: list[ComparedLine] = []
    per_sector: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for before in current.lines:
        place_request = requests[before.request_id]
        sim = after.get(before.request_id, before)
        lines.append(
            ComparedLine(
                request=place_request,
                current_measure=measures.get(before.measure_id) if before.measure_id else None,
                current_rank=before.rank,
                current_reason=_reason_label(before.reason),
                simulated_measure=measures.get(sim.measure_id) if sim.measure_id else None,
                simulated_rank=sim.rank,
                simulated_reason=_reason_label(sim.reason),
            )
        )
        counts = per_sector[place_request.sector]
        counts[0] += before.measure_id is not None
        counts[1] += sim.measure_id is not None
        counts[2] += 1
    lines.sort(key=lambda line: (not line.changed, line.request.created_at, line.request.pk))
    order = {sector: index for index, sector in enumerate(Sector.values)}
    sectors = [
        SectorComparison(sector=sector, current_served=counts[0], simulated_served=counts[1], requests=counts[2])
        for sector, counts in sorted(per_sector.items(), key=lambda item: order.get(item[0], 99))
    ]
    return Simulation(
        current=solver_summary(current.report),
        simulated=solver_summary(simulated.report),
        sectors=sectors,
        lines=lines,
    )
