"""Report pages: request a document, follow its rendering, download it."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import keyset_page
from cii_platform.reports.forms import AuditExtractRequestForm
from cii_platform.reports.models import ReportJob, ReportKind
from cii_platform.reports.registry import REPORTS, report_definition, report_definitions_visible_to
from cii_platform.reports.selectors import (
    report_job_get_for,
    report_job_has_archive,
    report_job_is_downloadable,
    report_job_list_for,
)
from cii_platform.reports.services import report_job_record_download, report_job_request


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees an account


def _may_request(user: User, kind: ReportKind) -> bool:
    return report_definition(kind).may_see(user)


def _download_url(job: ReportJob) -> str | None:
    return reverse("reports:download", args=[job.pk]) if report_job_is_downloadable(job=job) else None


def _archive_url(job: ReportJob) -> str | None:
    return reverse("reports:download_archive", args=[job.pk]) if report_job_has_archive(job=job) else None


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = keyset_page(report_job_list_for(user=user), after=request.GET.get("apres"), size=25)
    requestable = [
        (definition.request_label or definition.kind.label, reverse("reports:request", args=[definition.kind.value]))
        for definition in report_definitions_visible_to(user)
        if definition.request_form is not None
    ]
    return render(
        request,
        "reports/report_list.html",
        {
            "page": page,
            "may_request_audit_extract": _may_request(user, ReportKind.AUDIT_EXTRACT),
            "requestable": requestable,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_report(request: HttpRequest, kind: str) -> HttpResponse:
    """The request page of a report that has one (`ReportDefinition.request_form`); 404 for anyone else."""
    user = _user(request)
    definition = REPORTS.get(kind)
    if definition is None or definition.request_form is None or definition.request_parameters is None:
        raise Http404
    if not definition.may_see(user):
        audit_record(action=AuditAction.ACCESS_DENIED, actor=user, object_type=f"reports.{kind}", request=request)
        raise Http404
    form = definition.request_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            parameters = definition.request_parameters(user, form.cleaned_data, request)
            job = report_job_request(kind=definition.kind, parameters=parameters, requested_by=user, request=request)
        except ValidationError as error:
            form.add_error(None, error.messages)  # its keys need not be fields of the form
        else:
            messages.success(request, _("Votre demande est enregistrée : le document est en préparation."))
            return redirect("reports:detail", job_id=job.pk)
    return render(request, definition.request_template, {"form": form, "definition": definition})


@login_required
@require_http_methods(["GET", "POST"])
def request_audit_extract(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _may_request(user, ReportKind.AUDIT_EXTRACT):
        audit_record(action=AuditAction.ACCESS_DENIED, actor=user, object_type="reports.audit_extract", request=request)
        raise Http404
    if request.method == "POST":
        form = AuditExtractRequestForm(request.POST)
        if form.is_valid():
            job = report_job_request(
                kind=ReportKind.AUDIT_EXTRACT, parameters=form.parameters(), requested_by=user, request=request
            )
            messages.success(request, _("Votre demande est enregistrée : le document est en préparation."))
            return redirect("reports:detail", job_id=job.pk)
    else:
        form = AuditExtractRequestForm(initial=AuditExtractRequestForm.initial_from(request.GET))
    return render(request, "reports/audit_extract_request.html", {"form": form})


@login_required
@require_GET
def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = report_job_get_for(user=_user(request), job_id=job_id, request=request)
    context = {
        "job": job,
        "summary": report_definition(job.kind).summary(job),
        "download_url": _download_url(job),
        "archive_url": _archive_url(job),
    }
    return render(request, "reports/report_detail.html", context)


@never_cache
@login_required
@require_GET
def status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = report_job_get_for(user=_user(request), job_id=job_id, request=request)
    data: dict[str, Any] = {
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": job.progress,
        "download_url": _download_url(job),
        "archive_url": _archive_url(job),
        "error": job.error or None,
    }
    return JsonResponse(data)


@never_cache
@login_required
@require_GET
def download(request: HttpRequest, job_id: int) -> FileResponse:
    user = _user(request)
    job = report_job_get_for(user=user, job_id=job_id, request=request)
    if not report_job_is_downloadable(job=job):
        raise Http404
    try:
        file = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    report_job_record_download(job=job, downloaded_by=user, request=request)
    filename = report_definition(job.kind).filename(job)
    return FileResponse(file, as_attachment=True, filename=filename, content_type="application/pdf")


@never_cache
@login_required
@require_GET
def download_archive(request: HttpRequest, job_id: int) -> FileResponse:
    """The ZIP of a job's single documents (e.g. one certificate per company), for whoever may see the job."""
    user = _user(request)
    job = report_job_get_for(user=user, job_id=job_id, request=request)
    if not report_job_has_archive(job=job):
        raise Http404
    try:
        file = job.archive.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    report_job_record_download(job=job, downloaded_by=user, request=request)
    filename = report_definition(job.kind).filename(job).removesuffix(".pdf") + ".zip"
    return FileResponse(file, as_attachment=True, filename=filename, content_type="application/zip")
