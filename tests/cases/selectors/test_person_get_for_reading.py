"""Reading a person: only through a case file one may see; 404 otherwise; every read audited."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from cases.selectors.persons import (
    person_case_files_visible,
    person_get_for_reading,
    person_likely_duplicates_for,
    person_list_visible,
    person_search_visible,
)
from cii_platform.access import Capability, access_grant, access_revoke
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db


def _events(action: AuditAction, person_id: int):  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(action=action, object_type="cases.person", object_id=str(person_id))


def test_it_returns_a_person_of_the_services_case_and_audits_the_read(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    person = person_get_for_reading(user=orp_counsellor, person_id=case.person_id)

    assert person == case.person
    read = _events(AuditAction.READ, person.pk).get()
    assert read.person_id == str(person.pk)
    assert read.actor == orp_counsellor
    assert read.legal_basis == "Service pilote du dossier"


def test_a_person_of_another_service_answers_404_like_a_missing_one_and_the_attempt_is_audited(
    oai_counsellor, services
):
    case = open_case(lead_service=services["semp"])

    with pytest.raises(Http404):
        person_get_for_reading(user=oai_counsellor, person_id=case.person_id)
    with pytest.raises(Http404):
        person_get_for_reading(user=oai_counsellor, person_id=case.person_id + 1000)

    assert _events(AuditAction.ACCESS_DENIED, case.person_id).get().person_id == str(case.person_id)
    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()


def test_an_absurd_identifier_is_simply_missing(orp_counsellor, services):
    with pytest.raises(Http404):
        person_get_for_reading(user=orp_counsellor, person_id=10**30)


def test_a_shared_case_opens_the_person_and_revoking_it_closes_the_person_at_once(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"])
    access_grant(
        service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="Consentement", granted_by=None
    )

    assert person_get_for_reading(user=oai_counsellor, person_id=case.person_id) == case.person
    assert _events(AuditAction.READ, case.person_id).get().legal_basis == "Consentement"

    access_revoke(service=services["oai"], obj=case, capability=Capability.VIEW, revoked_by=orp_counsellor)

    with pytest.raises(Http404):
        person_get_for_reading(user=oai_counsellor, person_id=case.person_id)


def test_an_expired_grant_no_longer_shows_the_person(oai_counsellor, services):
    case = open_case(lead_service=services["semp"])
    access_grant(
        service=services["oai"],
        obj=case,
        capability=Capability.VIEW,
        legal_basis="Consentement",
        granted_by=None,
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )

    assert not person_list_visible(user=oai_counsellor).exists()
    with pytest.raises(Http404):
        person_get_for_reading(user=oai_counsellor, person_id=case.person_id)


@pytest.mark.parametrize("persona", ["gp_cii_member", "platform_admin", "outsider", "data_protection_officer"])
def test_accounts_without_case_access_see_no_person(request, persona, services):
    user = request.getfixturevalue(persona)
    case = open_case(lead_service=services[user.service.code])

    assert not person_list_visible(user=user).exists()
    with pytest.raises(Http404):
        person_get_for_reading(user=user, person_id=case.person_id)


def test_the_list_holds_each_visible_person_once_newest_first(orp_counsellor, services):
    person = PersonFactory()
    open_case(lead_service=services["semp"], person=person)
    open_case(lead_service=services["semp"], person=person)
    newer = open_case(lead_service=services["semp"]).person
    open_case(lead_service=services["oai"])

    assert list(person_list_visible(user=orp_counsellor)) == [newer, person]
    assert list(person_list_visible(user=orp_counsellor, before_id=newer.pk)) == [person]


def test_the_case_files_of_a_person_are_only_those_the_user_may_see(orp_counsellor, services):
    person = PersonFactory()
    own = open_case(lead_service=services["semp"], person=person)
    open_case(lead_service=services["oai"], person=person)

    assert list(person_case_files_visible(user=orp_counsellor, person=person)) == [own]


def test_the_search_finds_visible_persons_by_avs_number_or_name_only(orp_counsellor, services):
    mine = open_case(lead_service=services["semp"], person=PersonFactory(last_name="Jacot", first_name="Anne")).person
    hidden = open_case(lead_service=services["oai"], person=PersonFactory(last_name="Jacot", first_name="Paul")).person

    digits = mine.avs_number.replace(".", "")
    assert list(person_search_visible(user=orp_counsellor, text=digits)) == [mine]
    assert list(person_search_visible(user=orp_counsellor, text="jacot")) == [mine]
    assert list(person_search_visible(user=orp_counsellor, text=hidden.avs_number)) == []
    assert list(person_search_visible(user=orp_counsellor, text="756.0000.0000.00")) == []


def test_likely_duplicates_tell_only_that_a_hidden_one_exists(orp_counsellor, services):
    born = dt.date(1992, 3, 3)
    mine = open_case(
        lead_service=services["semp"], person=PersonFactory(first_name="Kevin", last_name="Robert", birth_date=born)
    )
    open_case(
        lead_service=services["oai"], person=PersonFactory(first_name="Kevin", last_name="Robert", birth_date=born)
    )
    open_case(
        lead_service=services["oai"], person=PersonFactory(first_name="Kevin", last_name="Robert", birth_date=born)
    )

    found = person_likely_duplicates_for(user=orp_counsellor, first_name=" kevin ", last_name="ROBERT", birth_date=born)

    assert found.visible == [mine.person]
    assert found.others_known is True
    assert not person_likely_duplicates_for(
        user=orp_counsellor, first_name="Kevin", last_name="Robert", birth_date=dt.date(1992, 3, 4)
    )
