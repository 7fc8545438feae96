import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.reports import pdf
from cii_platform.reports.models import ReportJob, ReportStatus
from cii_platform.reports.services import LEASE, report_job_render


def test_it_produces_an_audit_extract_pdf_whose_text_can_be_read_back(
    queued_extract, audited_event, job_pdf_text, data_protection_officer
):
    report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.DONE
    assert job.progress == 100
    assert job.attempts == 1
    assert job.started_at is not None and job.finished_at is not None
    assert job.error == ""
    assert job.result.name.startswith("reports/") and job.result.name.endswith(".pdf")
    text = job_pdf_text(job)
    assert "Extrait du journal d'audit" in text
    assert audited_event.actor_username in text
    assert "LACI art. 85f" in text
    assert data_protection_officer.username in text
    today = timezone.localdate()
    assert f"{today - dt.timedelta(days=1):%d.%m.%Y}" in text
    assert f"{today:%d.%m.%Y}" in text
    assert "Page 1 sur" in text


def test_it_leaves_out_the_events_outside_the_period_and_filters(
    data_protection_officer, orp_counsellor, oai_counsellor, django_capture_on_commit_callbacks, job_pdf_text
):
    from cii_platform.reports.models import ReportKind
    from cii_platform.reports.services import report_job_request

    audit_record(action=AuditAction.READ, actor=orp_counsellor, object_label="CII-2026-00001")
    audit_record(action=AuditAction.READ, actor=oai_counsellor, object_label="CII-2026-00002")
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=False):
        filtered = report_job_request(
            kind=ReportKind.AUDIT_EXTRACT,
            parameters={"date_from": today, "date_to": today, "user": "orp.counsellor"},
            requested_by=data_protection_officer,
        )
        last_year = report_job_request(
            kind=ReportKind.AUDIT_EXTRACT,
            parameters={"date_from": "2020-01-01", "date_to": "2020-12-31"},
            requested_by=data_protection_officer,
        )

    report_job_render(job_id=filtered.pk)
    report_job_render(job_id=last_year.pk)

    filtered_text = job_pdf_text(ReportJob.objects.get(pk=filtered.pk))
    assert "CII-2026-00001" in filtered_text
    assert "CII-2026-00002" not in filtered_text
    old_text = job_pdf_text(ReportJob.objects.get(pk=last_year.pk))
    assert "CII-2026-00001" not in old_text
    assert "Aucun événement" in old_text


def test_it_updates_the_progress_while_rendering(queued_extract):
    seen: list[tuple[str, int]] = []
    real = pdf.pdf_from_html

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        job = ReportJob.objects.get(pk=queued_extract.pk)
        seen.append((job.status, job.progress))
        return real(**kwargs)

    with mock.patch.object(pdf, "pdf_from_html", side_effect=spy):
        report_job_render(job_id=queued_extract.pk)

    assert seen == [(ReportStatus.RUNNING, 60)]
    assert ReportJob.objects.get(pk=queued_extract.pk).progress == 100


def test_it_does_not_render_again_a_job_that_is_done(queued_extract):
    report_job_render(job_id=queued_extract.pk)
    done = ReportJob.objects.get(pk=queued_extract.pk)

    with mock.patch.object(pdf, "pdf_from_html") as render:
        report_job_render(job_id=queued_extract.pk)
        report_job_render(job_id=queued_extract.pk, resume=True)

    render.assert_not_called()
    again = ReportJob.objects.get(pk=queued_extract.pk)
    assert (again.status, again.result.name, again.finished_at, again.attempts) == (
        ReportStatus.DONE,
        done.result.name,
        done.finished_at,
        1,
    )


def test_it_leaves_alone_a_job_that_another_delivery_is_rendering(queued_extract):
    ReportJob.objects.filter(pk=queued_extract.pk).update(
        status=ReportStatus.RUNNING, attempts=1, started_at=timezone.now(), progress=10
    )

    with mock.patch.object(pdf, "pdf_from_html") as render:
        report_job_render(job_id=queued_extract.pk)

    render.assert_not_called()
    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts, job.progress) == (ReportStatus.RUNNING, 1, 10)


@pytest.mark.parametrize("resume", [True, False], ids=["retried", "lease-expired"])
def test_it_takes_over_a_job_left_running_by_an_interrupted_attempt(queued_extract, resume):
    started = timezone.now() if resume else timezone.now() - LEASE - dt.timedelta(minutes=1)
    ReportJob.objects.filter(pk=queued_extract.pk).update(status=ReportStatus.RUNNING, attempts=1, started_at=started)

    report_job_render(job_id=queued_extract.pk, resume=resume)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts, job.progress) == (ReportStatus.DONE, 2, 100)


def test_it_discards_the_result_of_an_attempt_that_was_overtaken(queued_extract):
    def overtaken(**kwargs):  # type: ignore[no-untyped-def]
        # Meanwhile a redelivery took the job over (attempt 2) and finished it.
        ReportJob.objects.filter(pk=queued_extract.pk).update(status=ReportStatus.DONE, attempts=2, progress=100)
        return b"%PDF-1.7 stale"

    with mock.patch.object(pdf, "pdf_from_html", side_effect=overtaken):
        report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts, job.result.name) == (ReportStatus.DONE, 2, "")


def test_it_marks_the_job_failed_when_rendering_breaks(queued_extract):
    with mock.patch.object(pdf, "pdf_from_html", side_effect=ValueError("bad template")):
        with pytest.raises(ValueError, match="bad template"):
            report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.FAILED
    assert "n'a pas pu être produit" in job.error
    assert "bad template" not in job.error
    assert not job.result


def test_it_keeps_the_job_running_for_a_retry_on_a_transient_failure(queued_extract):
    with mock.patch.object(pdf, "pdf_from_html", side_effect=OSError("disk full")):
        with pytest.raises(OSError, match="disk full"):
            report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert (job.status, job.attempts, job.error) == (ReportStatus.RUNNING, 1, "")


def test_it_does_nothing_for_a_job_that_no_longer_exists(db):
    report_job_render(job_id=987654)

    assert not ReportJob.objects.exists()


def test_a_requester_who_lost_access_gets_a_failed_job_with_the_reports_french_reason_and_no_file(
    queued_extract, monkeypatch
):
    from dataclasses import replace

    from cii_platform.reports.registry import REPORTS, ReportUnavailable

    def refuse(job: ReportJob) -> dict[str, object]:
        raise ReportUnavailable("Vous n'avez plus accès à ce contenu.")

    monkeypatch.setitem(REPORTS, "audit_extract", replace(REPORTS["audit_extract"], build_context=refuse))

    report_job_render(job_id=queued_extract.pk)  # a refusal, not a fault: nothing propagates

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.FAILED
    assert job.error == "Vous n'avez plus accès à ce contenu."
    assert not job.result


def test_it_renders_nothing_for_a_requester_who_may_no_longer_see_the_report(queued_extract, data_protection_officer):
    from cii_platform.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=data_protection_officer).delete()

    report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.FAILED
    assert "vous n'avez plus accès à son contenu" in job.error
    assert not job.result
