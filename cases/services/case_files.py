"""Opening case files (the signalement) and moving them through their workflow."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    CaseFile,
    CaseReferenceCounter,
    CaseStatus,
    Outcome,
    OutOfCriteriaReason,
    Participation,
    Person,
    Programme,
    StatusChange,
)
from cases.services.follow_up import follow_up_schedule
from cases.services.priority import person_cases_priority_refresh
from cii_platform.access import Capability, access_grant
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from cii_platform.partners.models import PartnerService

LEAD_SERVICE_BASIS = "Service pilote du dossier"

# The workflow: signalé → en évaluation → plan d'action → suivi → clôturé,
# or hors critères from the first two steps.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.REPORTED: frozenset({CaseStatus.ASSESSMENT, CaseStatus.OUT_OF_CRITERIA}),
    CaseStatus.ASSESSMENT: frozenset({CaseStatus.ACTION_PLAN, CaseStatus.OUT_OF_CRITERIA}),
    CaseStatus.ACTION_PLAN: frozenset({CaseStatus.FOLLOW_UP, CaseStatus.CLOSED}),
    CaseStatus.FOLLOW_UP: frozenset({CaseStatus.ACTION_PLAN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.OUT_OF_CRITERIA: frozenset(),
}


class StaleCaseFile(StaleVersion):
    """The case file changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, case: CaseFile) -> None:
        super().__init__(
            _(
                "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.case = case


def _next_reference() -> str:
    year = timezone.localdate().year
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"CII-{year}-{counter.last_number:05d}"


@transaction.atomic
def case_open(
    *,
    person: Person,
    programme: Programme,
    lead_service: PartnerService,
    opened_by: User | None,
    region: str = "",
    signal_reason: str = "",
    receives_unemployment: bool = False,
    receives_disability: bool = False,
    receives_social_assistance: bool = False,
    case_manager: User | None = None,
    request: HttpRequest | None = None,
) -> CaseFile:
    """Signal a case: a new case file led by `lead_service`, which may view and change it from now on.

    The lead service takes part with the case manager (or, by default, whoever
    signals the case when they belong to the lead service). Status: signalé.
    """
    if case_manager is None and opened_by is not None and opened_by.service_id == lead_service.pk:
        case_manager = opened_by
    if case_manager is not None and case_manager.service_id != lead_service.pk:
        raise ValidationError({"case_manager": _("Le case manager doit appartenir au service pilote.")})
    case = CaseFile(
        reference=_next_reference(),
        person=person,
        programme=programme,
        lead_service=lead_service,
        case_manager=case_manager,
        region=region,
        signal_reason=signal_reason,
        receives_unemployment=receives_unemployment,
        receives_disability=receives_disability,
        receives_social_assistance=receives_social_assistance,
        opened_by=opened_by,
    )
    case.full_clean()
    case.save()
    participation = Participation(
        case=case, service=lead_service, role=Participation.Role.LEAD, caseworker=case_manager
    )
    participation.full_clean()
    participation.save()
    StatusChange.objects.create(case=case, from_status="", to_status=CaseStatus.REPORTED, changed_by=opened_by)
    # A new lead role is a transfer for the person's other waiting cases as well.
    person_cases_priority_refresh(person_id=person.pk)
    case.refresh_from_db(fields=["priority_points", "priority_key"])
    audit_record(action=AuditAction.CREATE, actor=opened_by, obj=case, person_id=str(person.pk), request=request)
    for capability in (Capability.VIEW, Capability.CHANGE):
        access_grant(
            service=lead_service,
            obj=case,
            capability=capability,
            legal_basis=LEAD_SERVICE_BASIS,
            granted_by=opened_by,
            request=request,
        )
    return case


def _lock_current(case: CaseFile, expected_version: int) -> CaseFile:
    current = CaseFile.objects.select_for_update().get(pk=case.pk)
    if current.version != expected_version:
        raise StaleCaseFile(current)
    return current


@transaction.atomic
def case_transition(
    *,
    case: CaseFile,
    to_status: CaseStatus | str,
    expected_version: int,
    changed_by: User,
    note: str = "",
    outcome: Outcome | str = "",
    outcome_date: dt.date | None = None,
    out_of_criteria_reason: OutOfCriteriaReason | str = "",
    request: HttpRequest | None = None,
) -> CaseFile:
    """Move `case` to `to_status` if the workflow allows it, and return the updated case.

    Closing needs an outcome and its date; "hors critères" needs a reason. Raises
    `StaleCaseFile` when the case changed since `expected_version` was read, and
    `ValidationError` (French message) for a step the workflow does not allow.
    """
    current = _lock_current(case, expected_version)
    to_status = CaseStatus(to_status)
    if to_status not in TRANSITIONS[current.status]:
        raise ValidationError(
            _("Un dossier « %(from)s » ne peut pas passer à « %(to)s ».")
            % {"from": current.get_status_display(), "to": to_status.label},
            code="illegal_transition",
        )
    fields = ["status", "version", "updated_at"]
    if to_status == CaseStatus.CLOSED:
        if not outcome or outcome_date is None:
            raise ValidationError(_("Pour clôturer le dossier, indiquez son issue et la date de celle-ci."))
        if outcome_date > timezone.localdate():
            raise ValidationError(_("La date de l'issue ne peut pas être dans le futur."))
        current.outcome, current.outcome_date, current.closed_at = Outcome(outcome), outcome_date, timezone.now()
        fields += ["outcome", "outcome_date", "closed_at"]
    if to_status == CaseStatus.OUT_OF_CRITERIA:
        if not out_of_criteria_reason:
            raise ValidationError(_("Indiquez pourquoi le dossier est hors critères."))
        current.out_of_criteria_reason = OutOfCriteriaReason(out_of_criteria_reason)
        current.closed_at = timezone.now()
        fields += ["out_of_criteria_reason", "closed_at"]
    previous = current.status
    current.status = to_status
    current.version += 1
    current.full_clean()
    current.save(update_fields=fields)
    StatusChange.objects.create(
        case=current, from_status=previous, to_status=to_status, changed_by=changed_by, note=note[:300]
    )
    if to_status == CaseStatus.CLOSED:
        follow_up_schedule(case=current)
    audit_record(
        action=AuditAction.CHANGE,
        actor=changed_by,
        obj=current,
        person_id=str(current.person_id),
        request=request,
        detail={"status": [previous, to_status.value]},
    )
    return current
