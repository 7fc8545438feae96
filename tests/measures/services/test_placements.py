"""Placements: starting one from a request, ending it with an exit reason, cancelling it; the place released."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cii_platform.audit.models import AuditEvent
from measures.models import Placement, PlaceRequest
from measures.services.placements import StalePlacement, placement_cancel, placement_end, placement_start
from tests.factories import open_case
from tests.measures.placement_builders import ask, offer, place_release_watched

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


def _started(user, by, measure, **kwargs):  # type: ignore[no-untyped-def]
    place_request = ask(user, measure, **kwargs)
    return placement_start(
        place_request=place_request, measure=measure, starts_on=START, planned_end_on=dt.date(2026, 8, 31), by=by
    )


def test_a_member_places_a_request_at_the_measure_price_and_the_request_becomes_placed(
    orp_counsellor, coordination_member, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    measure = offer(price="2100.00")

    placement = _started(orp_counsellor, coordination_member, measure, case=case)

    assert (placement.status, placement.sector, placement.price_per_month) == (
        "active",
        "laci",
        measure.price_per_place_month,
    )
    assert placement.request.status == PlaceRequest.Status.PLACED
    event = AuditEvent.objects.get(action="create", object_type="measures.placement")
    assert event.person_id == str(case.person_id)


def test_it_refuses_a_placement_when_the_measure_has_no_free_place_of_that_kind(orp_counsellor, coordination_member):
    measure = offer(places=1)
    _started(orp_counsellor, coordination_member, measure, pseudonym="A-1")
    second = ask(orp_counsellor, measure, pseudonym="A-2")

    with pytest.raises(ValidationError, match="n'a plus de place"):
        placement_start(
            place_request=second,
            measure=measure,
            starts_on=START,
            planned_end_on=dt.date(2026, 6, 30),
            by=coordination_member,
        )
    assert Placement.objects.count() == 1
    second.refresh_from_db()
    assert second.status == PlaceRequest.Status.WAITING


def test_ending_a_placement_records_the_exit_and_proposes_the_released_place(orp_counsellor, coordination_member):
    measure = offer()
    placement = _started(orp_counsellor, coordination_member, measure, pseudonym="A-1")

    with place_release_watched() as released:
        ended = placement_end(
            placement=placement,
            ended_on=dt.date(2026, 5, 15),
            exit_reason="first_labour_market",
            by=orp_counsellor,
            expected_version=placement.version,
        )

    assert (ended.status, ended.ended_on, ended.exit_reason, ended.version) == (
        "ended",
        dt.date(2026, 5, 15),
        "first_labour_market",
        2,
    )
    released.assert_called_once_with(
        measure=ended.measure, place_kind=ended.place_kind, on=dt.date(2026, 5, 16), by=orp_counsellor
    )


@pytest.mark.parametrize(
    ("ended_on", "reason", "field", "words"),
    [
        (dt.date(2026, 3, 1), "training", "ended_on", "ne peut pas précéder le début du placement (02.03.2026)"),
        (dt.date(2026, 5, 1), "", "exit_reason", "Indiquez le motif de sortie"),
        (None, "training", "ended_on", "Indiquez la date de fin effective"),
        (dt.date(2026, 5, 1), "vacances", "exit_reason", "n'existe pas"),
    ],
)
def test_it_refuses_a_bad_end_with_a_french_message_and_changes_nothing(
    orp_counsellor, coordination_member, ended_on, reason, field, words
):
    placement = _started(orp_counsellor, coordination_member, offer(), pseudonym="A-1")
    with place_release_watched() as released, pytest.raises(ValidationError) as refused:
        placement_end(
            placement=placement, ended_on=ended_on, exit_reason=reason, by=coordination_member, expected_version=1
        )
    assert any(words in message for message in refused.value.message_dict[field])
    placement.refresh_from_db()
    assert (placement.status, placement.ended_on, placement.version) == ("active", None, 1)
    released.assert_not_called()


def test_it_refuses_an_end_in_the_future(orp_counsellor, coordination_member):
    placement = _started(orp_counsellor, coordination_member, offer(), pseudonym="A-1")
    with pytest.raises(ValidationError, match="dans le futur"):
        placement_end(
            placement=placement,
            ended_on=timezone.localdate() + dt.timedelta(days=1),
            exit_reason="training",
            by=coordination_member,
            expected_version=1,
        )


def test_it_refuses_to_end_a_placement_on_a_stale_version(orp_counsellor, coordination_member):
    placement = _started(orp_counsellor, coordination_member, offer(), pseudonym="A-1")
    with place_release_watched():
        placement_end(placement=placement, ended_on=START, exit_reason="health", by=orp_counsellor, expected_version=1)
    with pytest.raises(StalePlacement):
        placement_end(
            placement=placement, ended_on=START, exit_reason="training", by=orp_counsellor, expected_version=1
        )
    placement.refresh_from_db()
    assert placement.exit_reason == "health"


def test_a_caseworker_of_another_service_may_not_end_or_cancel_a_placement(
    orp_counsellor, smig_counsellor, coordination_member
):
    placement = _started(orp_counsellor, coordination_member, offer(), pseudonym="A-1")
    with pytest.raises(PermissionDenied):
        placement_end(placement=placement, ended_on=START, exit_reason="health", by=smig_counsellor, expected_version=1)
    with pytest.raises(PermissionDenied):
        placement_cancel(placement=placement, by=smig_counsellor, expected_version=1)
    placement.refresh_from_db()
    assert placement.status == "active"


def test_cancelling_a_placement_puts_its_request_back_on_the_waiting_list_and_releases_the_place(
    orp_counsellor, coordination_member
):
    placement = _started(orp_counsellor, coordination_member, offer(), pseudonym="A-1")
    with place_release_watched() as released:
        cancelled = placement_cancel(placement=placement, by=coordination_member, expected_version=1, reason="Erreur")

    assert cancelled.status == "cancelled"
    assert PlaceRequest.objects.get(pk=placement.request_id).status == PlaceRequest.Status.WAITING
    released.assert_called_once_with(
        measure=cancelled.measure, place_kind=cancelled.place_kind, on=timezone.localdate(), by=coordination_member
    )
    with pytest.raises(ValidationError, match="ne peut pas être annulé"):
        placement_cancel(placement=cancelled, by=coordination_member, expected_version=2)


def test_the_released_place_goes_to_the_first_fitting_waiting_request(orp_counsellor, coordination_member):
    from decimal import Decimal

    from tests.measures.factories import budget

    measure = offer(places=1)
    budget(measure=measure, year=2026, sector="laci", places=2, amount=Decimal("60000.00"), by=coordination_member)
    placement = _started(orp_counsellor, coordination_member, measure, pseudonym="A-1")
    waiting = ask(orp_counsellor, measure, pseudonym="A-2", desired_start=dt.date(2026, 5, 1))

    placement_end(
        placement=placement,
        ended_on=dt.date(2026, 4, 30),
        exit_reason="training",
        by=orp_counsellor,
        expected_version=1,
    )

    waiting.refresh_from_db()
    assert waiting.status == PlaceRequest.Status.PROPOSED
