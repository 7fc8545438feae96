"""Reading the journal and the attachments of a case, and the collaboration section of the case page.

The rule, in one place (`journal_visibility_q`): a user reads an entry or an
attachment of a case only while their service may view the case, and then every
entry for the network plus the entries of their own service. Every query starts
from the case files the user may see (the access gate), so that an entry of a case
the user no longer reaches, or of another service, never comes out: not in a list,
not in the case page, not through a download address (404, like a missing one).
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from cases.models import Attachment, CaseFile, JournalEntry, Visibility
from cii_platform.access import Capability, access_can, access_filter_visible, access_get_or_404, access_legal_basis
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import KeysetPage, keyset_page

# How many journal entries and attachments the case page shows (with a link to all of them).
SECTION_ROWS = 20
PAGE_ROWS = 50


def journal_visibility_q(*, user: User | None) -> Q:
    """The entries (or attachments) `user` may read in a case their service may view."""
    service_id = getattr(user, "service_id", None)
    if service_id is None:
        return Q(visibility=Visibility.NETWORK)
    return Q(visibility=Visibility.NETWORK) | Q(visibility=Visibility.SERVICE, service_id=service_id)


def journal_writer_allowed(*, user: User | None, case: CaseFile) -> bool:
    """Whether `user` may write in the journal of `case` and attach documents to it.

    A caseworker (not only a coordination-group member) of a service that may view
    the case right now.
    """
    if user is None or not user.is_authenticated or not user.is_active or user.service_id is None:
        return False
    if not user.has_role(Role.CASEWORKER):
        return False
    return access_can(user=user, obj=case, capability=Capability.VIEW)


def _visible_case(*, user: User | None, case: CaseFile) -> Any:  # a values("pk") sub-query
    # Asked again in the same query as the rows: a grant withdrawn since the case
    # was read hides the rows too.
    return access_filter_visible(user=user, queryset=CaseFile.objects.filter(pk=case.pk)).values("pk")


def journal_entries_visible(*, user: User | None, case: CaseFile) -> QuerySet[JournalEntry]:
    """The journal entries of `case` that `user` may read, newest first, with author and service."""
    return (
        JournalEntry.objects.filter(case_id__in=_visible_case(user=user, case=case))
        .filter(journal_visibility_q(user=user))
        .select_related("author", "service")
        .order_by("-id")
    )


def journal_entry_get(
    *, user: User | None, case: CaseFile, entry_id: int, request: HttpRequest | None = None
) -> JournalEntry:
    """The journal entry `entry_id` of `case` if `user` may read it (see `journal_entries_visible`), Http404 otherwise.

    `case` was read through `case_get_for_reading`. An entry of another case, one
    kept for another service and a missing one answer alike; the refusal of an
    existing entry of the case is audited.
    """
    entry = journal_entries_visible(user=user, case=case).filter(pk=entry_id).first()
    if entry is None:
        hidden = JournalEntry.objects.filter(case=case, pk=entry_id).first()
        if hidden is not None:
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=user,
                obj=hidden,
                request=request,
                detail={"case": case.reference, "visibility": hidden.visibility},
            )
        raise Http404
    return entry


def attachments_visible(*, user: User | None, case: CaseFile) -> QuerySet[Attachment]:
    """The attachments of `case` that `user` may download, newest first, with uploader and service."""
    return (
        Attachment.objects.filter(case_id__in=_visible_case(user=user, case=case))
        .filter(journal_visibility_q(user=user))
        .select_related("uploaded_by", "service")
        .order_by("-id")
    )


def _label_kinds(attachments: list[Attachment]) -> list[Attachment]:
    from cases.services.journal import KIND_LABELS

    for attachment in attachments:
        attachment.kind_label = KIND_LABELS.get(attachment.content_type, "—")  # type: ignore[attr-defined]
    return attachments


def journal_page(
    *, user: User | None, case: CaseFile, after: str | None, size: int = PAGE_ROWS
) -> KeysetPage[JournalEntry]:
    """One page of the journal of `case` as `user` may read it, after the cursor `after` (no count)."""
    return keyset_page(journal_entries_visible(user=user, case=case), after=after, size=size)


def attachment_page(
    *, user: User | None, case: CaseFile, after: str | None, size: int = PAGE_ROWS
) -> KeysetPage[Attachment]:
    """One page of the attachments of `case` that `user` may download, after the cursor `after`."""
    page = keyset_page(attachments_visible(user=user, case=case), after=after, size=size)
    _label_kinds(page.rows)
    return page


def case_get_for_journal(
    *, user: User | None, reference: str, request: HttpRequest | None = None, audit_read: bool = True
) -> CaseFile:
    """The case `reference` if `user` may write in its journal (see `journal_writer_allowed`), Http404 otherwise.

    A case the user may not write in answers like a missing one; the refused
    attempt is audited. With `audit_read`, the read of the case is audited.
    """
    case = access_get_or_404(
        user=user,
        queryset=CaseFile.objects.select_related("lead_service", "person", "programme"),
        request=request,
        reference=reference,
    )
    if not journal_writer_allowed(user=user, case=case):
        audit_record(
            action=AuditAction.ACCESS_DENIED, actor=user, obj=case, request=request, detail={"capability": "journal"}
        )
        raise Http404
    if audit_read:
        audit_record(
            action=AuditAction.READ,
            actor=user,
            obj=case,
            person_id=str(case.person_id),
            legal_basis=access_legal_basis(user=user, obj=case),
            request=request,
            detail={"page": "journal"},
        )
    return case


def attachment_get_for_download(
    *, user: User | None, reference: str, attachment_id: int, request: HttpRequest | None = None
) -> Attachment:
    """The attachment `attachment_id` of case `reference` if `user` may read it; the download is audited.

    Http404 when the case is not visible, the attachment belongs to another case,
    or it is kept for another service: all alike, each refusal audited.
    """
    case = access_get_or_404(user=user, queryset=CaseFile.objects.all(), request=request, reference=reference)
    attachment = attachments_visible(user=user, case=case).filter(pk=attachment_id).first()
    if attachment is None:
        hidden = Attachment.objects.filter(case=case, pk=attachment_id).first()
        if hidden is not None:
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=user,
                obj=hidden,
                request=request,
                detail={"case": case.reference, "visibility": hidden.visibility},
            )
        raise Http404
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=attachment,
        person_id=str(case.person_id),
        legal_basis=access_legal_basis(user=user, obj=case),
        request=request,
        detail={"case": case.reference, "download": True},
    )
    attachment.case = case
    return attachment


def case_collaboration_for(*, user: User | None, case: CaseFile) -> dict[str, Any]:
    """The collaboration section of the case page, for `case` already read through `case_get_for_reading`.

    Keys: `case`; `journal` (the last 20 entries `user` may read) and
    `journal_more` (there are older ones: link to the journal page);
    `attachments` and `attachments_more` likewise; `can_write` (the user may write
    and attach); `referrals` (see `cases.selectors.referrals.referrals_of_case`),
    `can_refer` and `reminder_days`; `revolving_door` (see
    `cases.selectors.referrals.case_revolving_door_for`). A fixed number of
    queries whatever the number of rows.
    """
    from cases.selectors.referrals import (
        REFERRAL_REMINDER_DAYS,
        case_revolving_door_for,
        referral_allowed,
        referrals_of_case,
    )

    journal = list(journal_entries_visible(user=user, case=case)[: SECTION_ROWS + 1])
    attachments = _label_kinds(list(attachments_visible(user=user, case=case)[: SECTION_ROWS + 1]))
    return {
        "case": case,
        "journal": journal[:SECTION_ROWS],
        "journal_more": len(journal) > SECTION_ROWS,
        "attachments": attachments[:SECTION_ROWS],
        "attachments_more": len(attachments) > SECTION_ROWS,
        "can_write": journal_writer_allowed(user=user, case=case),
        "referrals": referrals_of_case(user=user, case=case),
        "can_refer": referral_allowed(user=user, case=case),
        "reminder_days": REFERRAL_REMINDER_DAYS,
        "revolving_door": case_revolving_door_for(user=user, case=case),
    }
