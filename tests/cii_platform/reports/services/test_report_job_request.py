from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports import tasks
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.services import report_job_request


def test_it_records_a_queued_job_with_its_cleaned_parameters(
    data_protection_officer, today_period, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = report_job_request(
            kind=ReportKind.AUDIT_EXTRACT,
            parameters={**today_period, "user": " orp.counsellor ", "person": ""},
            requested_by=data_protection_officer,
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.QUEUED
    assert job.progress == 0
    assert job.requested_by == data_protection_officer
    assert job.parameters == {**today_period, "user": "orp.counsellor"}


def test_it_audits_the_request_as_an_export(data_protection_officer, today_period, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = report_job_request(
            kind=ReportKind.AUDIT_EXTRACT,
            parameters={**today_period, "person": "756.1234.5678.97"},
            requested_by=data_protection_officer,
        )

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == data_protection_officer
    assert (event.object_type, event.object_id) == ("reports.reportjob", str(job.pk))
    assert event.person_id == "756.1234.5678.97"
    assert event.detail["kind"] == ReportKind.AUDIT_EXTRACT


def test_it_queues_the_rendering_only_once_the_transaction_commits(
    data_protection_officer, today_period, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.render_report_job, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = report_job_request(
                kind=ReportKind.AUDIT_EXTRACT, parameters=today_period, requested_by=data_protection_officer
            )
            delay.assert_not_called()

        assert len(callbacks) == 1
        delay.assert_not_called()
        callbacks[0]()

    delay.assert_called_once_with(job.pk)


def test_it_renders_the_job_after_commit_when_tasks_run_in_process(
    data_protection_officer, today_period, audited_event, django_capture_on_commit_callbacks, job_pdf_text
):
    with django_capture_on_commit_callbacks(execute=True):
        job = report_job_request(
            kind=ReportKind.AUDIT_EXTRACT, parameters=today_period, requested_by=data_protection_officer
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE
    assert job.progress == 100
    text = job_pdf_text(job)
    assert "Extrait du journal d'audit" in text
    assert audited_event.actor_username in text


@pytest.mark.parametrize(
    "broker_error",
    [BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379"), RedisConnectionError("Connection refused")],
    ids=["kombu", "redis"],
)
def test_it_marks_the_job_failed_and_reraises_when_the_broker_is_down(
    data_protection_officer, today_period, django_capture_on_commit_callbacks, broker_error
):
    with mock.patch.object(tasks.render_report_job, "delay", side_effect=broker_error):
        with pytest.raises(type(broker_error)):
            with django_capture_on_commit_callbacks(execute=True):
                report_job_request(
                    kind=ReportKind.AUDIT_EXTRACT, parameters=today_period, requested_by=data_protection_officer
                )

    job = ReportJob.objects.get()
    assert job.status == ReportStatus.FAILED
    assert "file d'attente indisponible" in job.error
    assert job.finished_at is not None


def test_it_refuses_someone_who_is_not_a_data_protection_officer(
    orp_counsellor, today_period, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(PermissionDenied):
            report_job_request(kind=ReportKind.AUDIT_EXTRACT, parameters=today_period, requested_by=orp_counsellor)

    assert not ReportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    assert callbacks == []


@pytest.mark.parametrize(
    "parameters",
    [
        {"date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"date_from": "01.01.2026", "date_to": "2026-01-31"},
        {"date_to": "2026-01-31"},
        {"date_from": "2026-01-01", "date_to": "2026-01-31", "action": "hack"},
        {"date_from": "2026-01-01", "date_to": "2026-01-31", "sql": "1=1"},
    ],
    ids=["inverted", "not-iso", "missing-start", "unknown-action", "unknown-parameter"],
)
def test_it_refuses_invalid_parameters(data_protection_officer, parameters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(ValidationError):
            report_job_request(
                kind=ReportKind.AUDIT_EXTRACT, parameters=parameters, requested_by=data_protection_officer
            )

    assert not ReportJob.objects.exists()
    assert callbacks == []
