"""The budget selectors: the table of a year, editable only for the viewer's sectors, loans in and out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from measures.models import PlaceLoan, Sector
from measures.selectors.budgets import budget_places_by_sector, budget_table, loan_list
from tests.measures.budget_builders import closed_year, delegate, open_year
from tests.measures.factories import budget, measure_with_places

pytestmark = pytest.mark.django_db


def _measures(count: int, by) -> None:  # type: ignore[no-untyped-def]
    for _ in range(count):
        measure = measure_with_places(year=2026, places={"professional": 10})
        for sector in (Sector.LACI, Sector.SAS, Sector.SMIG):
            budget(measure=measure, year=2026, sector=sector, places=2, amount=Decimal("36000.00"), by=by)


def test_the_table_shows_every_sector_and_marks_only_the_viewers_sectors_editable(coordination_member):
    _measures(1, coordination_member)

    table = budget_table(user=coordination_member, year=2026)

    (row,) = table.rows
    assert [cell.sector for cell in row.cells] == ["laci", "mip", "sas", "smig", "oai", "sfpo"]
    assert [cell.sector for cell in row.editable_cells] == ["laci", "mip"]
    assert (row.capacity, row.places, row.amount) == (10, 6, Decimal("108000.00"))
    assert table.totals["sas"] == {"places": 2, "amount": Decimal("36000.00")}


def test_a_closed_year_and_a_caseworker_have_nothing_editable(coordination_member, orp_counsellor):
    _measures(1, coordination_member)

    assert budget_table(user=orp_counsellor, year=2026).editable_sectors == frozenset()
    closed_year(2026)
    assert budget_table(user=coordination_member, year=2026).rows[0].editable_cells == []


def test_agreed_loans_show_as_places_lent_and_borrowed(make_account, coordination_member):
    _measures(1, coordination_member)
    table = budget_table(user=coordination_member, year=2026)
    measure = table.rows[0].measure
    for status in (PlaceLoan.Status.AGREED, PlaceLoan.Status.PROPOSED):
        PlaceLoan.objects.create(
            year=table.year,
            measure=measure,
            from_sector=Sector.SMIG,
            to_sector=Sector.SAS,
            proposer_sector=Sector.SMIG,
            places=1,
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 4, 30),
            status=status,
            proposed_by=delegate(make_account, "smig") if status == PlaceLoan.Status.AGREED else coordination_member,
            answered_at=timezone.now() if status == PlaceLoan.Status.AGREED else None,
        )

    cells = {cell.sector: cell for cell in budget_table(user=coordination_member, year=2026).rows[0].cells}

    assert (cells["smig"].loans_out, cells["sas"].loans_in, cells["laci"].loans_in) == (1, 1, 0)


def test_the_table_costs_the_same_queries_for_2_and_for_20_measures(coordination_member):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            budget_table(user=coordination_member, year=2026)
        return len(queries)

    _measures(2, coordination_member)
    two = count()
    _measures(18, coordination_member)

    assert count() == two


def test_the_loans_list_costs_the_same_queries_for_2_and_for_20_loans(make_account, coordination_member):
    smig = delegate(make_account, "smig")
    measure = measure_with_places(year=2026)
    year = open_year(2026)

    def add(count: int) -> None:
        for _ in range(count):
            PlaceLoan.objects.create(
                year=year,
                measure=measure,
                from_sector=Sector.SMIG,
                to_sector=Sector.LACI,
                proposer_sector=Sector.SMIG,
                places=1,
                starts_on=dt.date(2026, 3, 1),
                ends_on=dt.date(2026, 3, 31),
                proposed_by=smig,
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            loans = loan_list(user=coordination_member, year=2026)
        assert all(loan.can_answer for loan in loans)
        return len(queries)

    add(2)
    two = count()
    add(18)

    assert count() == two


def test_places_per_sector_sum_each_years_budgets(coordination_member):
    _measures(2, coordination_member)

    (row,) = budget_places_by_sector(user=coordination_member)

    assert (row.year, row.total, row.of("laci"), row.of("mip")) == (2026, 12, 4, 0)
    assert row.in_order == [4, 0, 4, 4, 0, 0]


def test_an_outsider_gets_404(outsider):
    open_year(2026)

    with pytest.raises(Http404):
        budget_table(user=outsider, year=2026)
