import pytest
from django.urls import reverse

from cii_platform.accounts.services import account_set_roles
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.services import report_job_render


@pytest.fixture
def done_extract(queued_extract, audited_event):  # type: ignore[no-untyped-def]
    report_job_render(job_id=queued_extract.pk)
    queued_extract.refresh_from_db()
    return queued_extract


def test_it_hands_the_pdf_to_the_data_protection_officer_who_requested_it(
    client_for, data_protection_officer, done_extract, audited_event, read_pdf_text
):
    response = client_for(data_protection_officer).get(reverse("reports:download", args=[done_extract.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert f"extrait-journal-audit-{done_extract.pk}-" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = read_pdf_text(b"".join(response.streaming_content))
    assert "Extrait du journal d'audit" in text
    assert audited_event.actor_username in text


def test_it_audits_the_download_as_a_print(client_for, data_protection_officer, done_extract):
    client_for(data_protection_officer).get(reverse("reports:download", args=[done_extract.pk]))

    event = AuditEvent.objects.get(action=AuditAction.PRINT)
    assert event.actor == data_protection_officer
    assert (event.object_type, event.object_id) == ("reports.reportjob", str(done_extract.pk))


def test_it_answers_404_while_the_job_is_not_done(client_for, data_protection_officer, queued_extract):
    response = client_for(data_protection_officer).get(reverse("reports:download", args=[queued_extract.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "other_data_protection_officer"])
def test_it_answers_404_to_anyone_else(client_for, done_extract, persona, request):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse("reports:download", args=[done_extract.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user).exists()


def test_it_answers_404_to_a_requester_who_is_no_longer_data_protection_officer(
    client_for, data_protection_officer, done_extract
):
    account_set_roles(user=data_protection_officer, roles=[], changed_by=None)
    data_protection_officer.refresh_from_db()

    response = client_for(data_protection_officer).get(reverse("reports:download", args=[done_extract.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()
