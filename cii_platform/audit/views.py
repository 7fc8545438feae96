"""The audit trail search page, for data-protection officers."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cii_platform.accounts.models import Role
from cii_platform.audit.forms import AuditSearchForm
from cii_platform.audit.models import AuditAction
from cii_platform.audit.selectors import AuditQuery, audit_search
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import keyset_page


def require_data_protection_officer(request: HttpRequest) -> None:
    """404 for anyone but a data-protection officer (existence of the page does not leak)."""
    if not request.user.has_role(Role.DATA_PROTECTION_OFFICER):  # type: ignore[union-attr]
        audit_record(action=AuditAction.ACCESS_DENIED, actor=request.user, object_type="audit.trail", request=request)  # type: ignore[arg-type]
        raise Http404


@login_required
def search(request: HttpRequest) -> HttpResponse:
    require_data_protection_officer(request)
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        query = AuditQuery(**form.cleaned_data)
        page = keyset_page(audit_search(query=query), after=request.GET.get("apres"))
        audit_record(
            action=AuditAction.READ,
            actor=request.user,  # type: ignore[arg-type]
            object_type="audit.trail",
            request=request,
            detail={key: str(value) for key, value in form.cleaned_data.items() if value},
        )
    return render(request, "audit/search.html", {"form": form, "page": page})
