"""Case-file pages: visible to the services granted, 404 for everyone else."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_a_caseworker_sees_the_cases_of_their_service_in_the_list(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    other = open_case(lead_service=services["oai"], opened_by=None)

    response = client_for(orp_counsellor).get(reverse("cases:list"))

    assert response.status_code == 200
    assert case.reference in response.content.decode()
    assert other.reference not in response.content.decode()


def test_the_list_asks_anonymous_visitors_to_log_in(client, services):
    response = client.get(reverse("cases:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_opening_a_case_of_the_service_shows_it_and_audits_the_read(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).get(reverse("cases:detail", args=[case.reference]))

    assert response.status_code == 200
    assert case.reference in response.content.decode()
    read = AuditEvent.objects.get(action=AuditAction.READ, object_id=str(case.pk))
    assert read.actor == orp_counsellor
    assert read.legal_basis == "Service pilote du dossier"
    assert read.ip_address == "127.0.0.1"


def test_a_case_of_another_service_answers_404_like_a_missing_one_and_the_attempt_is_audited(
    client_for, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=None)
    client = client_for(oai_counsellor)

    forbidden = client.get(reverse("cases:detail", args=[case.reference]))
    missing = client.get(reverse("cases:detail", args=["CII-2026-99999"]))

    assert forbidden.status_code == missing.status_code == 404
    assert _without_csrf(forbidden.content) == _without_csrf(missing.content)
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_id=str(case.pk)).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(case.pk)).exists()


def test_revoking_the_grant_closes_the_page_at_once(client_for, orp_counsellor, oai_counsellor, services):
    from cii_platform.access import access_revoke

    case = open_case(lead_service=services["semp"], opened_by=None)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)
    client = client_for(oai_counsellor)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200

    access_revoke(service=services["oai"], obj=case, capability=Capability.VIEW, revoked_by=orp_counsellor)

    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404


def test_the_list_page_costs_the_same_queries_for_10_and_for_60_cases(client_for, orp_counsellor, services):
    client = client_for(orp_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:list")).status_code == 200
        return len(queries)

    for _ in range(10):
        open_case(lead_service=services["semp"], opened_by=None)
    with_10 = page_queries()
    for _ in range(50):
        open_case(lead_service=services["semp"], opened_by=None)
    with_60 = page_queries()

    assert with_10 == with_60


def test_the_list_pages_without_counting_everything(client_for, orp_counsellor, services):
    cases = [open_case(lead_service=services["semp"], opened_by=None) for _ in range(55)]
    client = client_for(orp_counsellor)

    first = client.get(reverse("cases:list")).content.decode()
    assert cases[-1].reference in first
    assert cases[0].reference not in first
    after = cases[5].pk
    assert f"?apres={after}" in first

    second = client.get(reverse("cases:list"), {"apres": after}).content.decode()
    assert cases[0].reference in second
    assert cases[-1].reference not in second
