"""Reading referrals: the ones a service must answer, the ones of a case, and the person's revolving door.

A referral is addressed to a service that, until it accepts, has no access to the
case. What that service sees of a pending referral is therefore limited to what it
needs to decide and what the referral's legal basis covers: the case reference,
the programme, the kind (shared handling or hand-over of the lead), the reason
written for it, the proposing service and caseworker, the legal basis and the
date. Never the person's name, birth date or AVS number: the whole target service
reads the list, and a service that refuses never learns who the person is. The
identity comes with the access, on acceptance.

A referral left unanswered for more than `REFERRAL_REMINDER_DAYS` days is flagged
on both sides.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from cases.models import CaseFile, Referral
from cases.selectors.participations import case_sharing_allowed
from cases.selectors.revolving_door import (
    DEFAULT_MONTHS,
    lead_stays_by_person,
    revolving_door_from_stays,
)
from cases.services.participations import CLOSED_STATUSES
from cii_platform.access import access_filter_visible
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import KeysetPage, keyset_page

# Days after which a referral still waiting for an answer is flagged.
REFERRAL_REMINDER_DAYS = 10
# The referrals of one case shown on its page (a case has few; the bound keeps the page bounded).
CASE_REFERRAL_ROWS = 50


def referral_allowed(*, user: User | None, case: CaseFile) -> bool:
    """Whether `user` may propose a referral of `case`: a caseworker of its lead service, the case still open.

    Only the lead service shares a case (see `cases.selectors.participations`): a
    participating service asks the lead, for instance in the journal.
    """
    return case.status not in CLOSED_STATUSES and case_sharing_allowed(user=user, case=case)


def referral_is_overdue(*, referral: Referral, now: dt.datetime | None = None) -> bool:
    """Whether `referral` is still pending more than `REFERRAL_REMINDER_DAYS` days after it was made."""
    moment = now or timezone.now()
    return referral.status == Referral.Status.PENDING and moment - referral.created_at > dt.timedelta(
        days=REFERRAL_REMINDER_DAYS
    )


def _mark_waiting(referrals: list[Referral]) -> None:
    now = timezone.now()
    for referral in referrals:
        referral.overdue = referral_is_overdue(referral=referral, now=now)  # type: ignore[attr-defined]
        referral.days_waiting = (now - referral.created_at).days  # type: ignore[attr-defined]


def _answers_for(user: User | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.service_id is not None
        and user.has_role(Role.CASEWORKER)
    )


def referrals_pending_for(*, user: User | None) -> QuerySet[Referral]:
    """The pending referrals addressed to `user`'s service (for its caseworkers), newest first.

    Reads only what the target may see before accepting (see the module): the
    person's columns are not even loaded.
    """
    if user is None or not _answers_for(user):
        return Referral.objects.none()
    return (
        Referral.objects.filter(to_service_id=user.service_id, status=Referral.Status.PENDING)
        .select_related("case", "case__programme", "from_service", "legal_basis", "created_by")
        .only(
            "id",
            "kind",
            "reason",
            "status",
            "created_at",
            "case__id",
            "case__reference",
            "case__person",  # the id only, for the audit trail
            "case__programme__id",
            "case__programme__name",
            "from_service__id",
            "from_service__name",
            "from_service__code",
            "legal_basis__id",
            "legal_basis__label",
            "created_by__id",
            "created_by__first_name",
            "created_by__last_name",
            "created_by__username",
            "created_by__email",
        )
        .order_by("-id")
    )


def referrals_pending_page(
    *, user: User | None, after: str | None, size: int = 50, request: HttpRequest | None = None
) -> KeysetPage[Referral]:
    """One page of the referrals `user`'s service must answer, each with `overdue` and `days_waiting`.

    The reading is audited once for the page (the rows carry no identity; the
    answer page, which shows one referral in full, is audited per referral).
    """
    page = keyset_page(referrals_pending_for(user=user), after=after, size=size)
    referrals_pending_mark(user=user, rows=page.rows, request=request)
    return page


def referrals_pending_mark(*, user: User | None, rows: list[Referral], request: HttpRequest | None = None) -> None:
    """Set `overdue` and `days_waiting` on a page of pending referrals and audit its reading, once for the page."""
    _mark_waiting(rows)
    if rows:
        audit_record(
            action=AuditAction.READ,
            actor=user,
            object_type=Referral._meta.label_lower,
            request=request,
            detail={"page": "pending", "referrals": [referral.pk for referral in rows]},
        )


def referral_get_for_answer(
    *, user: User | None, reference: str, referral_id: int, request: HttpRequest | None = None
) -> Referral:
    """The pending referral `referral_id` of case `reference` if `user` answers for its target service.

    Http404 otherwise (another service, already answered, not a caseworker, no
    such referral): all alike, a refusal of an existing referral audited. The read
    is audited with the case's person and the referral's legal basis.
    """
    referral = referrals_pending_for(user=user).filter(pk=referral_id, case__reference=reference).first()
    if referral is None:
        hidden = Referral.objects.filter(pk=referral_id, case__reference=reference).first()
        if hidden is not None:
            audit_record(
                action=AuditAction.ACCESS_DENIED, actor=user, obj=hidden, request=request, detail={"answer": True}
            )
        raise Http404
    _mark_waiting([referral])
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=referral,
        person_id=str(referral.case.person_id),
        legal_basis=referral.legal_basis.label if referral.legal_basis else "",
        request=request,
        detail={"case": referral.case.reference, "page": "answer"},
    )
    return referral


def referral_get_for_case(*, case: CaseFile, referral_id: int) -> Referral:
    """The pending referral `referral_id` of `case` (the caller acts for its lead service), or Http404."""
    referral = (
        Referral.objects.select_related("to_service", "from_service")
        .filter(case=case, pk=referral_id, status=Referral.Status.PENDING)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def referrals_visible(*, user: User | None, case: CaseFile) -> QuerySet[Referral]:
    """The referrals of `case` while `user`'s service may view it, newest first, with services and authors.

    The rows still need `referrals_mark` before they are shown (who reads the reasons, who may act).
    """
    visible = access_filter_visible(user=user, queryset=CaseFile.objects.filter(pk=case.pk)).values("pk")
    return (
        Referral.objects.filter(case_id__in=visible)
        .select_related("from_service", "to_service", "legal_basis", "created_by", "answered_by")
        .order_by("-id")
    )


def referrals_mark(*, user: User | None, case: CaseFile, rows: list[Referral]) -> list[Referral]:
    """Set on each of `rows` (referrals of `case`) what `user` may see of it and do with it, and return them.

    `overdue`, `days_waiting`, `show_reason` (the reasons are shown to the two
    services concerned and to the current lead only), `visible_reason` and
    `visible_refusal_reason` (the texts, or "" when `show_reason` is false),
    `can_answer` and `can_withdraw`. At most one query (whether the user leads the case).
    """
    _mark_waiting(rows)
    service_id = getattr(user, "service_id", None)
    answers = _answers_for(user)
    leads = case_sharing_allowed(user=user, case=case) if rows else False
    for row in rows:
        pending = row.status == Referral.Status.PENDING
        shown = service_id is not None and service_id in (row.from_service_id, row.to_service_id, case.lead_service_id)
        row.show_reason = shown  # type: ignore[attr-defined]
        row.visible_reason = row.reason if shown else ""  # type: ignore[attr-defined]
        row.visible_refusal_reason = row.refusal_reason if shown else ""  # type: ignore[attr-defined]
        row.can_answer = pending and answers and row.to_service_id == service_id  # type: ignore[attr-defined]
        row.can_withdraw = pending and leads and row.from_service_id == case.lead_service_id  # type: ignore[attr-defined]
    return rows


def referrals_of_case(*, user: User | None, case: CaseFile) -> list[Referral]:
    """The referrals of `case` (newest first, at most `CASE_REFERRAL_ROWS`), as a user who may view the case sees them.

    Every hand-off is kept and listed; each row is marked by `referrals_mark`. One query.
    """
    rows = list(referrals_visible(user=user, case=case)[:CASE_REFERRAL_ROWS])
    return referrals_mark(user=user, case=case, rows=rows)


def referral_get_visible(*, user: User | None, case: CaseFile, referral_id: int) -> Referral:
    """The referral `referral_id` of `case` as `user` sees it in the case (marked), or Http404.

    `case` was read through `case_get_for_reading`; a referral of another case is as missing.
    """
    referral = referrals_visible(user=user, case=case).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    return referrals_mark(user=user, case=case, rows=[referral])[0]


def case_revolving_door_for(*, user: User | None, case: CaseFile, months: int = DEFAULT_MONTHS) -> dict[str, Any]:
    """The revolving-door summary of `case`'s person for the case page.

    `index`: the person's index over all their case files (hops, hops in the last
    12 months, returns, flag): the same figures the triage queue counts, so that the
    services see the revolving door they are asked to stop; it names no service.
    `visible`: the lead roles, and the days in each system, of the case files
    `user` may see only (each stay with its `reference`): a case file of another
    service is not revealed through the person's path. Two queries.
    """
    stays = lead_stays_by_person(person_ids=[case.person_id])[case.person_id]
    references = dict(
        access_filter_visible(user=user, queryset=CaseFile.objects.filter(person_id=case.person_id)).values_list(
            "pk", "reference"
        )
    )
    today = timezone.localdate()
    visible = revolving_door_from_stays(
        stays=[stay for stay in stays if stay.case_id in references], months=months, today=today
    )
    rows = [{"stay": stay, "reference": references[stay.case_id]} for stay in visible.stays]
    return {
        "index": revolving_door_from_stays(stays=stays, months=months, today=today),
        "visible": visible,
        "rows": rows,
    }
