"""Celery tasks of the reports: thin, they take a job id and call the services."""

import logging
from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from cii_platform.reports.services import report_job_fail, report_job_render, report_job_retries_exhausted_message

logger = logging.getLogger(__name__)


class ReportTask(Task):  # type: ignore[misc]  # celery ships no type information
    """Marks the job FAILED once the task has failed for good (retries exhausted included)."""

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        job_id = kwargs.get("job_id") if kwargs else None
        if job_id is None and args:
            job_id = args[0]
        if job_id is None:
            return
        try:
            report_job_fail(job_id=int(job_id), error=report_job_retries_exhausted_message())
        except Exception:  # the database may be the reason of the failure
            logger.exception("report job %s: could not be marked failed", job_id)


@shared_task(
    bind=True,
    base=ReportTask,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
)
def render_report_job(self: Task, job_id: int) -> None:
    """Render report job `job_id` (idempotent: a job already taken or finished is left alone)."""
    delivery_info = self.request.delivery_info or {}
    repeated = bool(self.request.retries) or bool(delivery_info.get("redelivered"))
    report_job_render(job_id=job_id, resume=repeated)
