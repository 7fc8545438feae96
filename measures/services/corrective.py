"""Corrective measures asked of a provider: requested, followed until done, or escalated to the GP CII.

The coordination group asks a provider for a correction and follows it
(`requested` → `in_progress` → `done`). A correction that changes the service
agreement is not the group's to settle: it is escalated to the GP CII
(`escalated`), whose member records the decision (`decided`). Every step is
audited; a stale write is refused with a French message (`StaleCorrectiveMeasure`).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import CorrectiveMeasure, Measure, Provider
from measures.roles import is_coordination_member
from measures.selectors.reviews import is_gp_cii_member

Status = CorrectiveMeasure.Status

OPEN_STATUSES: frozenset[str] = frozenset({Status.REQUESTED, Status.IN_PROGRESS})
"""Statuses in which the coordination group still follows the correction itself."""

FOLLOW_UP_STATUSES: frozenset[str] = frozenset({Status.IN_PROGRESS, Status.DONE})
"""Statuses a follow-up may set."""


class StaleCorrectiveMeasure(StaleVersion):
    """The corrective measure changed since the form was read: the write is refused, nothing is lost."""

    def __init__(self, corrective: CorrectiveMeasure) -> None:
        super().__init__(
            _(
                "Cette mesure corrective a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.corrective = corrective


def _require_member(user: User) -> None:
    if not is_coordination_member(user):
        raise PermissionDenied(_("Seuls les membres du groupe de coordination suivent les mesures correctives."))


def _lock_current(corrective: CorrectiveMeasure, expected_version: int) -> CorrectiveMeasure:
    current = CorrectiveMeasure.objects.select_for_update().get(pk=corrective.pk)
    if current.version != expected_version:
        raise StaleCorrectiveMeasure(current)
    return current


def _require_open(current: CorrectiveMeasure) -> None:
    if current.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Cette mesure corrective est « %(status)s » : le groupe de coordination ne la suit plus.")
            % {"status": current.get_status_display()},
            code="not_open",
        )


def _audit(
    corrective: CorrectiveMeasure,
    actor: User,
    action: AuditAction,
    request: HttpRequest | None,
    **detail: object,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        obj=corrective,
        request=request,
        detail={"provider": corrective.provider_id, "status": corrective.status, **detail},
    )


@transaction.atomic
def corrective_measure_request(
    *,
    provider: Provider,
    description: str,
    due_on: dt.date,
    requested_by: User,
    measure: Measure | None = None,
    changes_contract: bool = False,
    requested_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> CorrectiveMeasure:
    """Ask `provider` for a correction (of `measure`, one of its measures, if given) due by `due_on`.

    Raises `PermissionDenied` for anyone but a coordination-group member and
    `ValidationError` (French) for an empty description, a measure of another
    provider or a due date before the request.
    """
    _require_member(requested_by)
    requested_on = requested_on or timezone.localdate()
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Décrivez la correction demandée.")
    if measure is not None and measure.provider_id != provider.pk:
        errors["measure"] = _("Cette mesure n'est pas une mesure de ce prestataire.")
    if due_on < requested_on:
        errors["due_on"] = _("L'échéance ne peut pas précéder la date de la demande.")
    if errors:
        raise ValidationError(errors)
    corrective = CorrectiveMeasure(
        provider=provider,
        measure=measure,
        description=description.strip(),
        changes_contract=changes_contract,
        requested_on=requested_on,
        due_on=due_on,
        requested_by=requested_by,
    )
    corrective.full_clean()
    corrective.save()
    _audit(corrective, requested_by, AuditAction.CREATE, request, changes_contract=changes_contract)
    return corrective


@transaction.atomic
def corrective_measure_update(
    *,
    corrective: CorrectiveMeasure,
    expected_version: int,
    follow_up: str,
    status: str,
    updated_by: User,
    changes_contract: bool | None = None,
    request: HttpRequest | None = None,
) -> CorrectiveMeasure:
    """Record the follow-up of a correction still followed by the group, `in_progress` or `done`.

    `changes_contract`, when given, corrects whether the correction changes the
    agreement (then it is to be escalated rather than done). Raises
    `PermissionDenied`, `StaleCorrectiveMeasure`, or `ValidationError` (French)
    for another status, an empty follow-up, a correction no longer followed by the
    group, or one marked done although it changes the agreement.
    """
    _require_member(updated_by)
    current = _lock_current(corrective, expected_version)
    _require_open(current)
    if status not in FOLLOW_UP_STATUSES:
        raise ValidationError({"status": _("Le suivi met la mesure « en cours » ou « réalisée ».")})
    if not follow_up.strip():
        raise ValidationError({"follow_up": _("Décrivez où en est la correction.")})
    if changes_contract is not None:
        current.changes_contract = changes_contract
    if status == Status.DONE and current.changes_contract:
        raise ValidationError(
            {"status": _("Cette correction modifie la convention : soumettez-la au GP CII, qui décide.")},
            code="contract_change",
        )
    previous = current.status
    current.follow_up = follow_up.strip()
    current.status = status
    current.version += 1
    current.full_clean()
    current.save(update_fields=["follow_up", "status", "changes_contract", "version"])
    _audit(current, updated_by, AuditAction.CHANGE, request, previous=previous)
    return current


@transaction.atomic
def corrective_measure_escalate(
    *,
    corrective: CorrectiveMeasure,
    expected_version: int,
    escalated_by: User,
    request: HttpRequest | None = None,
) -> CorrectiveMeasure:
    """Submit a correction that changes the agreement to the GP CII (status `escalated`, dated now).

    Raises `PermissionDenied`, `StaleCorrectiveMeasure`, or `ValidationError`
    (French) when the correction does not change the agreement (the group settles
    it itself) or is no longer followed by the group.
    """
    _require_member(escalated_by)
    current = _lock_current(corrective, expected_version)
    _require_open(current)
    if not current.changes_contract:
        raise ValidationError(
            _(
                "Seule une correction qui modifie la convention de prestations est soumise au GP CII ; "
                "celle-ci se règle au sein du groupe de coordination."
            ),
            code="no_contract_change",
        )
    previous = current.status
    current.status = Status.ESCALATED
    current.escalated_at = timezone.now()
    current.version += 1
    current.full_clean()
    current.save(update_fields=["status", "escalated_at", "version"])
    _audit(current, escalated_by, AuditAction.CHANGE, request, previous=previous)
    return current


@transaction.atomic
def corrective_measure_decide(
    *,
    corrective: CorrectiveMeasure,
    expected_version: int,
    decision: str,
    decided_by: User,
    request: HttpRequest | None = None,
) -> CorrectiveMeasure:
    """Record the GP CII's decision on an escalated correction (status `decided`).

    Raises `PermissionDenied` for anyone but a GP CII member,
    `StaleCorrectiveMeasure`, or `ValidationError` (French) for an empty decision
    or a correction that was not escalated (or already decided).
    """
    if not is_gp_cii_member(decided_by):
        raise PermissionDenied(_("Seul le GP CII décide des corrections qui modifient une convention."))
    current = _lock_current(corrective, expected_version)
    if current.status != Status.ESCALATED:
        raise ValidationError(
            _("Seule une mesure soumise au GP CII et pas encore décidée peut recevoir une décision."),
            code="not_escalated",
        )
    if not decision.strip():
        raise ValidationError({"gp_decision": _("Indiquez la décision du GP CII.")})
    current.gp_decision = decision.strip()
    current.status = Status.DECIDED
    current.version += 1
    current.full_clean()
    current.save(update_fields=["gp_decision", "status", "version"])
    _audit(current, decided_by, AuditAction.CHANGE, request, previous=Status.ESCALATED.value)
    return current
