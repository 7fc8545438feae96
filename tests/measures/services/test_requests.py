"""Place requests: submitting on a case or under a pseudonym, changing and withdrawing them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditEvent
from measures.models import PlaceKind, PlacePreference, PlaceRequest
from measures.services.requests import (
    StalePlaceRequest,
    place_request_submit,
    place_request_update,
    place_request_withdraw,
)
from tests.factories import open_case
from tests.measures.factories import MeasureFactory
from tests.measures.placement_builders import ask, offer

pytestmark = pytest.mark.django_db


def test_it_records_a_request_on_a_case_of_the_service_under_a_pseudonym_taken_from_its_reference(
    orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    first, second = offer(name="Horlogerie"), offer(name="Vente")

    place_request = ask(orp_counsellor, first, second, case=case, priority="urgent")

    assert place_request.reference.startswith("DP-")
    assert place_request.reference[3:7].isdigit() and len(place_request.reference) == len("DP-2026-00001")
    assert place_request.pseudonym == f"Personne {place_request.reference}"
    assert place_request.service == services["semp"]
    assert place_request.status == PlaceRequest.Status.WAITING
    assert [(p.rank, p.measure) for p in place_request.preferences.order_by("rank")] == [(1, first), (2, second)]
    event = AuditEvent.objects.get(action="create", object_type="measures.placerequest")
    assert event.person_id == str(case.person_id)
    assert event.detail["preferences"] == [first.code, second.code]


def test_it_numbers_the_requests_of_the_year_one_after_the_other(orp_counsellor):
    measure = offer()
    first = ask(orp_counsellor, measure, pseudonym="A-1")
    second = ask(orp_counsellor, measure, pseudonym="A-2")
    assert int(second.reference[-5:]) == int(first.reference[-5:]) + 1
    assert first.reference[:8] == second.reference[:8]


def test_it_keeps_the_pseudonym_of_a_request_without_case_and_audits_no_person(ssr_social_worker):
    place_request = ask(ssr_social_worker, offer(), sector="sas", pseudonym="  SSR-07  ")
    assert place_request.pseudonym == "SSR-07"
    assert place_request.case is None
    assert AuditEvent.objects.get(action="create", object_type="measures.placerequest").person_id == ""


def test_it_refuses_a_request_without_case_nor_pseudonym_and_saves_nothing(orp_counsellor):
    with pytest.raises(ValidationError) as refused:
        place_request_submit(
            requested_by=orp_counsellor,
            sector="laci",
            place_kind=PlaceKind.PROFESSIONAL,
            priority="normal",
            desired_start=dt.date(2026, 3, 2),
            preferences=[offer()],
        )
    assert "pseudonyme" in refused.value.message_dict["pseudonym"][0]
    assert not PlaceRequest.objects.exists()


def test_it_refuses_a_request_for_a_case_of_another_service_and_saves_nothing(
    orp_counsellor, ssr_social_worker, services
):
    other_case = open_case(lead_service=services["saso"], opened_by=ssr_social_worker)
    with pytest.raises(ValidationError) as refused:
        ask(orp_counsellor, offer(), case=other_case)
    assert "dossier que votre service peut modifier" in refused.value.message_dict["case"][0]
    assert not PlaceRequest.objects.exists()
    assert not PlacePreference.objects.exists()


@pytest.mark.parametrize(
    ("build", "field", "words"),
    [
        (lambda: [], "preferences", "au moins une mesure"),
        (lambda: [offer(), offer(), offer(), offer()], "preferences", "au plus trois"),
        (lambda: [m := offer(), m], "preferences", "qu'une fois"),
        (
            lambda: [MeasureFactory(active_from=dt.date(2010, 1, 1), active_until=dt.date(2025, 12, 31))],
            "preferences",
            "n'est pas active",
        ),
        (lambda: [offer(kind=PlaceKind.OCCUPATION)], "preferences", "n'offre pas de places"),
    ],
)
def test_it_refuses_bad_preferences_with_a_french_message_and_saves_nothing(orp_counsellor, build, field, words):
    with pytest.raises(ValidationError) as refused:
        ask(orp_counsellor, *build(), pseudonym="X-1")
    assert any(words in message for message in refused.value.message_dict[field])
    assert not PlaceRequest.objects.exists()


def test_it_refuses_to_commit_the_budget_of_another_sector(ssr_social_worker):
    with pytest.raises(ValidationError) as refused:
        ask(ssr_social_worker, offer(), sector="laci", pseudonym="X-1")
    assert "ses propres secteurs (SAS" in refused.value.message_dict["sector"][0]
    assert not PlaceRequest.objects.exists()


def test_it_refuses_a_request_from_someone_who_is_not_a_caseworker(coordination_member, outsider):
    for user in (coordination_member, outsider):
        with pytest.raises(PermissionDenied):
            ask(user, offer(), pseudonym="X-1")
    assert not PlaceRequest.objects.exists()


def test_it_changes_a_waiting_request_and_refuses_a_stale_version(orp_counsellor):
    first, second = offer(), offer()
    place_request = ask(orp_counsellor, first, pseudonym="X-1")

    updated = place_request_update(
        place_request=place_request,
        expected_version=1,
        by=orp_counsellor,
        sector="mip",
        place_kind=PlaceKind.PROFESSIONAL,
        priority="urgent",
        desired_start=dt.date(2026, 4, 1),
        preferences=[second, first],
        remarks="Disponible le matin.",
    )
    assert (updated.version, updated.sector, updated.priority) == (2, "mip", "urgent")
    assert [p.measure for p in updated.preferences.order_by("rank")] == [second, first]

    with pytest.raises(StalePlaceRequest) as stale:
        place_request_update(
            place_request=place_request,
            expected_version=1,
            by=orp_counsellor,
            sector="laci",
            place_kind=PlaceKind.PROFESSIONAL,
            priority="normal",
            desired_start=dt.date(2026, 5, 1),
            preferences=[first],
        )
    assert "modifiée par quelqu'un d'autre" in stale.value.messages[0]
    place_request.refresh_from_db()
    assert (place_request.version, place_request.sector) == (2, "mip")


def test_only_the_requesting_service_withdraws_a_request(orp_counsellor, smig_counsellor):
    place_request = ask(orp_counsellor, offer(), pseudonym="X-1")
    with pytest.raises(PermissionDenied):
        place_request_withdraw(place_request=place_request, expected_version=1, by=smig_counsellor)

    withdrawn = place_request_withdraw(place_request=place_request, expected_version=1, by=orp_counsellor)

    assert withdrawn.status == PlaceRequest.Status.WITHDRAWN
    with pytest.raises(ValidationError, match="ne peut pas être retirée"):
        place_request_withdraw(place_request=withdrawn, expected_version=2, by=orp_counsellor)
