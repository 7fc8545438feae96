from unittest import mock

import pytest

from cii_platform.reports import pdf
from cii_platform.reports.models import ReportJob, ReportStatus
from cii_platform.reports.tasks import render_report_job


def test_it_is_declared_idempotent_with_late_acknowledgement_and_backed_off_retries():
    assert render_report_job.acks_late is True
    assert render_report_job.max_retries == 5
    assert render_report_job.retry_backoff is True
    assert {exc.__name__ for exc in render_report_job.autoretry_for} == {"OperationalError", "InterfaceError", "OSError"}


def test_it_retries_a_transient_failure_and_then_renders_the_job(queued_extract):
    real = pdf.pdf_from_html
    with mock.patch.object(pdf, "pdf_from_html", side_effect=[OSError("font cache busy"), real]) as render:
        render.side_effect = [OSError("font cache busy"), None]
        render.side_effect = None
        calls = {"count": 0}

        def flaky(**kwargs):  # type: ignore[no-untyped-def]
            calls["count"] += 1
            if calls["count"] == 1:
                raise OSError("font cache busy")
            return real(**kwargs)

        render.side_effect = flaky
        render_report_job.delay(queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts, job.progress) == (ReportStatus.DONE, 2, 100)


def test_it_marks_the_job_failed_once_the_retries_are_exhausted(queued_extract):
    with mock.patch.object(pdf, "pdf_from_html", side_effect=OSError("disk full")) as render:
        with pytest.raises(OSError):
            render_report_job.delay(queued_extract.pk)

    assert render.call_count == 6
    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.FAILED
    assert "après plusieurs tentatives" in job.error
