"""Reading report jobs: a user only ever sees their own jobs, of kinds (and objects) they may still see."""

from functools import reduce
from operator import or_

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.reports.models import ReportJob, ReportStatus
from cii_platform.reports.registry import report_definitions_visible_to, report_may_see_job


def report_job_list_for(*, user: User) -> QuerySet[ReportJob]:
    """The jobs `user` requested, newest first, restricted to those whose content `user` may see now.

    A kind `user` may no longer see hides all its jobs; a report about an object
    (a case file) hides the jobs whose object `user` no longer sees, through the
    definition's `visible_jobs` sub-query: the list costs the same number of
    queries whatever the number of jobs.
    """
    definitions = report_definitions_visible_to(user)
    if not definitions:
        return ReportJob.objects.none()
    visible = reduce(or_, (definition.jobs_q(user) for definition in definitions))
    return ReportJob.objects.filter(visible, requested_by=user).order_by("-id")


def report_job_get_for(*, user: User, job_id: int, request: HttpRequest | None = None) -> ReportJob:
    """Job `job_id` if `user` requested it and may see its content; Http404 otherwise.

    A missing job and a forbidden one give the same 404; the forbidden attempt is
    audited as a refused access.
    """
    job = report_job_list_for(user=user).filter(pk=job_id).first()
    # The list's sub-query and the definition's own check state the same rule; asking
    # the latter too keeps one object's answer exact even if a definition gives no sub-query.
    if job is not None and report_may_see_job(user=user, kind=job.kind, parameters=job.parameters):
        return job
    hidden = job or ReportJob.objects.filter(pk=job_id).first()
    if hidden is not None:
        audit_record(action=AuditAction.ACCESS_DENIED, actor=user, obj=hidden, request=request)
    raise Http404


def report_job_is_downloadable(*, job: ReportJob) -> bool:
    """Whether `job` has a stored PDF to hand out."""
    return job.status == ReportStatus.DONE and bool(job.result)


def report_job_has_archive(*, job: ReportJob) -> bool:
    """Whether `job` also has a stored ZIP of its single documents to hand out."""
    return report_job_is_downloadable(job=job) and bool(job.archive)
