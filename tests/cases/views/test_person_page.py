"""The person page: identity, full AVS number, contact, and only the case files one may see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_the_page_shows_identity_full_avs_contact_and_the_services_own_case_files(client_for, orp_counsellor, services):
    person = PersonFactory(phone="032 889 00 00", email="p@example.ch", address="Rue de la Gare 3", commune="Boudry")
    own = open_case(lead_service=services["semp"], opened_by=orp_counsellor, person=person)
    other = open_case(lead_service=services["oai"], person=person)

    response = client_for(orp_counsellor).get(reverse("cases:person_detail", args=[person.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for shown in (person.last_name, person.first_name, person.avs_number, "032 889 00 00", "p@example.ch", "Boudry"):
        assert shown in page
    assert person.birth_date.strftime("%d.%m.%Y") in page
    assert own.reference in page
    assert "Service de l&#x27;emploi" in page
    assert other.reference not in page
    assert "Office de l&#x27;assurance-invalidité" not in page
    assert f"{reverse('cases:signal')}?personne={person.pk}" in page


def test_opening_the_page_is_audited_as_a_read_of_the_person(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"])

    client_for(orp_counsellor).get(reverse("cases:person_detail", args=[case.person_id]))

    read = AuditEvent.objects.get(action=AuditAction.READ, object_type="cases.person")
    assert read.person_id == str(case.person_id)
    assert read.actor == orp_counsellor
    assert read.ip_address == "127.0.0.1"


def test_a_person_of_another_service_answers_404_like_a_missing_one(client_for, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], person=PersonFactory(last_name="Vuilleumier"))
    client = client_for(oai_counsellor)

    forbidden = client.get(reverse("cases:person_detail", args=[case.person_id]))
    missing = client.get(reverse("cases:person_detail", args=[case.person_id + 999]))

    assert forbidden.status_code == missing.status_code == 404
    assert _without_csrf(forbidden.content) == _without_csrf(missing.content)
    assert case.person.last_name not in forbidden.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_type="cases.person").count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()


def test_a_service_with_a_shared_case_sees_the_person_and_only_that_case(client_for, oai_counsellor, services):
    person = PersonFactory()
    shared = open_case(lead_service=services["semp"], person=person)
    hidden = open_case(lead_service=services["saso"], person=person)
    access_grant(service=services["oai"], obj=shared, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    response = client_for(oai_counsellor).get(reverse("cases:person_detail", args=[person.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert shared.reference in page
    assert hidden.reference not in page


@pytest.mark.parametrize("persona", ["gp_cii_member", "platform_admin", "outsider"])
def test_accounts_without_case_access_get_404(request, client_for, persona, services):
    user = request.getfixturevalue(persona)
    case = open_case(lead_service=services[user.service.code])

    assert client_for(user).get(reverse("cases:person_detail", args=[case.person_id])).status_code == 404


def test_a_coordination_member_sees_the_person_without_the_signal_button(client_for, coordination_member, services):
    case = open_case(lead_service=services["semp"])

    response = client_for(coordination_member).get(reverse("cases:person_detail", args=[case.person_id]))

    assert response.status_code == 200
    assert reverse("cases:signal") not in response.content.decode()


def test_anonymous_visitors_are_asked_to_log_in(client, services):
    case = open_case(lead_service=services["semp"])

    response = client.get(reverse("cases:person_detail", args=[case.person_id]))

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()


def test_the_page_costs_the_same_queries_for_3_and_for_15_case_files(client_for, orp_counsellor, services):
    person = PersonFactory()
    client = client_for(orp_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:person_detail", args=[person.pk])).status_code == 200
        return len(queries)

    for _ in range(3):
        open_case(lead_service=services["semp"], person=person)
    with_3 = page_queries()
    for _ in range(12):
        open_case(lead_service=services["semp"], person=person)
    with_15 = page_queries()

    assert with_3 == with_15
