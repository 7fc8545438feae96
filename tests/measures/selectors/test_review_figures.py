"""The figures of a yearly review, computed from the placements and checked against a hand computation."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from measures.models import Measure, PlaceKind
from measures.selectors.reviews import PlacementSpan, occupied_months, yearly_review_figures
from tests.measures.factories import measure_with_places
from tests.measures.review_builders import placement, year_2025_placements

pytestmark = pytest.mark.django_db


def _measure() -> Measure:
    return measure_with_places(year=2025, places={PlaceKind.PROFESSIONAL: 4, PlaceKind.OCCUPATION: 6})


def test_the_figures_of_a_year_match_the_hand_computation(coordination_member):
    measure = _measure()
    year_2025_placements(measure, by=coordination_member)

    figures = yearly_review_figures(measure=measure, year=2025)

    # A 01.01–31.03 (90 days, 3 months × 1500), B 01.04–15.06 (76 days, 2.5 months × 3000),
    # C 01.07–31.12 (184 days, 6 months × 1500), D 01.10–31.10 (31 days, 1 month × 1500), D being A's person.
    assert figures["placements"] == 4
    assert figures["beneficiaries"] == 3
    assert figures["entries"] == 3
    assert figures["exits"] == 3
    assert figures["positive_exits"] == 2
    assert figures["exits_by_reason"]["first_labour_market"] == 1
    assert figures["exits_by_reason"]["training"] == 1
    assert figures["exits_by_reason"]["dropped_out"] == 1
    assert figures["exits_by_reason"]["planned_end"] == 0  # the placement ended in 2024 is not an exit of 2025
    assert figures["capacity_places"] == 10
    assert figures["days_in_year"] == 365
    assert figures["occupied_place_days"] == 90 + 76 + 184 + 31
    assert figures["average_occupied_places"] == "1.04"  # 381 / 365
    assert figures["occupancy_rate"] == "10.4"  # 381 / (10 × 365)
    assert figures["cost"] == "22500.00"  # 4500 + 7500 + 9000 + 1500
    assert figures["cost_per_place"] == "2250.00"
    assert figures["cost_per_positive_exit"] == "11250.00"


def test_without_capacity_or_positive_exit_the_ratios_are_left_empty(coordination_member):
    measure = measure_with_places(year=2024)  # no capacity in 2025
    placement(measure, by=coordination_member, starts_on=dt.date(2025, 1, 1), planned_end_on=dt.date(2025, 1, 31))

    figures = yearly_review_figures(measure=measure, year=2025)

    assert figures["capacity_places"] == 0
    assert figures["occupancy_rate"] is None
    assert figures["cost_per_place"] is None
    assert figures["cost_per_positive_exit"] is None
    assert figures["cost"] == "1500.00"


def test_a_month_counts_the_share_of_its_days_that_is_occupied():
    span = PlacementSpan(1, dt.date(2025, 6, 1), dt.date(2025, 6, 15), None, "", Decimal("1000"))
    leap = PlacementSpan(1, dt.date(2024, 2, 15), dt.date(2024, 3, 31), None, "", Decimal("1000"))

    assert occupied_months(span, first_day=dt.date(2025, 1, 1), last_day=dt.date(2025, 12, 31)) == Fraction(1, 2)
    assert occupied_months(leap, first_day=dt.date(2024, 1, 1), last_day=dt.date(2024, 12, 31)) == Fraction(15, 29) + 1


def test_the_figures_cost_two_queries_for_few_and_for_many_placements(coordination_member, django_assert_num_queries):
    few, many = _measure(), _measure()
    for measure, count in ((few, 2), (many, 20)):
        for index in range(count):
            placement(
                measure,
                by=coordination_member,
                starts_on=dt.date(2025, 1 + index % 12, 1),
                planned_end_on=dt.date(2025, 12, 31),
            )

    with django_assert_num_queries(2):
        yearly_review_figures(measure=few, year=2025)
    with django_assert_num_queries(2):
        figures = yearly_review_figures(measure=many, year=2025)
    assert figures["placements"] == 20
