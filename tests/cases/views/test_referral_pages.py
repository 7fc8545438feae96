"""Referral pages: the lead proposes, the target answers without seeing the person, others get 404."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseFile, Referral
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.referrals import propose
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def _identity(case: CaseFile) -> list[str]:
    person = case.person
    return [person.last_name, person.first_name, person.avs_number, person.birth_date.strftime("%d.%m.%Y")]


def test_the_lead_proposes_on_a_consent_and_the_target_sees_the_referral_without_the_person(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    lead = client_for(orp_counsellor)

    form = lead.get(reverse("cases:referral_new", args=[case.reference]))
    response = lead.post(
        reverse("cases:referral_new", args=[case.reference]),
        {
            "kind": "share",
            "to_service": services["oai"].pk,
            "basis": f"consent-{consent.pk}",
            "reason": "Capacité de travail réduite : avis AI souhaité.",
        },
    )
    pending = client_for(oai_counsellor).get(reverse("cases:referrals_pending")).content.decode()

    assert form.status_code == 200 and "10 jours" in form.content.decode()
    assert response.status_code == 302
    assert Referral.objects.get().status == "pending"
    assert case.reference in pending
    assert "Capacité de travail réduite" in pending
    assert "Réseau CII NE" in pending and "prise en charge partagée" in pending
    assert "Service de l&#x27;emploi" in pending
    for private in _identity(case):
        assert private not in pending


def test_a_proposal_without_a_basis_gets_a_french_message_and_nothing_is_saved(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:referral_new", args=[case.reference]),
        {"kind": "handover", "to_service": services["oai"].pk, "basis": "", "reason": "Reprise par l'AI."},
    )

    assert response.status_code == 200
    assert "ne peut reposer que sur une base légale" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("persona", ["oai_counsellor", "ssr_social_worker", "coordination_member", "outsider"])
def test_nobody_but_a_caseworker_of_the_lead_service_reaches_the_proposal_pages(
    request, client_for, orp_counsellor, services, persona
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    referral = propose(case, services["saso"], orp_counsellor, basis="lasoc-28")
    client = client_for(request.getfixturevalue(persona))

    forbidden = client.get(reverse("cases:referral_new", args=[case.reference]))
    missing = client.get(reverse("cases:referral_new", args=[MISSING]))
    posted = client.post(
        reverse("cases:referral_new", args=[case.reference]),
        {"kind": "share", "to_service": services["smig"].pk, "basis": "law-lai-68bis", "reason": "x"},
    )
    withdraw = client.post(reverse("cases:referral_withdraw", args=[case.reference, referral.pk]))

    assert forbidden.status_code == missing.status_code == posted.status_code == withdraw.status_code == 404
    assert _without_csrf(forbidden.content) == _without_csrf(missing.content)
    assert Referral.objects.count() == 1
    assert Referral.objects.get().status == "pending"


def test_the_target_accepts_a_shared_handling_and_then_sees_the_case(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)
    client = client_for(oai_counsellor)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404

    page = client.get(reverse("cases:referral_answer", args=[case.reference, referral.pk]))
    response = client.post(reverse("cases:referral_answer", args=[case.reference, referral.pk]), {"decision": "accept"})

    assert page.status_code == 200
    for private in _identity(case):
        assert private not in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.reference])
    assert client.get(response["Location"]).status_code == 200
    read = AuditEvent.objects.filter(action=AuditAction.READ, object_type="cases.referral", object_id=str(referral.pk))
    assert read.first().person_id == str(case.person_id)


def test_a_refusal_needs_a_reason_and_leaves_the_target_without_access(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)
    client = client_for(oai_counsellor)
    url = reverse("cases:referral_answer", args=[case.reference, referral.pk])

    without_reason = client.post(url, {"decision": "refuse", "refusal_reason": ""})
    referral.refresh_from_db()
    assert referral.status == "pending"
    refused = client.post(url, {"decision": "refuse", "refusal_reason": "Aucune atteinte à la santé."})

    assert without_reason.status_code == 200
    assert "Indiquez le motif du refus." in without_reason.content.decode()
    assert refused.status_code == 302 and refused["Location"] == reverse("cases:referrals_pending")
    referral.refresh_from_db()
    assert (referral.status, referral.refusal_reason) == ("refused", "Aucune atteinte à la santé.")
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    assert client.get(url).status_code == 404  # answered: nothing left to see


@pytest.mark.parametrize("persona", ["ssr_social_worker", "orp_counsellor", "cnip_staff", "outsider"])
def test_the_answer_page_answers_404_to_anyone_but_a_caseworker_of_the_target(
    request, client_for, orp_counsellor, services, persona
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)
    client = client_for(request.getfixturevalue(persona))

    forbidden = client.get(reverse("cases:referral_answer", args=[case.reference, referral.pk]))
    missing = client.get(reverse("cases:referral_answer", args=[MISSING, referral.pk]))
    posted = client.post(reverse("cases:referral_answer", args=[case.reference, referral.pk]), {"decision": "accept"})
    pending = client.get(reverse("cases:referrals_pending")).content.decode()

    assert forbidden.status_code == missing.status_code == posted.status_code == 404
    assert _without_csrf(forbidden.content) == _without_csrf(missing.content)
    assert case.reference not in pending
    referral.refresh_from_db()
    assert referral.status == "pending"


def test_a_hand_over_through_the_pages_makes_the_target_the_lead(client_for, orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER)

    client_for(oai_counsellor).post(
        reverse("cases:referral_answer", args=[case.reference, referral.pk]), {"decision": "accept"}
    )

    case.refresh_from_db()
    assert (case.lead_service, case.case_manager) == (services["oai"], oai_counsellor)
    assert client_for(oai_counsellor).get(reverse("cases:referral_new", args=[case.reference])).status_code == 200
    assert client_for(orp_counsellor).get(reverse("cases:referral_new", args=[case.reference])).status_code == 404
    assert client_for(orp_counsellor).get(reverse("cases:detail", args=[case.reference])).status_code == 200


def test_an_unanswered_referral_is_flagged_after_10_days_not_before(
    client_for, orp_counsellor, oai_counsellor, services
):
    late_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    recent_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    late = propose(late_case, services["oai"], orp_counsellor)
    recent = propose(recent_case, services["oai"], orp_counsellor)
    Referral.objects.filter(pk=late.pk).update(created_at=timezone.now() - dt.timedelta(days=11))
    Referral.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(days=9))

    pending = client_for(oai_counsellor).get(reverse("cases:referrals_pending")).content.decode()

    assert "plus de 10 jours est signalée" in pending
    assert pending.count("Sans réponse depuis") == 1
    assert "Sans réponse depuis 11 jours" in pending


def test_the_lead_withdraws_a_proposal_and_the_target_no_longer_sees_it(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)

    response = client_for(orp_counsellor).post(reverse("cases:referral_withdraw", args=[case.reference, referral.pk]))

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    assert case.reference not in client_for(oai_counsellor).get(reverse("cases:referrals_pending")).content.decode()


def test_the_pending_page_costs_the_same_queries_for_10_and_for_60_referrals(
    client_for, orp_counsellor, oai_counsellor, services
):
    client = client_for(oai_counsellor)

    def add(count: int) -> None:
        for _ in range(count):
            propose(open_case(lead_service=services["semp"], opened_by=orp_counsellor), services["oai"], orp_counsellor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:referrals_pending")).status_code == 200
        return len(captured)

    add(10)
    with_10 = queries()
    add(50)
    with_60 = queries()

    assert with_10 == with_60


def test_the_referral_pages_ask_anonymous_visitors_to_log_in(client, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    for url in (reverse("cases:referrals_pending"), reverse("cases:referral_new", args=[case.reference])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
