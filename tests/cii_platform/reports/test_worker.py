"""End to end with a real Celery worker on Redis: request, render in the worker, download.

Needs REDIS_URL (CI sets it, with CII_FORBID_SKIPS=1). The worker runs in a thread
of this process, against the test database, so the test uses `transactional_db`:
the request's transaction really commits and the task is really queued.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from cii_platform.reports.models import ReportJob, ReportStatus

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis]

WAIT_SECONDS = 60


def _wait_until_finished(job_id: int) -> ReportJob:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = ReportJob.objects.get(pk=job_id)
        if job.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish job {job_id} within {WAIT_SECONDS} s (status {job.status})")
        time.sleep(0.25)


def test_it_renders_a_requested_audit_extract_in_a_real_worker(
    transactional_db, redis_worker_app, client_for, data_protection_officer, audited_event, today_period, read_pdf_text
):
    client = client_for(data_protection_officer)
    period = {key: f"{value[8:10]}.{value[5:7]}.{value[:4]}" for key, value in today_period.items()}

    with start_worker(redis_worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.post(reverse("reports:request_audit_extract"), period)
        assert response.status_code == 302
        job = ReportJob.objects.get(requested_by=data_protection_officer)
        job = _wait_until_finished(job.pk)

    assert job.status == ReportStatus.DONE, job.error
    assert (job.progress, job.attempts) == (100, 1)
    status = client.get(reverse("reports:status", args=[job.pk])).json()
    assert status["download_url"] == reverse("reports:download", args=[job.pk])
    download = client.get(status["download_url"])
    assert download["Content-Type"] == "application/pdf"
    text = read_pdf_text(b"".join(download.streaming_content))
    assert "Extrait du journal d'audit" in text
    assert audited_event.actor_username in text
