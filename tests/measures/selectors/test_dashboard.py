"""The monthly dashboard: figures checked by hand on a prepared month, frozen sectors, constant queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from measures.selectors.dashboard import dashboard_for, dashboard_month, parse_month
from measures.services.placements import monthly_report_send
from tests.measures.dashboard_builders import APRIL, prepare_april
from tests.measures.factories import budget
from tests.measures.placement_builders import ask, offer, placement_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def april(orp_counsellor, ssr_social_worker, smig_counsellor, coordination_member):  # type: ignore[no-untyped-def]
    return prepare_april(orp=orp_counsellor, ssr=ssr_social_worker, smig=smig_counsellor, member=coordination_member)


def _figures(figures):  # type: ignore[no-untyped-def]
    return (figures.budgeted, figures.occupied, figures.rate, figures.cost)


def test_it_computes_each_measure_and_sector_of_the_month_by_hand(april):
    board = dashboard_month(month=dt.date(2026, 4, 17))
    assert board.month == APRIL
    rows = {(block.sector, row.measure_code): _figures(row.figures) for block in board.sectors for row in block.rows}
    assert rows == {
        # 4 budgeted − 1 lent to SAS; 1 + 15/30 occupied; 1500 + 750.
        ("laci", april.a.code): (3, Decimal("1.50"), Decimal("50.0"), Decimal("2250.00")),
        # 2 budgeted + 1 borrowed; 10/30 occupied; 1500 × 10/30.
        ("sas", april.a.code): (3, Decimal("0.33"), Decimal("11.0"), Decimal("500.00")),
        # 3 budgeted; 20/30 occupied (planned end, not ended); 3000 × 20/30.
        ("smig", april.b.code): (3, Decimal("0.67"), Decimal("22.3"), Decimal("2000.00")),
    }


def test_it_totals_per_sector_per_kind_and_overall(april):
    board = dashboard_month(month=APRIL)
    totals = {block.sector: _figures(block.total) for block in board.sectors}
    assert totals["laci"] == (3, Decimal("1.50"), Decimal("50.0"), Decimal("2250.00"))
    # MIP reports monthly: shown although its only loan was never agreed, with nothing in it.
    assert totals["mip"] == (0, Decimal("0.00"), None, Decimal("0.00"))
    assert set(totals) == {"laci", "mip", "sas", "smig"}
    kinds = {kind.place_kind: _figures(kind.figures) for kind in board.kinds}
    assert kinds == {
        "professional": (10, Decimal("1.83"), Decimal("18.3"), Decimal("2750.00")),
        "socio_professional": (5, Decimal("0.67"), Decimal("13.4"), Decimal("2000.00")),
    }
    assert _figures(board.total) == (9, Decimal("2.50"), Decimal("27.8"), Decimal("4750.00"))


def test_a_sent_sector_shows_its_frozen_figures_and_the_others_stay_live(
    april, coordination_member, orp_counsellor, ssr_social_worker
):
    monthly_report_send(month=APRIL, sector="laci", by=coordination_member)
    # Later corrections: one more LACI placement and one more SAS placement in April.
    placement_row(april.laci, april.a, starts_on=APRIL, planned_end_on=dt.date(2026, 4, 30))
    placement_row(april.sas, april.a, starts_on=APRIL, planned_end_on=dt.date(2026, 4, 30))

    board = dashboard_for(user=coordination_member, month=APRIL)
    blocks = {block.sector: block for block in board.sectors}

    assert blocks["laci"].frozen and blocks["laci"].report.sent_by == coordination_member
    assert _figures(blocks["laci"].total) == (3, Decimal("1.50"), Decimal("50.0"), Decimal("2250.00"))
    assert not blocks["sas"].frozen
    assert _figures(blocks["sas"].total) == (3, Decimal("1.33"), Decimal("44.3"), Decimal("2000.00"))
    # The delegate of LACI and MIP may still send MIP, not LACI again, never SAS.
    assert [block.sector for block in board.sectors if block.may_send] == ["mip"]
    kinds = {kind.place_kind: kind.figures.occupied for kind in board.kinds}
    assert kinds["professional"] == Decimal("2.83")  # 1.50 frozen + 1.33 live


def test_it_refuses_the_dashboard_to_an_account_without_a_role_on_measures(outsider, cnip_staff, gp_cii_member):
    for user in (outsider, cnip_staff):
        with pytest.raises(Http404):
            dashboard_for(user=user, month=APRIL)
    assert dashboard_for(user=gp_cii_member, month=APRIL).delegate_sectors == frozenset()


def test_it_reads_months_typed_as_year_dash_month_only():
    assert parse_month("2026-04") == APRIL
    assert parse_month("04.2026") is None
    assert parse_month("2026-13") is None
    assert parse_month(None) is None


def _measures_with_placements(count: int, *, user, member) -> None:  # type: ignore[no-untyped-def]
    for number in range(count):
        measure = offer(name=f"Mesure {count}-{number}")
        budget(measure=measure, year=2026, sector="laci", places=2, amount=Decimal("1000.00"), by=member)
        place_request = ask(user, measure, pseudonym=f"Q-{number}")
        placement_row(place_request, measure, starts_on=dt.date(2026, 3, 1), planned_end_on=dt.date(2026, 6, 30))


def test_the_dashboard_costs_the_same_queries_for_2_and_for_20_measures(orp_counsellor, coordination_member):
    _measures_with_placements(2, user=orp_counsellor, member=coordination_member)
    with CaptureQueriesContext(connection) as few:
        board = dashboard_for(user=coordination_member, month=APRIL)
    assert len(board.sectors[0].rows) == 2
    _measures_with_placements(18, user=orp_counsellor, member=coordination_member)
    with CaptureQueriesContext(connection) as many:
        board = dashboard_for(user=coordination_member, month=APRIL)
    assert len(board.sectors[0].rows) == 20
    assert len(many) == len(few)
