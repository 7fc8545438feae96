from collections.abc import Iterator
from unittest import mock

import pytest

from cii_platform.celery import app
from cii_platform.reports import pdf
from cii_platform.reports.models import ReportJob, ReportStatus
from cii_platform.reports.services import report_job_enqueue
from cii_platform.reports.tasks import render_report_job


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """In-process tasks retry only when they do not propagate their errors (as in a worker)."""
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        app.conf.task_eager_propagates = saved


def test_it_is_declared_with_late_acknowledgement_and_backed_off_retries():
    assert render_report_job.acks_late is True
    assert render_report_job.max_retries == 5
    assert render_report_job.retry_backoff is True
    assert {exc.__name__ for exc in render_report_job.autoretry_for} == {
        "OperationalError",
        "InterfaceError",
        "OSError",
    }


def test_it_retries_a_transient_failure_and_then_renders_the_job(queued_extract, eager_retries):
    real = pdf.pdf_from_html
    calls: list[int] = []

    def flaky(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise OSError("font cache busy")
        return real(**kwargs)

    with mock.patch.object(pdf, "pdf_from_html", side_effect=flaky):
        render_report_job.delay(queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts, job.progress) == (ReportStatus.DONE, 2, 100)


def test_it_marks_the_job_failed_once_the_retries_are_exhausted(queued_extract, eager_retries):
    with mock.patch.object(pdf, "pdf_from_html", side_effect=OSError("disk full")) as render:
        result = render_report_job.delay(queued_extract.pk)

    assert result.failed()
    assert render.call_count == 6
    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts) == (ReportStatus.FAILED, 6)
    assert "après plusieurs tentatives" in job.error


def test_it_does_nothing_on_a_second_delivery_of_a_finished_job(queued_extract):
    render_report_job.delay(queued_extract.pk)
    done = ReportJob.objects.get(pk=queued_extract.pk)

    with mock.patch.object(pdf, "pdf_from_html") as render:
        render_report_job.delay(queued_extract.pk)

    render.assert_not_called()
    assert ReportJob.objects.get(pk=queued_extract.pk).result.name == done.result.name


def test_it_fails_the_job_at_once_when_running_in_process_without_a_broker(queued_extract):
    with mock.patch.object(pdf, "pdf_from_html", side_effect=OSError("disk full")):
        with pytest.raises(OSError, match="disk full"):
            report_job_enqueue(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.FAILED
    assert "n'a pas pu être produit" in job.error
