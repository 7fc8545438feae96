import pytest
from django.urls import reverse

from cii_platform.reports.models import ReportJob, ReportStatus
from cii_platform.reports.services import report_job_render


def test_it_reports_a_pending_job_as_json(client_for, data_protection_officer, queued_extract):
    response = client_for(data_protection_officer).get(reverse("reports:status", args=[queued_extract.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "queued",
        "status_label": str(ReportStatus.QUEUED.label),
        "progress": 0,
        "download_url": None,
        "archive_url": None,
        "error": None,
    }


def test_it_reports_the_progress_of_a_running_job(client_for, data_protection_officer, queued_extract):
    ReportJob.objects.filter(pk=queued_extract.pk).update(status=ReportStatus.RUNNING, progress=60)

    data = client_for(data_protection_officer).get(reverse("reports:status", args=[queued_extract.pk])).json()

    assert (data["status"], data["progress"], data["download_url"]) == ("running", 60, None)


def test_it_gives_the_download_url_once_done(client_for, data_protection_officer, queued_extract):
    report_job_render(job_id=queued_extract.pk)

    data = client_for(data_protection_officer).get(reverse("reports:status", args=[queued_extract.pk])).json()

    assert data["status"] == "done"
    assert data["progress"] == 100
    assert data["download_url"] == reverse("reports:download", args=[queued_extract.pk])


def test_it_gives_the_error_of_a_failed_job(client_for, data_protection_officer, queued_extract):
    ReportJob.objects.filter(pk=queued_extract.pk).update(status=ReportStatus.FAILED, error="Échec de test.")

    data = client_for(data_protection_officer).get(reverse("reports:status", args=[queued_extract.pk])).json()

    assert (data["status"], data["error"], data["download_url"]) == ("failed", "Échec de test.", None)


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "other_data_protection_officer"])
def test_it_answers_404_for_a_job_of_someone_else(client_for, queued_extract, persona, request):
    response = client_for(request.getfixturevalue(persona)).get(reverse("reports:status", args=[queued_extract.pk]))

    assert response.status_code == 404
