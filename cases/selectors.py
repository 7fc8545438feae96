"""Reading case files, always starting from what the user may see."""

from django.db.models import QuerySet
from django.http import HttpRequest

from cases.models import CaseFile
from cii_platform.access import access_annotate_can_change, access_filter_visible, access_get_or_404, access_legal_basis
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


def case_list_visible(*, user: User | None) -> QuerySet[CaseFile]:
    """The case files `user` may see, newest first, each with its `can_change` flag."""
    visible = access_filter_visible(user=user, queryset=CaseFile.objects.select_related("lead_service"))
    return access_annotate_can_change(user=user, queryset=visible).order_by("-id")


def case_get_for_reading(*, user: User | None, reference: str, request: HttpRequest | None = None) -> CaseFile:
    """The case file `reference` if `user` may see it (Http404 otherwise); the read is audited."""
    case = access_get_or_404(
        user=user,
        queryset=access_annotate_can_change(user=user, queryset=CaseFile.objects.select_related("lead_service")),
        request=request,
        reference=reference,
    )
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=case,
        legal_basis=access_legal_basis(user=user, obj=case),
        request=request,
    )
    return case
