"""Requesting the summary of a case file for a network meeting (a PDF of the reports pipeline).

The button sits on the case page. Whoever may read the case may request it; anyone
else gets the 404 of a missing case (the refusal audited). The document itself is
produced by the worker with the requester's rights (`cases.reports.case_summary`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import CaseFile
from cii_platform.access import access_get_or_404
from cii_platform.accounts.models import User
from cii_platform.reports.models import ReportKind
from cii_platform.reports.services import report_job_request


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


@login_required
@require_POST
def case_summary_request(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    # The case page's gate: a case the user may not read answers 404 like a missing one (audited).
    case = access_get_or_404(user=user, queryset=CaseFile.objects.all(), request=request, reference=reference)
    try:
        job = report_job_request(
            kind=ReportKind.CASE_SUMMARY, parameters={"case": str(case.pk)}, requested_by=user, request=request
        )
    except PermissionDenied:  # access withdrawn between the two checks
        raise Http404 from None
    messages.success(request, _("Votre demande est enregistrée : le résumé est en préparation."))
    return redirect("reports:detail", job_id=job.pk)


urlpatterns: list[URLPattern] = [
    path("<str:reference>/resume-pdf/", case_summary_request, name="case_summary_request"),
]
