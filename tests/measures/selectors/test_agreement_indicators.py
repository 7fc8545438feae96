"""The actual value of each indicator of an agreement, computed from the placements, against its target."""

import datetime as dt
from decimal import Decimal

import pytest

from measures.models import AgreementMetric, ServiceAgreement
from measures.selectors.agreements import agreement_indicator_values, agreements_indicator_values
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_create
from tests.measures.factories import MeasureFactory
from tests.measures.review_builders import placement

pytestmark = pytest.mark.django_db


def _agreement(user, measure, *, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31)) -> ServiceAgreement:  # type: ignore[no-untyped-def]
    return agreement_create(
        provider=measure.provider,
        terms=AgreementTerms(
            title=f"Convention {measure.code}",
            parties="SEMP, prestataire",
            legal_bases="LACI",
            starts_on=starts_on,
            ends_on=ends_on,
            volume_places=2,
            price=Decimal("30000"),
        ),
        measures=[measure],
        indicators=[
            IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("85")),
            IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("3")),
            IndicatorTarget(AgreementMetric.POSITIVE_EXIT_RATE, Decimal("30")),
            IndicatorTarget(AgreementMetric.AVERAGE_DURATION_DAYS, Decimal("120"), higher_is_better=False),
            IndicatorTarget(AgreementMetric.COST_PER_POSITIVE_EXIT, Decimal("20000"), higher_is_better=False),
        ],
        created_by=user,
    )


def _placements(measure, user) -> None:  # type: ignore[no-untyped-def]
    placement(
        measure,
        by=user,
        starts_on=dt.date(2025, 1, 1),
        planned_end_on=dt.date(2025, 6, 30),
        ended_on=dt.date(2025, 6, 30),
        exit_reason="first_labour_market",
        price="1000.00",
    )
    placement(
        measure,
        by=user,
        starts_on=dt.date(2025, 1, 1),
        planned_end_on=dt.date(2025, 6, 30),
        ended_on=dt.date(2025, 3, 31),
        exit_reason="excluded",
        price="1000.00",
    )
    placement(measure, by=user, starts_on=dt.date(2025, 7, 1), planned_end_on=dt.date(2026, 6, 30), price="1000.00")


def test_each_indicator_is_computed_and_compared_with_its_target(coordination_member):
    measure = MeasureFactory()
    agreement = _agreement(coordination_member, measure)
    _placements(measure, coordination_member)

    values = {
        value.metric: value for value in agreement_indicator_values(agreement=agreement, today=dt.date(2026, 2, 1))
    }

    # Place-days 181 + 90 + 184 = 455 of 2 places × 365 days; exits: one positive of two; cost 6000 + 3000 + 6000.
    assert values["occupancy_rate"].actual == Decimal("62.3")
    assert values["occupancy_rate"].met is False
    assert values["placements"].actual == Decimal("3")
    assert values["placements"].met is True  # the target itself is met
    assert values["positive_exit_rate"].actual == Decimal("50.0")
    assert values["positive_exit_rate"].met is True
    assert values["average_duration_days"].actual == Decimal("135.50")  # (181 + 90) / 2
    assert values["average_duration_days"].met is False  # above the ceiling of 120
    assert values["cost_per_positive_exit"].actual == Decimal("15000.00")
    assert values["cost_per_positive_exit"].met is True  # below the ceiling of 20'000


def test_the_values_cover_only_the_days_elapsed_and_wait_for_an_agreement_not_begun(coordination_member):
    measure = MeasureFactory()
    agreement = _agreement(coordination_member, measure)
    future = _agreement(
        coordination_member, MeasureFactory(), starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31)
    )
    _placements(measure, coordination_member)

    values = {
        value.metric: value for value in agreement_indicator_values(agreement=agreement, today=dt.date(2025, 1, 31))
    }
    waiting = agreement_indicator_values(agreement=future, today=dt.date(2025, 1, 31))

    assert values["occupancy_rate"].actual == Decimal("100.0")  # two persons placed for the 31 days elapsed
    assert values["positive_exit_rate"].actual is None  # no exit yet
    assert values["positive_exit_rate"].met is None
    assert all(value.actual is None and value.met is None for value in waiting)


def test_the_values_of_many_agreements_cost_two_queries_whatever_their_number(
    coordination_member, django_assert_num_queries
):
    few = []
    many = []
    for bucket, count in ((few, 2), (many, 20)):
        for _index in range(count):
            measure = MeasureFactory()
            bucket.append(_agreement(coordination_member, measure))
            _placements(measure, coordination_member)

    with django_assert_num_queries(2):
        agreements_indicator_values(agreements=few, today=dt.date(2026, 1, 1))
    with django_assert_num_queries(2):
        values = agreements_indicator_values(agreements=many, today=dt.date(2026, 1, 1))
    assert all(len(indicators) == 5 for indicators in values.values())
    placed = {value.actual for indicators in values.values() for value in indicators if value.metric == "placements"}
    assert placed == {Decimal("3")}
