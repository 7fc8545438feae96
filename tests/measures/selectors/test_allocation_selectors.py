"""Reading rounds: members only, lines grouped and explained, persons named for their own service only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from cii_platform.audit.models import AuditEvent
from measures.models import AllocationRound
from measures.selectors.allocation import round_detail, round_get, round_line_get, round_list, simulation_compare
from measures.services.allocation import round_confirm, round_open, round_propose
from tests.factories import open_case
from tests.measures.allocation_builders import PERIOD, measure_with_budget, place_request

pytestmark = pytest.mark.django_db


def proposed_round(member):  # type: ignore[no-untyped-def]
    round_ = round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=member)
    round_propose(round=round_, by=member)
    round_.refresh_from_db()
    return round_


@pytest.fixture
def canton(coordination_member, orp_counsellor, smig_counsellor, services):  # type: ignore[no-untyped-def]
    """Two measures of one place each; SEMP's urgent request on a case, SMIG's on a case, two more waiting."""
    first = measure_with_budget(by=coordination_member, places=1, sector_places={"laci": 1, "smig": 1})
    second = measure_with_budget(by=coordination_member, places=1, sector_places={"laci": 1, "smig": 1})
    own_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    smig_case = open_case(lead_service=services["smig"], opened_by=smig_counsellor)
    requests = {
        "own": place_request(by=orp_counsellor, preferences=[first], urgent=True, case=own_case),
        "smig": place_request(by=smig_counsellor, preferences=[second, first], sector="smig", case=smig_case),
        "late": place_request(by=orp_counsellor, preferences=[first]),
        "later": place_request(by=orp_counsellor, preferences=[first, second]),
    }
    return {"first": first, "second": second, "requests": requests, "cases": (own_case, smig_case)}


def test_only_members_list_and_read_rounds_anyone_else_gets_404_audited(
    coordination_member, orp_counsellor, gp_cii_member, outsider
):
    round_ = round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=coordination_member)

    assert [r.pk for r in round_list(user=coordination_member)] == [round_.pk]
    for user in (orp_counsellor, gp_cii_member, outsider):
        with pytest.raises(Http404):
            round_list(user=user)
        with pytest.raises(Http404):
            round_get(user=user, round_id=round_.pk)
    assert AuditEvent.objects.filter(action="access_denied", object_id=str(round_.pk)).count() == 3
    with pytest.raises(Http404):
        round_get(user=coordination_member, round_id=round_.pk + 1)


def test_the_list_is_newest_first_with_its_counts(coordination_member, canton):
    older = proposed_round(coordination_member)
    newer = round_open(period_start=dt.date(2026, 6, 1), period_end=dt.date(2026, 6, 30), opened_by=coordination_member)

    rows = round_list(user=coordination_member)

    assert [row.pk for row in rows] == [newer.pk, older.pk]
    assert (rows[1].served_count, rows[1].unserved_count) == (2, 2)
    assert (rows[0].served_count, rows[0].unserved_count) == (0, 0)


def test_the_detail_groups_served_lines_by_measure_and_explains_the_waiting_list(coordination_member, canton):
    round_ = proposed_round(coordination_member)

    detail = round_detail(user=coordination_member, round_id=round_.pk)

    served = {group.measure.pk: [(row.request.pk, row.line.rank) for row in group.lines] for group in detail.served}
    requests = canton["requests"]
    assert served == {canton["first"].pk: [(requests["own"].pk, 1)], canton["second"].pk: [(requests["smig"].pk, 1)]}
    assert [row.request.pk for row in detail.waiting] == [requests["late"].pk, requests["later"].pk]
    assert [row.line.waiting_position for row in detail.waiting] == [1, 2]
    assert [row.reason_label for row in detail.waiting] == [
        "plus de place disponible dans les mesures demandées",
        "plus de place disponible dans les mesures demandées",
    ]
    assert detail.reasons == {"plus de place disponible dans les mesures demandées": 2}
    assert detail.report is not None
    assert (detail.report.requests, detail.report.served, detail.report.unserved) == (4, 2, 2)
    assert detail.report.seconds >= 0


def test_the_person_is_named_only_for_the_viewers_own_service_and_that_read_is_audited(coordination_member, canton):
    round_ = proposed_round(coordination_member)

    detail = round_detail(user=coordination_member, round_id=round_.pk)

    shown = {row.request.pk: row.request for row in detail.lines}
    own_case, smig_case = canton["cases"]
    own = shown[canton["requests"]["own"].pk]
    assert (own.shows_person, own.case_reference) == (True, own_case.reference)
    assert own.person_name == f"{own_case.person.first_name} {own_case.person.last_name}"
    smig = shown[canton["requests"]["smig"].pk]
    assert (smig.shows_person, smig.person_name, smig.case_reference) == (False, "", "")
    assert smig.pseudonym and smig.reference
    event = AuditEvent.objects.get(action="read", object_type="measures.allocationround")
    assert event.detail == {"named_requests": [own.reference]}


def test_usage_shows_places_used_against_those_available_per_measure_and_sector(coordination_member, canton):
    round_ = proposed_round(coordination_member)

    usage = {
        (row.measure.pk, row.sector): (row.used_places, row.available_places, row.used_amount)
        for row in round_detail(user=coordination_member, round_id=round_.pk).usage
    }

    first, second = canton["first"].pk, canton["second"].pk
    assert usage == {
        (first, "laci"): (1, 1, Decimal("12000.00")),
        (first, "smig"): (0, 1, Decimal("0.00")),
        (second, "laci"): (0, 1, Decimal("0.00")),
        (second, "smig"): (1, 1, Decimal("12000.00")),
    }


def test_a_confirmed_round_keeps_its_figures_its_own_placements_given_back(coordination_member, canton):
    round_ = proposed_round(coordination_member)
    round_confirm(round=round_, by=coordination_member, expected_version=round_.version)

    detail = round_detail(user=coordination_member, round_id=round_.pk)

    assert detail.confirmed and detail.dashboard_month == dt.date(2026, 1, 1)
    used = {(row.measure.pk, row.sector): (row.used_places, row.available_places) for row in detail.usage}
    assert used[(canton["first"].pk, "laci")] == (1, 1)
    assert not any(row.exceeded for row in detail.usage)


def test_a_line_is_read_through_its_round(coordination_member, orp_counsellor, canton):
    round_ = proposed_round(coordination_member)
    other = round_open(period_start=dt.date(2026, 6, 1), period_end=dt.date(2026, 6, 30), opened_by=coordination_member)
    line = round_.lines.first()

    assert round_line_get(user=coordination_member, round_id=round_.pk, line_id=line.pk) == line
    with pytest.raises(Http404):
        round_line_get(user=coordination_member, round_id=other.pk, line_id=line.pk)
    with pytest.raises(Http404):
        round_line_get(user=orp_counsellor, round_id=round_.pk, line_id=line.pk)


def test_a_simulation_is_compared_request_by_request(coordination_member, canton):
    round_ = round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=coordination_member)
    current = round_propose(round=round_, by=coordination_member, simulate=True)
    doubled = round_propose(round=round_, by=coordination_member, simulate=True, budget_factors={"laci": Decimal(2)})

    compared = simulation_compare(user=coordination_member, current=current, simulated=doubled)

    assert compared.current is not None and compared.simulated is not None
    # Capacity, not the LACI budget, is what stops the waiting requests: nothing changes.
    assert (compared.current.served, compared.simulated.served, compared.changed) == (2, 2, 0)
    assert {row.sector: (row.requests, row.current_served) for row in compared.sectors} == {
        "laci": (3, 1),
        "smig": (1, 1),
    }
    assert AllocationRound.objects.get(pk=round_.pk).status == AllocationRound.Status.OPEN
    with pytest.raises(Http404):
        simulation_compare(user=canton["requests"]["own"].requested_by, current=current, simulated=doubled)


def _requests(count: int, *, member, caseworkers, services, measures) -> None:  # type: ignore[no-untyped-def]
    for number in range(count):
        caseworker = caseworkers[number % 2]
        case = open_case(lead_service=caseworker.service, opened_by=caseworker) if number % 4 < 2 else None
        sector = "laci" if caseworker.service.code == "semp" else "smig"
        place_request(by=caseworker, preferences=measures[number % 3 :] or measures, sector=sector, case=case)


def test_the_detail_costs_the_same_queries_for_2_and_for_20_requests(
    coordination_member, orp_counsellor, smig_counsellor, services
):
    measures = [
        measure_with_budget(by=coordination_member, places=4, sector_places={"laci": 3, "smig": 2}) for _ in range(3)
    ]

    def cost(count: int) -> tuple[int, int, int]:
        round_ = proposed_round(coordination_member)
        with CaptureQueriesContext(connection) as queries:
            detail = round_detail(user=coordination_member, round_id=round_.pk)
            shown = [
                (
                    row.request.reference,
                    row.request.pseudonym,
                    row.reason_label,
                    [p.measure.name for p in row.preferences],
                )
                for row in detail.lines
            ]
        with CaptureQueriesContext(connection) as listing:
            rows = round_list(user=coordination_member)
        assert len(shown) == count
        return len(queries), len(listing), len(rows)

    _requests(
        2,
        member=coordination_member,
        caseworkers=(orp_counsellor, smig_counsellor),
        services=services,
        measures=measures,
    )
    cost(2)  # roles and permission groups are read once per user, then cached on it
    few = cost(2)
    _requests(
        18,
        member=coordination_member,
        caseworkers=(orp_counsellor, smig_counsellor),
        services=services,
        measures=measures,
    )
    many = cost(20)
    assert few[:2] == many[:2]
