"""Follow-up after a positive exit: checks at 3, 6 and 12 months, and their answers.

A case closed with a positive outcome (`cases.models.POSITIVE_OUTCOMES`) gets one
check 3, 6 and 12 months after the date of its outcome: is the person still in a
job or in training? The answers feed the indicator of lasting reintegration.
The checks are the lead service's job: only a caseworker of a service that may
change the case records an answer.
"""

import calendar
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import POSITIVE_OUTCOMES, CaseFile, CaseStatus, FollowUpCheck
from cii_platform.access import Capability, access_can
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record

FOLLOW_UP_MONTHS: tuple[int, ...] = (3, 6, 12)
# A check may be answered a little before its due date (the caseworker reaches
# the person when they can), but not months ahead: the answer would say nothing
# about the integration lasting.
EARLY_ANSWER = dt.timedelta(days=14)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` calendar months later, clamped to the last day of a shorter month (31.01 + 1 → 28.02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_needed(case: CaseFile) -> bool:
    """Whether `case` calls for follow-up checks: closed, with a positive outcome and its date."""
    return case.status == CaseStatus.CLOSED and case.outcome in POSITIVE_OUTCOMES and case.outcome_date is not None


@transaction.atomic
def follow_up_schedule(*, case: CaseFile) -> list[FollowUpCheck]:
    """Create the missing 3-, 6- and 12-month checks of `case` and return all its checks, earliest first.

    Idempotent: a check that exists already is kept as it is (with its answer).
    A case that is not closed with a positive outcome gets none, so the caller may
    call it after every closure. Due dates count from `outcome_date`. Not audited
    on its own: the checks derive from the closure, which `case_transition`
    audits, and hold nothing about the person until they are answered.
    """
    if not follow_up_needed(case) or case.outcome_date is None:
        return []
    existing = set(FollowUpCheck.objects.filter(case=case).values_list("months_after", flat=True))
    missing = [
        FollowUpCheck(case=case, months_after=months, due_on=add_months(case.outcome_date, months))
        for months in FOLLOW_UP_MONTHS
        if months not in existing
    ]
    for check in missing:
        check.full_clean(validate_unique=False, validate_constraints=False)
    # A concurrent scheduling of the same case loses the race quietly (one check per step).
    FollowUpCheck.objects.bulk_create(missing, ignore_conflicts=True)
    return list(FollowUpCheck.objects.filter(case=case).order_by("months_after"))


@transaction.atomic
def follow_up_record(
    *,
    check: FollowUpCheck,
    still_integrated: bool,
    note: str,
    checked_by: User,
    request: HttpRequest | None = None,
) -> FollowUpCheck:
    """Record the answer of `check` (dated today) and return it; audited with the person.

    Refused with a French `ValidationError` (and nothing changes) when the check
    was already answered or is due more than two weeks from now. Only a caseworker
    whose service may change the case records it (`PermissionDenied` otherwise;
    the pages answer 404 before that).
    """
    current = FollowUpCheck.objects.select_for_update(of=("self",)).select_related("case").get(pk=check.pk)
    if not checked_by.has_role(Role.CASEWORKER) or not access_can(
        user=checked_by, obj=current.case, capability=Capability.CHANGE
    ):
        raise PermissionDenied(_("Seul le service pilote du dossier enregistre les suivis après la sortie."))
    if current.checked_on is not None:
        raise ValidationError(
            _("Ce suivi a déjà été enregistré le %(date)s.") % {"date": current.checked_on.strftime("%d.%m.%Y")},
            code="already_checked",
        )
    today = timezone.localdate()
    if today < current.due_on - EARLY_ANSWER:
        raise ValidationError(
            _(
                "Ce suivi n'est pas encore échu (échéance le %(date)s) : il peut être enregistré au plus tôt "
                "deux semaines avant."
            )
            % {"date": current.due_on.strftime("%d.%m.%Y")},
            code="not_due",
        )
    current.checked_on = today
    current.still_integrated = still_integrated
    current.note = note.strip()
    current.checked_by = checked_by
    current.full_clean()
    current.save(update_fields=["checked_on", "still_integrated", "note", "checked_by"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=checked_by,
        obj=current,
        person_id=str(current.case.person_id),
        request=request,
        detail={"case": current.case.reference, "months_after": current.months_after},
    )
    return current
