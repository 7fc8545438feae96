"""Service agreements (conventions de prestations) and the actual value of their indicators.

An agreement names its indicators and their target values (`AgreementIndicator`);
the platform computes the actual value of each from the placements of the
agreement's measures over the agreement's period so far, and says whether the
target is met (`higher_is_better` tells which side of the target is good).
Placements are read once for a whole list of agreements, so that a page or an API
list costs the same number of queries for 2 agreements and for 20.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from measures.models import AgreementIndicator, AgreementMetric, Measure, Placement, ServiceAgreement
from measures.roles import is_coordination_member, may_read_measures
from measures.selectors.reviews import PlacementSpan, period_figures

PERCENT_METRICS: frozenset[str] = frozenset({AgreementMetric.OCCUPANCY_RATE, AgreementMetric.POSITIVE_EXIT_RATE})
MONEY_METRICS: frozenset[str] = frozenset({AgreementMetric.COST_PER_POSITIVE_EXIT})


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator of an agreement: its target, its actual value (None when it cannot be computed yet), met?"""

    metric: str
    label: str
    target: Decimal
    higher_is_better: bool
    actual: Decimal | None
    met: bool | None
    unit: str

    @property
    def is_money(self) -> bool:
        return self.metric in MONEY_METRICS


def agreements_readable(user: User | None) -> bool:
    """Agreements hold no personal data: caseworkers, the coordination group and the GP CII read them."""
    return may_read_measures(user)


def agreements_editable(user: User | None) -> bool:
    """The coordination group records and updates the agreements."""
    return is_coordination_member(user)


def _refuse(user: User | None, request: HttpRequest | None) -> Http404:
    audit_record(action=AuditAction.ACCESS_DENIED, actor=user, object_type="measures.serviceagreement", request=request)
    return Http404()


def agreement_list(*, user: User | None, request: HttpRequest | None = None) -> QuerySet[ServiceAgreement]:
    """The agreements, newest first, with provider, measures and indicators (three queries); Http404 if not readable."""
    if not agreements_readable(user):
        raise _refuse(user, request)
    return (
        ServiceAgreement.objects.select_related("provider")
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.order_by("name")),
            Prefetch("indicators", queryset=AgreementIndicator.objects.order_by("metric")),
        )
        .order_by("-id")
    )


def agreement_get(*, user: User | None, agreement_id: int, request: HttpRequest | None = None) -> ServiceAgreement:
    """The agreement `agreement_id` with its provider, measures and indicators; Http404 if missing or not readable."""
    agreement = agreement_list(user=user, request=request).filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404
    return agreement


def agreement_period_so_far(agreement: ServiceAgreement, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days of the agreement elapsed by `today` (its whole period once over); last < first if not begun."""
    today = today or timezone.localdate()
    return agreement.starts_on, min(agreement.ends_on, today)


def _quantize(value: Fraction, metric: str) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    step = Decimal("0.1") if metric in PERCENT_METRICS else Decimal("0.01")
    if metric == AgreementMetric.PLACEMENTS:
        step = Decimal("1")
    return exact.quantize(step, rounding=ROUND_HALF_UP)


def _metric_value(
    metric: str, agreement: ServiceAgreement, spans: list[PlacementSpan], first_day: dt.date, last_day: dt.date
) -> Decimal | None:
    """The actual value of `metric` over [first_day, last_day], or None when it has no meaning yet.

    - occupancy_rate (%): occupied place-days ÷ (agreement's volume of places × days elapsed) × 100;
    - placements: distinct persons (place requests) placed at some time in the period;
    - positive_exit_rate (%): positive exits (first labour market, training) ÷ exits in the period × 100;
    - average_duration_days: mean length (start to actual end, both days counted) of placements ended in the period;
    - cost_per_positive_exit (CHF): the placements' cost in the period (price per month × occupied months,
      see `measures.selectors.reviews.occupied_months`) ÷ positive exits.
    """
    if last_day < first_day:
        return None
    figures = period_figures(spans, first_day=first_day, last_day=last_day)
    days = (last_day - first_day).days + 1
    value: Fraction | None = None
    if metric == AgreementMetric.OCCUPANCY_RATE and agreement.volume_places:
        value = Fraction(figures.occupied_place_days, agreement.volume_places * days) * 100
    elif metric == AgreementMetric.PLACEMENTS:
        value = Fraction(figures.beneficiaries)
    elif metric == AgreementMetric.POSITIVE_EXIT_RATE and figures.exits:
        value = Fraction(figures.positive_exits, figures.exits) * 100
    elif metric == AgreementMetric.AVERAGE_DURATION_DAYS and figures.ended_durations_days:
        value = Fraction(sum(figures.ended_durations_days), len(figures.ended_durations_days))
    elif metric == AgreementMetric.COST_PER_POSITIVE_EXIT and figures.positive_exits:
        value = Fraction(figures.cost) / figures.positive_exits
    return None if value is None else _quantize(value, metric)


def _unit(metric: str) -> str:
    if metric in PERCENT_METRICS:
        return "%"
    if metric in MONEY_METRICS:
        return "CHF"
    return gettext("jours") if metric == AgreementMetric.AVERAGE_DURATION_DAYS else ""


def agreements_indicator_values(
    *, agreements: list[ServiceAgreement], today: dt.date | None = None
) -> dict[int, list[IndicatorValue]]:
    """The indicator values of each of `agreements` (by agreement id), in two queries whatever their number.

    Indicators come in the order of `AgreementMetric`.

    Each indicator is computed over the agreement's measures and its period so far
    (`agreement_period_so_far`). `met` compares the actual value with the target:
    at least the target when higher is better, at most it otherwise; None when the
    value cannot be computed yet (no exit, no positive exit, period not begun).
    """
    if not agreements:
        return {}
    periods = {agreement.pk: agreement_period_so_far(agreement, today=today) for agreement in agreements}
    indicators: dict[int, list[AgreementIndicator]] = defaultdict(list)
    order = {metric: position for position, metric in enumerate(AgreementMetric.values)}
    rows_of_indicators = AgreementIndicator.objects.filter(agreement__in=periods)
    for indicator in sorted(rows_of_indicators, key=lambda row: order.get(row.metric, len(order))):
        indicators[indicator.agreement_id].append(indicator)
    # One row per (agreement, placement of one of its measures): the M2M join repeats a placement per agreement.
    rows = (
        Placement.objects.filter(measure__agreements__in=periods)
        .exclude(status=Placement.Status.CANCELLED)
        .filter(starts_on__lte=max(last for _first, last in periods.values()))
        .values_list(
            "measure__agreements",
            "request_id",
            "starts_on",
            "planned_end_on",
            "ended_on",
            "exit_reason",
            "price_per_month",
        )
    )
    spans: dict[int, list[PlacementSpan]] = defaultdict(list)
    for agreement_id, request_id, starts_on, planned_end_on, ended_on, exit_reason, price in rows:
        first_day, last_day = periods[agreement_id]
        end = ended_on or planned_end_on
        if starts_on <= last_day and end >= first_day:
            spans[agreement_id].append(PlacementSpan(request_id, starts_on, end, ended_on, exit_reason, price))
    values: dict[int, list[IndicatorValue]] = {}
    for agreement in agreements:
        first_day, last_day = periods[agreement.pk]
        values[agreement.pk] = []
        for indicator in indicators[agreement.pk]:
            actual = _metric_value(indicator.metric, agreement, spans[agreement.pk], first_day, last_day)
            met = None
            if actual is not None:
                met = actual >= indicator.target if indicator.higher_is_better else actual <= indicator.target
            values[agreement.pk].append(
                IndicatorValue(
                    metric=indicator.metric,
                    label=str(AgreementMetric(indicator.metric).label),
                    target=indicator.target,
                    higher_is_better=indicator.higher_is_better,
                    actual=actual,
                    met=met,
                    unit=_unit(indicator.metric),
                )
            )
    return values


def agreement_indicator_values(*, agreement: ServiceAgreement, today: dt.date | None = None) -> list[IndicatorValue]:
    """The indicators of `agreement` with their actual value and whether each target is met (two queries)."""
    return agreements_indicator_values(agreements=[agreement], today=today)[agreement.pk]
