"""Requesting, rendering and handing out report jobs.

A job goes QUEUED → RUNNING → DONE (or FAILED). Requesting writes the job and
queues its rendering once the transaction commits; the Celery task
`cii_platform.reports.tasks.render_report_job` calls `report_job_render`, which
moves the job from QUEUED to RUNNING under a row lock, so that a second delivery
of the same task finds the job taken and does nothing.

Each start of a rendering increments `attempts`; that number is the lease of the
attempt: progress and the final result are written only while the job is still
RUNNING under the same number, so an attempt that was overtaken (the job was
taken over after a crash, or finished elsewhere) discards its work.
"""

import datetime as dt
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from celery.exceptions import Retry
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.reports import pdf
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.registry import RenderedReport, ReportUnavailable, report_definition, report_may_see_job

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)
"""Failures worth retrying: the database or the disk was briefly unavailable."""

BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError)
"""Failures to hand a task to the broker (Redis down or unreachable)."""

LEASE = dt.timedelta(minutes=30)
"""A RUNNING job not finished after this long is taken over by the next delivery of its task."""

PROGRESS_DATA_LOADED = 10
PROGRESS_HTML_RENDERED = 60
PROGRESS_PDF_RENDERED = 90
PROGRESS_DONE = 100


def _broker_down_message() -> str:
    return gettext(
        "La demande n'a pas pu être transmise au service qui produit les documents (file d'attente "
        "indisponible). Veuillez la renouveler dans quelques minutes."
    )


def _render_failed_message() -> str:
    return gettext(
        "Le document n'a pas pu être produit. Veuillez renouveler la demande ; si le problème persiste, "
        "contactez le support informatique."
    )


def _access_lost_message() -> str:
    return gettext(
        "Le document n'a pas été produit : vous n'avez plus accès à son contenu (par exemple, le consentement "
        "qui fondait votre accès au dossier a été révoqué)."
    )


def report_job_retries_exhausted_message() -> str:
    """The error shown when every retry of a transient failure has failed."""
    return gettext(
        "Le document n'a pas pu être produit après plusieurs tentatives (service technique indisponible). "
        "Veuillez renouveler la demande plus tard."
    )


@transaction.atomic
def report_job_request(
    *,
    kind: ReportKind | str,
    parameters: Mapping[str, Any],
    requested_by: User,
    request: HttpRequest | None = None,
) -> ReportJob:
    """Record a QUEUED job for `kind` and queue its rendering once the transaction commits.

    Raises `PermissionDenied` if `requested_by` may not see this kind of report, or
    the object the cleaned parameters designate (the definition's `may_see_job`),
    and `ValidationError` for invalid `parameters`. The request is audited as an
    export, under the person of the parameters (`person`) if any. If the broker is
    down when the transaction commits, the job is marked FAILED and the broker's
    error propagates to the caller (see `report_job_enqueue`).
    """
    definition = report_definition(kind)
    if not definition.may_see(requested_by):
        raise PermissionDenied
    cleaned = definition.clean_parameters(parameters)
    if not definition.may_see_job(requested_by, cleaned):
        raise PermissionDenied
    job = ReportJob(kind=definition.kind, parameters=cleaned, requested_by=requested_by)
    job.full_clean()
    job.save()
    audit_record(
        action=AuditAction.EXPORT,
        actor=requested_by,
        obj=job,
        person_id=cleaned.get("person", ""),
        request=request,
        detail={"kind": job.kind, **cleaned},
    )
    transaction.on_commit(partial(report_job_enqueue, job_id=job.pk))
    return job


def report_job_enqueue(*, job_id: int) -> None:
    """Hand the rendering of job `job_id` to the worker; meant to run after commit.

    If the broker refuses the task, the job is marked FAILED in a transaction of its
    own and the broker's error is re-raised (a page then answers 503). When tasks run
    in-process (no broker), a rendering failure propagates here as well, the job
    marked FAILED.
    """
    from cii_platform.reports.tasks import render_report_job  # the tasks module imports this one

    try:
        render_report_job.delay(job_id)
    except BROKER_ERRORS:
        logger.warning("report job %s: the broker refused the task", job_id)
        report_job_fail(job_id=job_id, error=_broker_down_message())
        raise
    except Retry as retry:
        # Only without a broker (eager tasks propagating their errors): nobody would
        # ever retry the job, so it fails now rather than stay RUNNING.
        report_job_fail(job_id=job_id, error=_render_failed_message())
        if isinstance(retry.exc, Exception):
            raise retry.exc from retry
        raise


@transaction.atomic
def report_job_fail(*, job_id: int, error: str, attempt: int | None = None) -> bool:
    """Mark job `job_id` FAILED with the user-facing `error`; return False if nothing changed.

    A job already DONE or FAILED is left as it is, and so is one that another
    attempt has taken over since `attempt` (when given) started.
    """
    job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status in (ReportStatus.DONE, ReportStatus.FAILED):
        return False
    if attempt is not None and job.attempts != attempt:
        return False
    job.status = ReportStatus.FAILED
    job.error = error[:500]
    job.finished_at = timezone.now()
    job.full_clean()
    job.save(update_fields=["status", "error", "finished_at"])
    return True


@transaction.atomic
def _report_job_start(*, job_id: int, resume: bool) -> ReportJob | None:
    """Move the job to RUNNING under a row lock and return it, or None if it is not ours to render."""
    job = ReportJob.objects.select_for_update(of=("self",)).select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        logger.warning("report job %s no longer exists", job_id)
        return None
    if job.status in (ReportStatus.DONE, ReportStatus.FAILED):
        return None
    now = timezone.now()
    if job.status == ReportStatus.RUNNING:
        stale = job.started_at is None or job.started_at < now - LEASE
        if not (resume or stale):
            return None  # another delivery of the task is rendering it
        logger.info("report job %s: taking over an interrupted rendering", job_id)
    job.status = ReportStatus.RUNNING
    job.attempts += 1
    job.started_at = now
    job.progress = 0
    job.error = ""
    job.full_clean()
    job.save(update_fields=["status", "attempts", "started_at", "progress", "error"])
    return job


@transaction.atomic
def _report_job_set_progress(*, job_id: int, attempt: int, progress: int) -> bool:
    """Record `progress` if the attempt still holds the job; False once it has lost it."""
    job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != ReportStatus.RUNNING or job.attempts != attempt:
        return False
    job.progress = progress
    job.full_clean()
    job.save(update_fields=["progress"])
    return True


class _Overtaken(Exception):
    """The attempt lost the job while a long rendering was under way: it stops, nothing is stored."""


def _render_progress(percent: int, *, job_id: int, attempt: int) -> None:
    """Show a definition's own progress (0–100) between "data loaded" and "PDF rendered"; stop if overtaken."""
    span = PROGRESS_PDF_RENDERED - PROGRESS_DATA_LOADED
    progress = PROGRESS_DATA_LOADED + span * max(0, min(100, percent)) // 100
    if not _report_job_set_progress(job_id=job_id, attempt=attempt, progress=progress):
        raise _Overtaken


@transaction.atomic
def _report_job_finish(*, job_id: int, attempt: int, filename: str, rendered: RenderedReport) -> bool:
    """Store the PDF (and the ZIP of single documents, if any) and mark the job DONE if the attempt still
    holds it; False (nothing stored) otherwise."""
    job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != ReportStatus.RUNNING or job.attempts != attempt:
        return False
    job.result.save(filename, ContentFile(rendered.content), save=False)
    if rendered.archive is not None:
        job.archive.save(rendered.archive_filename or f"{filename}.zip", ContentFile(rendered.archive), save=False)
    job.status = ReportStatus.DONE
    job.progress = PROGRESS_DONE
    job.finished_at = timezone.now()
    job.error = ""
    job.full_clean()
    job.save(update_fields=["result", "archive", "status", "progress", "finished_at", "error"])
    return True


def report_job_render(*, job_id: int, resume: bool = False) -> None:
    """Render job `job_id` to PDF and store it; called by the worker, safe to call again.

    A job that is DONE or FAILED, or RUNNING under another delivery, is left alone;
    `resume` (set by the task on a retry or a redelivery) takes over a job left
    RUNNING by an interrupted attempt, as does the expiry of `LEASE`. Progress is
    committed step by step (10 % data loaded, 60 % HTML, 90 % PDF, 100 % stored) so
    that the status page can show it: this function must not run inside an atomic
    block of its caller's.

    A transient failure (`TRANSIENT_ERRORS`) propagates with the job still RUNNING,
    for the task to retry; any other failure marks the job FAILED, then propagates.
    A requester who may no longer see the content (`may_see`, `may_see_job`, or
    `ReportUnavailable` raised by `build_context`) gets a FAILED job with a French
    explanation and no document; nothing propagates then.
    """
    job = _report_job_start(job_id=job_id, resume=resume)
    if job is None:
        return
    attempt = job.attempts
    definition = report_definition(job.kind)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            if not report_may_see_job(user=job.requested_by, kind=job.kind, parameters=job.parameters):
                raise ReportUnavailable(_access_lost_message())
            context = definition.build_context(job)
            if not _report_job_set_progress(job_id=job_id, attempt=attempt, progress=PROGRESS_DATA_LOADED):
                return
            if definition.render is not None:
                rendered = definition.render(job, context, partial(_render_progress, job_id=job_id, attempt=attempt))
            else:
                html = render_to_string(definition.template_name, context)
                if not _report_job_set_progress(job_id=job_id, attempt=attempt, progress=PROGRESS_HTML_RENDERED):
                    return
                rendered = RenderedReport(content=pdf.pdf_from_html(html=html, variant=definition.pdf_variant))
            if not _report_job_set_progress(job_id=job_id, attempt=attempt, progress=PROGRESS_PDF_RENDERED):
                return
        if not _report_job_finish(
            job_id=job_id,
            attempt=attempt,
            filename=definition.filename(job),
            rendered=rendered,
        ):
            logger.info("report job %s: attempt %s was overtaken, its result is discarded", job_id, attempt)
    except _Overtaken:
        logger.info("report job %s: attempt %s was overtaken while rendering, it stops", job_id, attempt)
    except ReportUnavailable as unavailable:
        # The requester lost access since the request: a refusal, not a fault (no retry, nothing stored).
        logger.info("report job %s: the requester may no longer see its content", job_id)
        report_job_fail(job_id=job_id, error=str(unavailable) or _access_lost_message(), attempt=attempt)
    except TRANSIENT_ERRORS:
        logger.warning("report job %s: transient failure of attempt %s", job_id, attempt, exc_info=True)
        raise
    except Exception:
        logger.exception("report job %s: rendering failed", job_id)
        report_job_fail(job_id=job_id, error=_render_failed_message(), attempt=attempt)
        raise


@transaction.atomic
def report_job_record_download(*, job: ReportJob, downloaded_by: User, request: HttpRequest | None = None) -> None:
    """Audit that `downloaded_by` takes the PDF of `job` (an impression of its content)."""
    audit_record(
        action=AuditAction.PRINT,
        actor=downloaded_by,
        obj=job,
        person_id=str(job.parameters.get("person", "")),
        request=request,
        detail={"kind": job.kind},
    )
