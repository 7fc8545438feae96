"""Opening a round, its optimal proposal with the reasons of unserved requests, and simulations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditEvent
from measures.models import AllocationLine, AllocationRound, PlaceKind, Placement, PlaceRequest, UnservedReason
from measures.services.allocation import months_between, round_open, round_propose
from tests.measures.allocation_builders import PERIOD, YEAR, measure_with_budget, place_request
from tests.measures.factories import budget, measure_with_places

pytestmark = pytest.mark.django_db


def open_round(member):
    return round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=member)


def test_it_proposes_the_optimal_allocation_not_the_greedy_one(coordination_member, orp_counsellor):
    first = measure_with_budget(by=coordination_member, places=1)
    second = measure_with_budget(by=coordination_member, places=1)
    flexible = place_request(by=orp_counsellor, preferences=[first, second])  # greedy gives it `first`
    only_first = place_request(by=orp_counsellor, preferences=[first])
    round_ = open_round(coordination_member)

    result = round_propose(round=round_, by=coordination_member)

    lines = {line.request_id: line for line in AllocationLine.objects.filter(round=round_)}
    assert result.served == 2
    assert (lines[flexible.pk].measure_id, lines[flexible.pk].rank) == (second.pk, 2)
    assert (lines[only_first.pk].measure_id, lines[only_first.pk].rank) == (first.pk, 1)
    round_.refresh_from_db()
    assert round_.status == AllocationRound.Status.PROPOSED
    assert round_.solver_report["served"] == 2


def test_every_unserved_request_has_its_reason_and_waiting_position(coordination_member, orp_counsellor):
    full = measure_with_budget(by=coordination_member, places=1)
    poor = measure_with_budget(by=coordination_member, places=3, sector_places={"laci": 0})
    inactive = measure_with_budget(by=coordination_member, places=3)
    inactive.active_until = dt.date(YEAR, 3, 31)
    inactive.save()
    served = place_request(by=orp_counsellor, preferences=[full], urgent=True)
    no_room = place_request(by=orp_counsellor, preferences=[full])
    no_budget = place_request(by=orp_counsellor, preferences=[poor])
    impossible = place_request(by=orp_counsellor, preferences=[inactive])
    urgent_no_room = place_request(by=orp_counsellor, preferences=[full], urgent=True)
    round_ = open_round(coordination_member)

    round_propose(round=round_, by=coordination_member)

    lines = {line.request_id: line for line in AllocationLine.objects.filter(round=round_)}
    assert lines[served.pk].measure_id == full.pk
    assert lines[no_room.pk].unserved_reason == UnservedReason.NO_CAPACITY
    assert lines[no_budget.pk].unserved_reason == UnservedReason.SECTOR_BUDGET
    assert lines[impossible.pk].unserved_reason == UnservedReason.NO_FEASIBLE_PREFERENCE
    waiting = [
        line.request_id
        for line in sorted(lines.values(), key=lambda row: row.waiting_position or 0)
        if line.waiting_position
    ]
    assert waiting == [urgent_no_room.pk, no_room.pk, no_budget.pk, impossible.pk]


def test_the_proposal_counts_placements_already_running_and_the_chf_left(coordination_member, orp_counsellor):
    measure = measure_with_places(year=YEAR, places={PlaceKind.PROFESSIONAL: 4}, price=Decimal("1000.00"))
    budget(measure=measure, year=YEAR, sector="laci", places=3, amount=Decimal("30000.00"), by=coordination_member)
    earlier = place_request(by=orp_counsellor, preferences=[measure])
    Placement.objects.create(
        request=earlier,
        measure=measure,
        sector="laci",
        place_kind=earlier.place_kind,
        starts_on=dt.date(YEAR, 1, 1),
        planned_end_on=dt.date(YEAR, 12, 31),
        price_per_month=Decimal("1000.00"),
        created_by=coordination_member,
    )
    PlaceRequest.objects.filter(pk=earlier.pk).update(status=PlaceRequest.Status.PLACED)
    # 30'000 budgeted, 12'000 committed: 18'000 left for two places, i.e. one full year and one from July.
    full_year = place_request(by=orp_counsellor, preferences=[measure])
    second_full_year = place_request(by=orp_counsellor, preferences=[measure])
    from_july = place_request(by=orp_counsellor, preferences=[measure], desired_start=dt.date(YEAR, 7, 1))
    round_ = open_round(coordination_member)

    result = round_propose(round=round_, by=coordination_member)

    lines = {line.request_id: line for line in result.lines}
    assert {rid for rid, line in lines.items() if line.measure_id} == {full_year.pk, from_july.pk}
    assert lines[second_full_year.pk].reason == UnservedReason.SECTOR_BUDGET
    assert earlier.pk not in lines
    assert months_between(dt.date(YEAR, 7, 1), dt.date(YEAR, 12, 31)) == 6


def test_a_simulation_changes_nothing(coordination_member, smig_counsellor):
    measure = measure_with_budget(by=coordination_member, places=3, sector_places={"smig": 1})
    requests = [place_request(by=smig_counsellor, preferences=[measure], sector="smig") for _ in range(2)]
    round_ = open_round(coordination_member)
    version = round_.version

    baseline = round_propose(round=round_, by=coordination_member, simulate=True)
    richer = round_propose(round=round_, by=coordination_member, simulate=True, budget_factors={"smig": Decimal("2.0")})

    assert (baseline.served, richer.served) == (1, 2)
    round_.refresh_from_db()
    assert (round_.status, round_.version) == (AllocationRound.Status.OPEN, version)
    assert not AllocationLine.objects.exists()
    assert not Placement.objects.exists()
    assert {r.status for r in PlaceRequest.objects.filter(pk__in=[r.pk for r in requests])} == {"waiting"}
    assert AuditEvent.objects.filter(object_type="measures.allocationround", detail__simulation=True).count() == 2


def test_a_proposal_refuses_budget_factors(coordination_member):
    round_ = open_round(coordination_member)

    with pytest.raises(ValidationError):
        round_propose(round=round_, by=coordination_member, budget_factors={"smig": Decimal("1.1")})


def test_it_refuses_a_period_ending_before_it_starts_or_spanning_two_years(coordination_member):
    with pytest.raises(ValidationError, match="La fin de la période"):
        round_open(period_start=dt.date(YEAR, 6, 1), period_end=dt.date(YEAR, 5, 1), opened_by=coordination_member)
    with pytest.raises(ValidationError, match="une seule année"):
        round_open(period_start=dt.date(YEAR, 6, 1), period_end=dt.date(YEAR + 1, 5, 1), opened_by=coordination_member)

    assert not AllocationRound.objects.exists()


def test_it_refuses_a_round_in_a_closed_budget_year(coordination_member):
    measure = measure_with_budget(by=coordination_member)
    line = budget(measure=measure, year=YEAR + 1, sector="laci", places=1, amount=Decimal(1), by=coordination_member)
    line.year.closed_at = dt.datetime(YEAR + 1, 12, 31, tzinfo=dt.UTC)
    line.year.save()

    with pytest.raises(ValidationError, match="clôturée"):
        round_open(
            period_start=dt.date(YEAR + 1, 1, 1), period_end=dt.date(YEAR + 1, 6, 30), opened_by=coordination_member
        )


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_it_refuses_anyone_outside_the_coordination_group(request, persona, coordination_member):
    user = request.getfixturevalue(persona)
    round_ = open_round(coordination_member)

    with pytest.raises(PermissionDenied):
        round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=user)
    with pytest.raises(PermissionDenied):
        round_propose(round=round_, by=user)
    with pytest.raises(PermissionDenied):
        round_propose(round=round_, by=user, simulate=True)
