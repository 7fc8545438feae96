"""Which requests and placements a user sees, and what they see of the person behind them."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from cii_platform.accounts.models import Role
from cii_platform.audit.models import AuditEvent
from measures.selectors.requests import (
    place_request_get_visible,
    place_requests_page,
    placement_get_visible,
    placements_page,
)
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case
from tests.measures.placement_builders import ask, offer, placement_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def saso_delegate(make_account):  # type: ignore[no-untyped-def]
    return make_account("coord.saso", "saso", "ssr-littoral-ouest", (Role.COORDINATION_GROUP,))


@pytest.fixture
def semp_request(orp_counsellor, services):  # type: ignore[no-untyped-def]
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    return ask(orp_counsellor, offer(), case=case)


def test_caseworkers_see_their_service_requests_and_members_see_all(
    semp_request, orp_counsellor, ssr_social_worker, coordination_member
):
    sas_request = ask(ssr_social_worker, offer(), sector="sas", pseudonym="SSR-1")
    assert [r.pk for r in place_requests_page(user=orp_counsellor, after=None).rows] == [semp_request.pk]
    assert [r.pk for r in place_requests_page(user=ssr_social_worker, after=None).rows] == [sas_request.pk]
    assert [r.pk for r in place_requests_page(user=coordination_member, after=None).rows] == [
        sas_request.pk,
        semp_request.pk,
    ]


def test_an_account_without_a_role_on_places_sees_no_request_and_a_named_one_is_a_404(
    semp_request, outsider, gp_cii_member, smig_counsellor
):
    for user in (outsider, gp_cii_member, smig_counsellor):
        assert place_requests_page(user=user, after=None).rows == []
        with pytest.raises(Http404):
            place_request_get_visible(user=user, pk=semp_request.pk)
    assert AuditEvent.objects.filter(action="access_denied", object_type="measures.placerequest").count() == 3


def test_the_requesting_service_sees_the_person_and_audits_the_read(semp_request, orp_counsellor):
    shown = place_request_get_visible(user=orp_counsellor, pk=semp_request.pk)
    assert shown.shows_person
    assert shown.case_reference == semp_request.case.reference
    assert shown.person_name == f"{semp_request.case.person.first_name} {semp_request.case.person.last_name}"
    event = AuditEvent.objects.get(action="read", object_type="measures.placerequest")
    assert event.person_id == str(semp_request.case.person_id)


def test_a_member_of_another_service_sees_only_the_pseudonym(semp_request, saso_delegate):
    shown = place_request_get_visible(user=saso_delegate, pk=semp_request.pk)
    assert not shown.shows_person
    assert (shown.person_name, shown.case_reference) == ("", "")
    assert shown.pseudonym == f"Personne {semp_request.reference}"
    # No identity shown, no read of the person.
    assert not AuditEvent.objects.filter(action="read", object_type="measures.placerequest").exists()


def test_a_member_whose_service_takes_part_under_a_consent_sees_the_person(
    semp_request, saso_delegate, orp_counsellor, services
):
    case = semp_request.case
    consent = record_consent(case, orp_counsellor, [services["semp"], services["saso"]])
    invite_on_consent(case, services["saso"], orp_counsellor, consent)

    row = place_requests_page(user=saso_delegate, after=None).rows[0]

    assert row.shows_person and row.case_reference == case.reference


def test_a_placement_shows_its_person_under_the_same_rule(semp_request, orp_counsellor, saso_delegate, outsider):
    measure = semp_request.preferences.get().measure
    placement = placement_row(semp_request, measure, starts_on=dt.date(2026, 3, 2), planned_end_on=dt.date(2026, 8, 31))

    assert placement_get_visible(user=orp_counsellor, pk=placement.pk).request.shows_person
    other = placement_get_visible(user=saso_delegate, pk=placement.pk)
    assert not other.request.shows_person and other.can_act
    with pytest.raises(Http404):
        placement_get_visible(user=outsider, pk=placement.pk)


def _requests(count: int, *, user, services):  # type: ignore[no-untyped-def]
    measures = [offer(), offer(), offer()]
    for number in range(count):
        case = open_case(lead_service=services["semp"], opened_by=user) if number % 2 else None
        place_request = ask(user, *measures, case=case, pseudonym="" if case else f"P-{number}")
        placement_row(place_request, measures[0], starts_on=dt.date(2026, 3, 2), planned_end_on=dt.date(2026, 8, 31))


def test_the_lists_cost_the_same_queries_for_2_and_for_20_rows(orp_counsellor, coordination_member, services):
    def measure(user):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as requests:
            rows = place_requests_page(user=user, after=None).rows
            shown = [
                (row.service.name, row.requested_by.username, [p.measure.name for p in row.preferences.all()])
                for row in rows
            ]
        with CaptureQueriesContext(connection) as placements:
            placed = placements_page(user=user, after=None).rows
            shown += [(p.measure.name, p.request.service.name, [p.request.pseudonym]) for p in placed]
        assert len(shown) == 2 * len(rows)
        return len(rows), len(requests), len(placements)

    _requests(2, user=orp_counsellor, services=services)
    for user in (orp_counsellor, coordination_member):
        measure(user)  # roles and permission groups are read once per user, then cached on it
    few = {user.username: measure(user) for user in (orp_counsellor, coordination_member)}
    _requests(18, user=orp_counsellor, services=services)
    many = {user.username: measure(user) for user in (orp_counsellor, coordination_member)}
    for username in few:
        assert (few[username][0], many[username][0]) == (2, 20)
        assert few[username][1:] == many[username][1:]
