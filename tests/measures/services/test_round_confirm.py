"""Adjusting a proposal, confirming it into placements, stale writes; proposing a released place."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditEvent
from measures.models import AllocationLine, AllocationRound, Placement, PlaceRequest, UnservedReason
from measures.services.allocation import (
    StaleRound,
    place_released_propose,
    round_adjust_line,
    round_confirm,
    round_open,
    round_propose,
)
from tests.measures.allocation_builders import PERIOD, YEAR, measure_with_budget, place_request

pytestmark = pytest.mark.django_db


def proposed_round(member):
    round_ = round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=member)
    round_propose(round=round_, by=member)
    round_.refresh_from_db()
    return round_


def line_of(round_, request):
    return AllocationLine.objects.get(round=round_, request=request)


def test_confirming_creates_the_placements_and_keeps_the_rest_waiting(coordination_member, orp_counsellor):
    measure = measure_with_budget(by=coordination_member, places=1, price=Decimal("1200.00"))
    served = place_request(by=orp_counsellor, preferences=[measure], desired_start=dt.date(YEAR, 3, 15))
    waiting = place_request(by=orp_counsellor, preferences=[measure])
    round_ = proposed_round(coordination_member)

    placements = round_confirm(round=round_, by=coordination_member, expected_version=round_.version)

    assert len(placements) == 1
    placement = Placement.objects.get()
    assert (placement.request_id, placement.measure_id, placement.status) == (served.pk, measure.pk, "planned")
    assert (placement.starts_on, placement.planned_end_on) == (dt.date(YEAR, 3, 15), PERIOD[1])
    assert placement.price_per_month == Decimal("1200.00")
    assert placement.round_id == round_.pk
    assert PlaceRequest.objects.get(pk=served.pk).status == PlaceRequest.Status.PLACED
    assert PlaceRequest.objects.get(pk=waiting.pk).status == PlaceRequest.Status.WAITING
    assert line_of(round_, waiting).waiting_position == 1
    round_.refresh_from_db()
    assert round_.status == AllocationRound.Status.CONFIRMED
    assert AuditEvent.objects.filter(object_type="measures.placement", action="create").count() == 1


def test_a_stale_confirmation_is_refused_and_writes_nothing(coordination_member, orp_counsellor):
    measure = measure_with_budget(by=coordination_member, places=2)
    place_request(by=orp_counsellor, preferences=[measure])
    round_ = proposed_round(coordination_member)
    stale_version = round_.version
    round_propose(round=round_, by=coordination_member)  # another member recomputed it meanwhile

    with pytest.raises(StaleRound):
        round_confirm(round=round_, by=coordination_member, expected_version=stale_version)

    assert not Placement.objects.exists()
    assert AllocationRound.objects.get(pk=round_.pk).status == AllocationRound.Status.PROPOSED


def test_a_confirmation_that_no_longer_fits_is_refused(coordination_member, orp_counsellor):
    measure = measure_with_budget(by=coordination_member, places=1)
    place_request(by=orp_counsellor, preferences=[measure])
    first = proposed_round(coordination_member)
    second = proposed_round(coordination_member)  # proposes the same last place
    round_confirm(round=first, by=coordination_member, expected_version=first.version)

    with pytest.raises(ValidationError, match="n'est plus en attente"):
        round_confirm(round=second, by=coordination_member, expected_version=second.version)

    assert Placement.objects.count() == 1


def test_two_rounds_for_different_requests_cannot_overbook_the_last_place(coordination_member, orp_counsellor):
    measure = measure_with_budget(by=coordination_member, places=1)
    place_request(by=orp_counsellor, preferences=[measure])
    first = proposed_round(coordination_member)
    place_request(by=orp_counsellor, preferences=[measure], urgent=True)  # the second round serves this one
    second = proposed_round(coordination_member)
    round_confirm(round=first, by=coordination_member, expected_version=first.version)

    with pytest.raises(ValidationError, match="plus assez de places"):
        round_confirm(round=second, by=coordination_member, expected_version=second.version)

    assert Placement.objects.count() == 1


def test_a_member_moves_a_request_to_another_preference(coordination_member, orp_counsellor):
    first = measure_with_budget(by=coordination_member, places=1)
    second = measure_with_budget(by=coordination_member, places=1)
    request = place_request(by=orp_counsellor, preferences=[first, second])
    round_ = proposed_round(coordination_member)

    line = round_adjust_line(
        line=line_of(round_, request), by=coordination_member, measure=second, expected_version=round_.version
    )

    assert (line.measure_id, line.rank, line.adjusted_by) == (second.pk, 2, coordination_member)
    assert AllocationRound.objects.get(pk=round_.pk).version == round_.version + 1


def test_an_adjustment_that_overbooks_is_refused(coordination_member, orp_counsellor):
    first = measure_with_budget(by=coordination_member, places=1)
    second = measure_with_budget(by=coordination_member, places=1)
    place_request(by=orp_counsellor, preferences=[second], urgent=True)
    mover = place_request(by=orp_counsellor, preferences=[first, second])
    round_ = proposed_round(coordination_member)

    with pytest.raises(ValidationError, match="plus assez de places"):
        round_adjust_line(
            line=line_of(round_, mover), by=coordination_member, measure=second, expected_version=round_.version
        )

    assert line_of(round_, mover).measure_id == first.pk


def test_an_adjustment_outside_the_preferences_is_refused(coordination_member, orp_counsellor):
    first = measure_with_budget(by=coordination_member, places=1)
    other = measure_with_budget(by=coordination_member, places=1)
    request = place_request(by=orp_counsellor, preferences=[first])
    round_ = proposed_round(coordination_member)

    with pytest.raises(ValidationError, match="préférences"):
        round_adjust_line(
            line=line_of(round_, request), by=coordination_member, measure=other, expected_version=round_.version
        )


def test_a_request_set_aside_joins_the_waiting_list(coordination_member, orp_counsellor):
    measure = measure_with_budget(by=coordination_member, places=2)
    kept = place_request(by=orp_counsellor, preferences=[measure])
    set_aside = place_request(by=orp_counsellor, preferences=[measure])
    round_ = proposed_round(coordination_member)

    line = round_adjust_line(
        line=line_of(round_, set_aside), by=coordination_member, measure=None, expected_version=round_.version
    )
    round_confirm(round=round_, by=coordination_member, expected_version=round_.version + 1)

    assert (line.measure_id, line.unserved_reason, line.waiting_position) == (
        None,
        UnservedReason.SET_ASIDE,
        1,
    )
    assert list(Placement.objects.values_list("request_id", flat=True)) == [kept.pk]


def test_a_released_place_is_proposed_to_the_first_fitting_waiting_request(
    coordination_member, orp_counsellor, smig_counsellor
):
    measure = measure_with_budget(by=coordination_member, places=3, sector_places={"laci": 2, "smig": 0})
    other = measure_with_budget(by=coordination_member, places=3)
    place_request(by=orp_counsellor, preferences=[other], urgent=True)  # does not want this measure
    place_request(by=smig_counsellor, preferences=[measure], sector="smig", urgent=True)  # no SMIG budget
    place_request(by=orp_counsellor, preferences=[measure], kind="occupation")  # another kind of place
    first_fitting = place_request(by=orp_counsellor, preferences=[other, measure])
    place_request(by=orp_counsellor, preferences=[measure])  # younger

    proposed = place_released_propose(
        measure=measure, place_kind="professional", on=dt.date(YEAR, 5, 1), by=coordination_member
    )

    assert proposed is not None and proposed.pk == first_fitting.pk
    assert PlaceRequest.objects.get(pk=first_fitting.pk).status == PlaceRequest.Status.PROPOSED
    assert AuditEvent.objects.filter(object_type="measures.placerequest", detail__has_key="released_place").exists()


def test_nobody_is_proposed_when_nobody_fits(coordination_member, orp_counsellor):
    measure = measure_with_budget(by=coordination_member, places=3)
    place_request(by=orp_counsellor, preferences=[measure], kind="occupation")

    assert place_released_propose(measure=measure, place_kind="professional", on=dt.date(YEAR, 5, 1), by=None) is None


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_adjusting_and_confirming_are_refused_outside_the_coordination_group(
    request, persona, coordination_member, orp_counsellor
):
    user = request.getfixturevalue(persona)
    measure = measure_with_budget(by=coordination_member, places=1)
    place_req = place_request(by=orp_counsellor, preferences=[measure])
    round_ = proposed_round(coordination_member)

    with pytest.raises(PermissionDenied):
        round_adjust_line(line=line_of(round_, place_req), by=user, measure=None, expected_version=round_.version)
    with pytest.raises(PermissionDenied):
        round_confirm(round=round_, by=user, expected_version=round_.version)
    assert not Placement.objects.exists()
