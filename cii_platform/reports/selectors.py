"""Reading report jobs: a user only ever sees their own jobs, of kinds they may still see."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.reports.models import ReportJob, ReportStatus
from cii_platform.reports.registry import report_kinds_visible_to


def report_job_list_for(*, user: User) -> QuerySet[ReportJob]:
    """The jobs `user` requested, newest first, restricted to the kinds whose content `user` may see."""
    kinds = report_kinds_visible_to(user)
    if not kinds:
        return ReportJob.objects.none()
    return ReportJob.objects.filter(requested_by=user, kind__in=kinds).order_by("-id")


def report_job_get_for(*, user: User, job_id: int, request: HttpRequest | None = None) -> ReportJob:
    """Job `job_id` if `user` requested it and may see its content; Http404 otherwise.

    A missing job and a forbidden one give the same 404; the forbidden attempt is
    audited as a refused access.
    """
    job = report_job_list_for(user=user).filter(pk=job_id).first()
    if job is not None:
        return job
    hidden = ReportJob.objects.filter(pk=job_id).first()
    if hidden is not None:
        audit_record(action=AuditAction.ACCESS_DENIED, actor=user, obj=hidden, request=request)
    raise Http404


def report_job_is_downloadable(*, job: ReportJob) -> bool:
    """Whether `job` has a stored PDF to hand out."""
    return job.status == ReportStatus.DONE and bool(job.result)
