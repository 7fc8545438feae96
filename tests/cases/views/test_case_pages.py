"""Case-file pages: visible to the services granted, 404 for everyone else."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.services.action_plans import goal_create, task_create
from cases.services.assessments import ScoreInput, assessment_record
from cases.services.journal import attachment_create, journal_entry_create
from cases.services.meetings import meeting_record
from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.attachments import pdf
from tests.cases.referrals import propose
from tests.cases.sharing import invite_on_consent, record_consent
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


def test_a_case_page_costs_the_same_queries_for_few_and_for_many_rows(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    propose(case, services["saso"], orp_counsellor, basis="lasoc-28")
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    def add(rounds: int) -> None:
        for number in range(rounds):
            goal = goal_create(case=case, title=f"Objectif {number}", created_by=orp_counsellor)
            meeting = meeting_record(
                case=case,
                held_on=yesterday,
                services=[services["semp"], services["oai"]],
                decisions=f"Décision {number}",
                recorded_by=orp_counsellor,
            )
            for service in ("semp", "oai"):
                task_create(
                    case=case,
                    title=f"Tâche {number}",
                    assigned_service=services[service],
                    due_on=timezone.localdate() + dt.timedelta(days=number),
                    created_by=orp_counsellor,
                    goal=goal,
                    meeting=meeting,
                )
            for author, visibility in (
                (orp_counsellor, "network"),
                (orp_counsellor, "service"),
                (oai_counsellor, "service"),
            ):
                journal_entry_create(case=case, author=author, text=f"Note {number}", visibility=visibility)
            attachment_create(
                case=case, uploaded_by=orp_counsellor, title=f"Pièce {number}", document=pdf(), visibility="network"
            )
            for author in (orp_counsellor, oai_counsellor):
                assessment_record(
                    case=case, author=author, assessed_on=yesterday, scores={"debts": ScoreInput(number % 4)}
                )

    def queries(user) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
        return len(captured)

    add(1)
    few = (queries(orp_counsellor), queries(oai_counsellor))
    add(6)
    many = (queries(orp_counsellor), queries(oai_counsellor))

    assert few == many
