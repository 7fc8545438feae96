"""End to end with a real Celery worker on Redis: request, render in the worker, download.

Needs REDIS_URL (CI sets it, with CII_FORBID_SKIPS=1). The worker runs in a thread
of this process, against the test database, so the test uses `transactional_db`:
the request's transaction really commits and the task is really queued.
"""

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery, signals
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.urls import reverse

from cii_platform.celery import app
from cii_platform.reports.models import ReportJob, ReportStatus

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis]

WAIT_SECONDS = 60
_CONF_KEYS = ("task_always_eager", "broker_url", "worker_hijack_root_logger")


def _close_worker_db_connections(**kwargs: Any) -> None:
    # Runs in the worker thread: its connections would otherwise outlive the test
    # database (PostgreSQL refuses to drop a database that is still in use).
    connections.close_all()


@pytest.fixture
def redis_worker_app() -> Iterator[Celery]:
    """The project's Celery app, publishing to Redis for real; its configuration restored afterwards."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: this test runs a real Celery worker against Redis (CI sets it).")
    saved_conf = {key: app.conf[key] for key in _CONF_KEYS}
    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    app.conf.worker_hijack_root_logger = False
    signals.task_postrun.connect(_close_worker_db_connections, weak=False)
    try:
        app.control.purge()  # leftovers of an interrupted run must not delay this one
        yield app
    finally:
        signals.task_postrun.disconnect(_close_worker_db_connections)
        for key, value in saved_conf.items():
            app.conf[key] = value
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]


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
