"""Requesting a case summary from the case page (cases.views.case_summary), and what becomes of the job."""

import pytest
from django.urls import reverse

from cases.services.consents import consent_revoke
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _shared_case(orp_counsellor, services):  # type: ignore[no-untyped-def]
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    return case, consent


def _url(case) -> str:  # type: ignore[no-untyped-def]
    return reverse("cases:case_summary_request", args=[case.reference])


def test_the_case_page_offers_the_summary_button(client_for, orp_counsellor, services):
    case, _consent = _shared_case(orp_counsellor, services)

    content = client_for(orp_counsellor).get(reverse("cases:detail", args=[case.reference])).content.decode()

    assert f'action="{_url(case)}"' in content
    assert "Résumé PDF pour une séance de réseau" in content


def test_a_caseworker_of_the_lead_service_requests_it_and_follows_its_progress(
    client_for, orp_counsellor, services, django_capture_on_commit_callbacks
):
    case, _consent = _shared_case(orp_counsellor, services)
    client = client_for(orp_counsellor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(case))

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[job.pk])
    assert (job.kind, job.requested_by, job.status) == (ReportKind.CASE_SUMMARY, orp_counsellor, ReportStatus.DONE)
    detail = client.get(response["Location"]).content.decode()
    assert case.reference in detail
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 200


def test_it_accepts_only_a_post(client_for, orp_counsellor, services):
    case, _consent = _shared_case(orp_counsellor, services)

    assert client_for(orp_counsellor).get(_url(case)).status_code == 405
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "platform_admin", "data_protection_officer"])
def test_it_answers_404_to_a_user_whose_service_does_not_see_the_case(
    request, client_for, orp_counsellor, services, persona, django_capture_on_commit_callbacks
):
    case, _consent = _shared_case(orp_counsellor, services)
    user = request.getfixturevalue(persona)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(_url(case))
        missing = client_for(user).post(reverse("cases:case_summary_request", args=["CII-2026-99999"]))

    assert response.status_code == 404
    assert missing.status_code == 404
    assert not ReportJob.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user, object_id=str(case.pk)).exists()


def test_after_the_consent_is_revoked_the_invited_services_summary_is_gone(
    client_for, orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks
):
    case, consent = _shared_case(orp_counsellor, services)
    oai, orp = client_for(oai_counsellor), client_for(orp_counsellor)
    with django_capture_on_commit_callbacks(execute=True):
        oai.post(_url(case))
        orp.post(_url(case))
    theirs = ReportJob.objects.get(requested_by=oai_counsellor)
    ours = ReportJob.objects.get(requested_by=orp_counsellor)
    assert oai.get(reverse("reports:download", args=[theirs.pk])).status_code == 200

    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    assert oai.get(reverse("reports:download", args=[theirs.pk])).status_code == 404
    assert oai.get(reverse("reports:detail", args=[theirs.pk])).status_code == 404
    assert oai.get(reverse("reports:status", args=[theirs.pk])).status_code == 404
    assert list(oai.get(reverse("reports:list")).context["page"].rows) == []
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=oai_counsellor, object_type="reports.reportjob"
    ).exists()
    # The lead service keeps its own summary.
    assert [job.pk for job in orp.get(reverse("reports:list")).context["page"].rows] == [ours.pk]
    assert orp.get(reverse("reports:download", args=[ours.pk])).status_code == 200
