"""The yearly review (bilan) of a mixed measure: its figures, computed from the placements, and the reviews.

Every figure of a review comes from the `Placement` rows of the measure (see
`yearly_review_figures` for the definition of each). A draft review shows them
live; a final review shows the `figures` frozen when it was validated, so that a
later correction of a placement never changes a review the group has validated.

The same period arithmetic (`period_figures`) serves the indicators of the
service agreements (`measures.selectors.agreements`).
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest

from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from measures.models import (
    POSITIVE_EXITS,
    CorrectiveMeasure,
    ExitReason,
    Measure,
    MeasureCapacity,
    Placement,
    YearlyReview,
)
from measures.roles import is_coordination_member, may_read_measures

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class PlacementSpan:
    """What the figures need of one placement: who, when, why it ended and its monthly price."""

    request_id: int
    starts_on: dt.date
    last_day: dt.date
    ended_on: dt.date | None
    exit_reason: str
    price_per_month: Decimal


def placement_spans(placements: QuerySet[Placement], *, first_day: dt.date, last_day: dt.date) -> list[PlacementSpan]:
    """The placements of `placements` that overlap [`first_day`, `last_day`], read in one query.

    A cancelled placement never happened and is left out. A placement runs from its
    start to its actual end, or, while it has not ended, to its planned end.
    """
    rows = (
        placements.exclude(status=Placement.Status.CANCELLED)
        .filter(starts_on__lte=last_day)
        .values_list("request_id", "starts_on", "planned_end_on", "ended_on", "exit_reason", "price_per_month")
    )
    spans = []
    for request_id, starts_on, planned_end_on, ended_on, exit_reason, price in rows:
        end = ended_on or planned_end_on
        if end >= first_day:
            spans.append(PlacementSpan(request_id, starts_on, end, ended_on, exit_reason, price))
    return spans


def _months(first_day: dt.date, last_day: dt.date) -> Iterable[tuple[dt.date, dt.date]]:
    """The calendar months of [first_day, last_day], each as (its first day, its last day)."""
    year, month = first_day.year, first_day.month
    while dt.date(year, month, 1) <= last_day:
        yield dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _overlap_days(start: dt.date, end: dt.date, first_day: dt.date, last_day: dt.date) -> int:
    """Days common to [start, end] and [first_day, last_day], both inclusive (0 if disjoint)."""
    return max(0, (min(end, last_day) - max(start, first_day)).days + 1)


def occupied_months(span: PlacementSpan, *, first_day: dt.date, last_day: dt.date) -> Fraction:
    """The place-months `span` occupies in [first_day, last_day]: per calendar month, its occupied share of days.

    A full month counts 1, the 1st to the 15th of June 0.5 (15 of 30 days). Kept
    exact (a fraction) so that a sum of many placements rounds once, at the end.
    """
    start, end = max(span.starts_on, first_day), min(span.last_day, last_day)
    total = Fraction(0)
    for month_first, month_last in _months(start, end):
        days = _overlap_days(start, end, month_first, month_last)
        total += Fraction(days, month_last.day)
    return total


def _money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio(numerator: Fraction | int | Decimal, denominator: int | Decimal, *, percent: bool) -> Decimal | None:
    if not denominator:
        return None
    value = Fraction(numerator) / Fraction(denominator) * (100 if percent else 1)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(TENTH if percent else CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PeriodFigures:
    """The placement figures of one period (see `period_figures`)."""

    placements: int
    beneficiaries: int
    entries: int
    exits_by_reason: dict[str, int]
    exits: int
    positive_exits: int
    occupied_place_days: int
    cost: Decimal
    ended_durations_days: list[int]


def period_figures(spans: list[PlacementSpan], *, first_day: dt.date, last_day: dt.date) -> PeriodFigures:
    """Count `spans` over [first_day, last_day] (no query): placements, persons, entries, exits, place-days, cost."""
    exits_by_reason = dict.fromkeys(ExitReason.values, 0)
    occupied_days = 0
    cost = Fraction(0)
    entries = 0
    durations: list[int] = []
    for span in spans:
        occupied_days += _overlap_days(span.starts_on, span.last_day, first_day, last_day)
        cost += Fraction(span.price_per_month) * occupied_months(span, first_day=first_day, last_day=last_day)
        if first_day <= span.starts_on <= last_day:
            entries += 1
        if span.ended_on is not None and first_day <= span.ended_on <= last_day and span.exit_reason:
            exits_by_reason[span.exit_reason] = exits_by_reason.get(span.exit_reason, 0) + 1
            durations.append((span.ended_on - span.starts_on).days + 1)
    exits = sum(exits_by_reason.values())
    positive = sum(exits_by_reason.get(reason, 0) for reason in POSITIVE_EXITS)
    return PeriodFigures(
        placements=len(spans),
        beneficiaries=len({span.request_id for span in spans}),
        entries=entries,
        exits_by_reason=exits_by_reason,
        exits=exits,
        positive_exits=positive,
        occupied_place_days=occupied_days,
        cost=_money(cost),
        ended_durations_days=durations,
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def yearly_review_figures(*, measure: Measure, year: int) -> dict[str, Any]:
    """The figures of `measure` in `year`, JSON-safe (amounts and rates as strings), in two queries.

    Over the placements of the measure that overlap the year (cancelled ones left
    out; a placement runs from its start to its actual end, or to its planned end
    while it has not ended):

    - `placements`: how many placements were running at some time in the year;
    - `beneficiaries`: how many distinct persons (place requests) they concern;
    - `entries`: placements that started in the year;
    - `exits_by_reason`: placements that ended in the year, per `ExitReason` (every
      reason listed, 0 included); `exits` their total, `positive_exits` those of
      `POSITIVE_EXITS` (first labour market, training);
    - `capacity_places`: the places of the measure in the year, all kinds together
      (`MeasureCapacity`); `days_in_year`: 365 or 366;
    - `occupied_place_days`: for each placement, its days within the year, summed;
      `average_occupied_places` = occupied place-days ÷ days of the year;
    - `occupancy_rate` (%) = occupied place-days ÷ (capacity places × days of the
      year) × 100, one decimal; None without capacity;
    - `cost` (CHF) = Σ placement's price per month × its occupied months in the year,
      a month counting its occupied share of days (`occupied_months`);
    - `cost_per_place` = cost ÷ capacity places; `cost_per_positive_exit` = cost ÷
      positive exits; None when the divisor is 0.
    """
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    spans = placement_spans(Placement.objects.filter(measure=measure), first_day=first_day, last_day=last_day)
    capacity = MeasureCapacity.objects.filter(measure=measure, year=year).aggregate(total=Sum("places"))["total"] or 0
    figures = period_figures(spans, first_day=first_day, last_day=last_day)
    days = (last_day - first_day).days + 1
    return {
        "measure": measure.code,
        "year": year,
        "placements": figures.placements,
        "beneficiaries": figures.beneficiaries,
        "entries": figures.entries,
        "exits": figures.exits,
        "positive_exits": figures.positive_exits,
        "exits_by_reason": figures.exits_by_reason,
        "capacity_places": capacity,
        "days_in_year": days,
        "occupied_place_days": figures.occupied_place_days,
        "average_occupied_places": _text(_ratio(figures.occupied_place_days, days, percent=False)),
        "occupancy_rate": _text(_ratio(figures.occupied_place_days, capacity * days, percent=True)),
        "cost": str(figures.cost),
        "cost_per_place": _text(_ratio(figures.cost, capacity, percent=False)),
        "cost_per_positive_exit": _text(_ratio(figures.cost, figures.positive_exits, percent=False)),
    }


def yearly_review_figures_shown(*, review: YearlyReview) -> dict[str, Any]:
    """The figures a review shows: frozen once final, live (recomputed now) while it is a draft."""
    if review.status == YearlyReview.Status.FINAL and review.figures:
        return review.figures
    return yearly_review_figures(measure=review.measure, year=review.year)


def exit_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The exits of `figures` per reason, in the order of `ExitReason`, with their French label."""
    counts = figures.get("exits_by_reason", {})
    return [
        {
            "reason": reason.value,
            "label": reason.label,
            "count": counts.get(reason.value, 0),
            "positive": reason in POSITIVE_EXITS,
        }
        for reason in ExitReason
    ]


def reviews_readable(user: User | None) -> bool:
    """Whether `user` may read the reviews: caseworkers, the coordination group and the GP CII (no person in them)."""
    return may_read_measures(user)


def reviews_editable(user: User | None) -> bool:
    """Whether `user` may write or validate a review: members of the coordination group only."""
    return is_coordination_member(user)


def _refuse(user: User | None, object_type: str, request: HttpRequest | None) -> Http404:
    audit_record(action=AuditAction.ACCESS_DENIED, actor=user, object_type=object_type, request=request)
    return Http404()


def yearly_review_list(*, user: User | None, request: HttpRequest | None = None) -> QuerySet[YearlyReview]:
    """The reviews, newest year first, with their measure and provider (one query); Http404 for who may not read."""
    if not reviews_readable(user):
        raise _refuse(user, "measures.yearlyreview", request)
    return YearlyReview.objects.select_related("measure__provider", "updated_by").order_by("-year", "measure__name")


def mixed_measures_for_review(*, user: User | None, request: HttpRequest | None = None) -> QuerySet[Measure]:
    """The mixed measures a review can be held for, by name; Http404 for who may not read the reviews."""
    if not reviews_readable(user):
        raise _refuse(user, "measures.measure", request)
    return Measure.objects.filter(is_mixed=True).select_related("provider").order_by("name")


def yearly_review_get(
    *, user: User | None, measure_code: str, year: int, request: HttpRequest | None = None
) -> tuple[Measure, YearlyReview | None]:
    """The mixed measure `measure_code` and its review of `year` (None if not yet written).

    Http404 for a user who may not read reviews, an unknown or non-mixed measure,
    or a year outside 2000–2100, the same answer for each.
    """
    if not reviews_readable(user) or not 2000 <= year <= 2100:
        raise _refuse(user, "measures.yearlyreview", request)
    measure = Measure.objects.select_related("provider", "branch").filter(code=measure_code, is_mixed=True).first()
    if measure is None:
        raise Http404
    review = YearlyReview.objects.select_related("updated_by").filter(measure=measure, year=year).first()
    if review is not None:
        review.measure = measure
    return measure, review


def yearly_review_get_by_id(*, user: User | None, review_id: int, request: HttpRequest | None = None) -> YearlyReview:
    """The review `review_id` with its measure and provider; Http404 if missing or if `user` may not read reviews."""
    if not reviews_readable(user):
        raise _refuse(user, "measures.yearlyreview", request)
    review = YearlyReview.objects.select_related("measure__provider", "updated_by").filter(pk=review_id).first()
    if review is None:
        raise Http404
    return review


def is_gp_cii_member(user: User | None) -> bool:
    """Members of the GP CII decide the corrections that change a service agreement."""
    return user is not None and user.is_authenticated and user.is_active and user.has_role(Role.GP_CII)


def corrective_measures_readable(user: User | None) -> bool:
    """The coordination group follows every corrective measure; the GP CII sees those submitted to it."""
    return is_coordination_member(user) or is_gp_cii_member(user)


def corrective_measures_visible(
    *, user: User | None, request: HttpRequest | None = None
) -> QuerySet[CorrectiveMeasure]:
    """The corrective measures `user` may see, newest first, with provider and measure (one query).

    Every one for a coordination-group member; for a GP CII member, those escalated
    to the GP CII (waiting for or holding its decision). Http404 for anyone else.
    """
    if not corrective_measures_readable(user):
        raise _refuse(user, "measures.correctivemeasure", request)
    rows = CorrectiveMeasure.objects.select_related("provider", "measure", "requested_by")
    if not is_coordination_member(user):
        rows = rows.filter(status__in=[CorrectiveMeasure.Status.ESCALATED, CorrectiveMeasure.Status.DECIDED])
    return rows.order_by("-id")


def corrective_measure_get(
    *, user: User | None, corrective_id: int, request: HttpRequest | None = None
) -> CorrectiveMeasure:
    """The corrective measure `corrective_id` if `user` may see it; Http404 (audited) like a missing one."""
    corrective = corrective_measures_visible(user=user, request=request).filter(pk=corrective_id).first()
    if corrective is None:
        raise _refuse(user, "measures.correctivemeasure", request)
    return corrective
