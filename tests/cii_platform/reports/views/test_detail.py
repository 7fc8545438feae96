import pytest
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportStatus
from cii_platform.reports.services import report_job_render


def test_it_shows_the_progress_of_a_pending_job_to_its_requester(client_for, data_protection_officer, queued_extract):
    response = client_for(data_protection_officer).get(reverse("reports:detail", args=[queued_extract.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<progress id="report-progress" max="100" value="0">' in content
    assert 'aria-live="polite"' in content
    assert reverse("reports:status", args=[queued_extract.pk]) in content
    assert "js/report_progress.js" in content
    assert "Actualiser" in content
    assert str(ReportStatus.QUEUED.label) in content


def test_it_shows_the_download_link_once_the_job_is_done(client_for, data_protection_officer, queued_extract):
    report_job_render(job_id=queued_extract.pk)

    response = client_for(data_protection_officer).get(reverse("reports:detail", args=[queued_extract.pk]))

    content = response.content.decode()
    assert f'href="{reverse("reports:download", args=[queued_extract.pk])}"' in content
    assert "Actualiser" not in content


def test_it_has_no_inline_script(client_for, data_protection_officer, queued_extract):
    response = client_for(data_protection_officer).get(reverse("reports:detail", args=[queued_extract.pk]))

    content = response.content.decode()
    assert content.count("<script") == content.count("<script src=")


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "other_data_protection_officer"])
def test_it_answers_404_for_a_job_of_someone_else(client_for, queued_extract, persona, request):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse("reports:detail", args=[queued_extract.pk]))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user).exists()


def test_it_answers_404_for_a_missing_job(client_for, data_protection_officer):
    assert client_for(data_protection_officer).get(reverse("reports:detail", args=[999999])).status_code == 404
