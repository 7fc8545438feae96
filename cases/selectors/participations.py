"""Reading who takes part in a case and on which legal basis; who may share a case.

Only the lead service shares a case: a user of the lead service holding the
caseworker role and allowed to change the case records and revokes consents and
invites other services. Everyone else gets the same 404 as for a missing case.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from cases.models import CaseFile, Consent, Participation
from cases.selectors.consents import consent_state, consents_mark, consents_of_case
from cii_platform.access import Capability, access_can, access_get_or_404
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


def case_sharing_allowed(*, user: User | None, case: CaseFile) -> bool:
    """Whether `user` may record consents and invite services on `case` (lead-service caseworker with CHANGE)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.service_id is None or user.service_id != case.lead_service_id:
        return False
    if not user.has_role(Role.CASEWORKER):
        return False
    can_change = getattr(case, "can_change", None)
    if can_change is None:
        can_change = access_can(user=user, obj=case, capability=Capability.CHANGE)
    return bool(can_change)


def case_get_for_sharing(
    *, user: User | None, reference: str, request: HttpRequest | None = None, audit_read: bool = True
) -> CaseFile:
    """The case `reference` if `user` may share it (see `case_sharing_allowed`), Http404 otherwise.

    A case the user may not share answers exactly like a missing one; the refused
    attempt is audited. With `audit_read`, the read is audited (the sharing pages
    show the person's identity); actions that audit their own change pass False.
    """
    case = access_get_or_404(
        user=user,
        queryset=CaseFile.objects.select_related("lead_service", "person", "programme"),
        capability=Capability.CHANGE,
        request=request,
        reference=reference,
    )
    case.can_change = True  # type: ignore[attr-defined]  # established by the CHANGE lookup above
    if not case_sharing_allowed(user=user, case=case):
        audit_record(
            action=AuditAction.ACCESS_DENIED, actor=user, obj=case, request=request, detail={"capability": "share"}
        )
        raise Http404
    if audit_read:
        audit_record(
            action=AuditAction.READ,
            actor=user,
            obj=case,
            person_id=str(case.person_id),
            request=request,
            detail={"page": "sharing"},
        )
    return case


def case_consents_visible(*, user: User | None, case: CaseFile) -> QuerySet[Consent]:
    """The consents of `case` that `user` may read: those of `consents_of_case` for whoever may share the case.

    `case` was read through `case_get_for_reading`. Any other user of the case gets
    an empty set, exactly as the sharing section shows them no consent.
    """
    if not case_sharing_allowed(user=user, case=case):
        return Consent.objects.none()
    return consents_of_case(case=case)


def participation_get_for_case(*, case: CaseFile, participation_id: int) -> Participation:
    """The participation `participation_id` of `case` (the caller acts for its lead service), or Http404."""
    participation = (
        Participation.objects.select_related("service", "legal_basis", "consent", "case")
        .filter(case=case, pk=participation_id)
        .first()
    )
    if participation is None:
        raise Http404
    return participation


def participation_basis_label(*, participation: Participation) -> str:
    """What authorises the participation, in French, for display and the audit trail."""
    if participation.role == Participation.Role.LEAD:
        from cases.services.case_files import LEAD_SERVICE_BASIS

        return LEAD_SERVICE_BASIS
    if participation.legal_basis is not None:
        return participation.legal_basis.label
    return ""


def case_sharing_for(*, user: User | None, case: CaseFile) -> dict[str, Any]:
    """The sharing section of the case page, for `case` already read through `case_get_for_reading`.

    Keys: `case`; `can_manage` (the user may record consents and invite services);
    `participations` (open ones, each with `basis_label`, `in_force`, `ends_on` and
    `needs_information`); for the lead service only, `ended` (the participations
    that ended, kept as history) and `consents` (each with `state` and
    `category_labels`). Other services
    get empty lists there: they see who takes part and on which basis, never the
    consents. A fixed number of queries whatever the number of rows.
    """
    can_manage = case_sharing_allowed(user=user, case=case)
    today = timezone.localdate()
    rows = list(
        Participation.objects.filter(case=case)
        .select_related("service", "caseworker", "legal_basis", "consent")
        .order_by("started_at", "id")
    )
    for row in rows:
        row.basis_label = participation_basis_label(participation=row)  # type: ignore[attr-defined]
        consent = row.consent
        row.ends_on = consent.valid_until if consent is not None else None  # type: ignore[attr-defined]
        row.in_force = row.ended_at is None and (  # type: ignore[attr-defined]
            consent is None or consent_state(consent=consent, on=today) == "valid"
        )
        row.needs_information = (  # type: ignore[attr-defined]
            row.role == Participation.Role.PARTICIPANT
            and row.ended_at is None
            and consent is None
            and row.person_informed_at is None
        )
    consents: list[Any] = []
    if can_manage:
        consents = consents_mark(consents=list(consents_of_case(case=case)), on=today)
    return {
        "case": case,
        "can_manage": can_manage,
        "participations": [row for row in rows if row.ended_at is None],
        "ended": [row for row in rows if row.ended_at is not None] if can_manage else [],
        "consents": consents,
    }
