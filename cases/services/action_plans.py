"""Writing the action plan of a case file: goals, tasks, marking a task done or cancelling it.

Who may write: a caseworker of a service taking part in the case right now (see
`cases.selectors.action_plans.action_plan_may_write`); anyone else gets
PermissionDenied (the views answer 404 before that). A task goes to one of the
services taking part, and possibly to one of its active caseworkers. Only a user
of the task's service or of the lead service marks it done or cancels it. Nothing
new is planned on a closed case; its open tasks may still be settled. A refused
input raises ValidationError with a French message and changes nothing. Every
creation and change is audited with the person's id (never the texts: they may
hold personal details, and the audit trail is read more widely than the case).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, Goal, Meeting, Task
from cases.selectors.action_plans import CLOSED_STATUSES, action_plan_may_write, case_active_services
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService


def action_plan_ensure_writer(user: User, case: CaseFile) -> None:
    """Raise PermissionDenied unless `user` may write on the plan of `case`."""
    if not action_plan_may_write(user=user, case=case):
        raise PermissionDenied(
            _("Seul·e un·e conseiller·ère d'un service qui participe au dossier peut modifier le plan d'action.")
        )


def action_plan_ensure_open(case: CaseFile) -> None:
    """Raise ValidationError if `case` is closed (nothing new is planned on it)."""
    if case.status in CLOSED_STATUSES:
        raise ValidationError(
            _("Ce dossier est clôturé : on ne peut plus y ajouter d'objectif, de tâche ni de séance."),
            code="case_closed",
        )


def _audit(
    action: AuditAction, *, actor: User, obj: Goal | Task, case: CaseFile, request: HttpRequest | None, **detail: object
) -> None:
    audit_record(
        action=action,
        actor=actor,
        obj=obj,
        person_id=str(case.person_id),
        request=request,
        detail={"case": case.reference, **detail},
    )


@transaction.atomic
def goal_create(
    *, case: CaseFile, title: str, created_by: User, description: str = "", request: HttpRequest | None = None
) -> Goal:
    """Add a goal to the action plan of `case`. Audited."""
    action_plan_ensure_writer(created_by, case)
    action_plan_ensure_open(case)
    if not title.strip():
        raise ValidationError({"title": _("Indiquez l'objectif.")}, code="required")
    goal = Goal(case=case, title=title.strip(), description=description.strip(), created_by=created_by)
    goal.full_clean()
    goal.save()
    _audit(AuditAction.CREATE, actor=created_by, obj=goal, case=case, request=request)
    return goal


@transaction.atomic
def goal_mark_achieved(
    *, goal: Goal, achieved_by: User, achieved_on: dt.date | None = None, request: HttpRequest | None = None
) -> Goal:
    """Record that `goal` was achieved on `achieved_on` (today by default, never in the future). Audited."""
    current = Goal.objects.select_for_update(of=("self",)).select_related("case").get(pk=goal.pk)
    case = current.case
    action_plan_ensure_writer(achieved_by, case)
    day = achieved_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"achieved_on": _("La date ne peut pas être dans le futur.")}, code="future")
    if current.achieved_on is not None:
        raise ValidationError(
            _("Cet objectif est déjà atteint (le %(date)s).") % {"date": current.achieved_on.strftime("%d.%m.%Y")},
            code="already_achieved",
        )
    current.achieved_on = day
    current.full_clean()
    current.save(update_fields=["achieved_on"])
    _audit(AuditAction.CHANGE, actor=achieved_by, obj=current, case=case, request=request, achieved_on=day.isoformat())
    goal.achieved_on = day
    return current


def _check_assignment(
    *,
    case: CaseFile,
    assigned_service: PartnerService,
    assigned_to: User | None,
    goal: Goal | None,
    meeting: Meeting | None,
) -> None:
    active = case_active_services(case=case)
    if assigned_service.pk not in {service.pk for service in active}:
        raise ValidationError(
            {
                "assigned_service": _(
                    "« %(service)s » ne participe pas à ce dossier : choisissez un service participant."
                )
                % {"service": assigned_service.name}
            },
            code="service_not_taking_part",
        )
    if assigned_to is not None and (
        assigned_to.service_id != assigned_service.pk
        or not assigned_to.is_active
        or not assigned_to.has_role(Role.CASEWORKER)
    ):
        raise ValidationError(
            {"assigned_to": _("La personne responsable doit être un·e conseiller·ère actif·ve du service choisi.")},
            code="caseworker_service",
        )
    if goal is not None and goal.case_id != case.pk:
        raise ValidationError({"goal": _("Cet objectif n'appartient pas à ce dossier.")}, code="other_case")
    if meeting is not None:
        if meeting.case_id != case.pk:
            raise ValidationError({"meeting": _("Cette séance n'appartient pas à ce dossier.")}, code="other_case")
        if not meeting.services.filter(pk=assigned_service.pk).exists():
            raise ValidationError(
                {
                    "assigned_service": _(
                        "Un engagement pris en séance revient à un service présent à cette séance ; "
                        "« %(service)s » n'y était pas."
                    )
                    % {"service": assigned_service.name}
                },
                code="service_not_present",
            )


@transaction.atomic
def task_create(
    *,
    case: CaseFile,
    title: str,
    assigned_service: PartnerService,
    due_on: dt.date,
    created_by: User,
    assigned_to: User | None = None,
    goal: Goal | None = None,
    meeting: Meeting | None = None,
    request: HttpRequest | None = None,
) -> Task:
    """Add a task to the plan of `case`, for `assigned_service` (and `assigned_to`), due on `due_on`.

    `assigned_service` must take part in the case now; `assigned_to`, if given, must
    be an active caseworker of that service. `goal` and `meeting` must be of the same
    case; a task with `meeting` is a commitment taken in that meeting, so its
    service must have attended. The due date may not be in the past. Audited.
    """
    action_plan_ensure_writer(created_by, case)
    action_plan_ensure_open(case)
    if not title.strip():
        raise ValidationError({"title": _("Indiquez la tâche.")}, code="required")
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("L'échéance ne peut pas être dans le passé.")}, code="past_due")
    _check_assignment(case=case, assigned_service=assigned_service, assigned_to=assigned_to, goal=goal, meeting=meeting)
    task = Task(
        case=case,
        goal=goal,
        meeting=meeting,
        title=title.strip(),
        assigned_service=assigned_service,
        assigned_to=assigned_to,
        due_on=due_on,
        created_by=created_by,
    )
    task.full_clean()
    task.save()
    _audit(
        AuditAction.CREATE,
        actor=created_by,
        obj=task,
        case=case,
        request=request,
        service=assigned_service.code,
        due_on=due_on.isoformat(),
        **({"meeting": meeting.pk} if meeting is not None else {}),
    )
    return task


def _lock_open_task(task: Task, user: User) -> Task:
    current = Task.objects.select_for_update(of=("self",)).select_related("case").get(pk=task.pk)
    case = current.case
    action_plan_ensure_writer(user, case)
    if user.service_id not in (current.assigned_service_id, case.lead_service_id):
        raise PermissionDenied(
            _("Seul le service responsable de la tâche ou le service pilote peut la clore ou l'annuler.")
        )
    if current.status != Task.Status.OPEN:
        raise ValidationError(
            _("Cette tâche n'est plus à faire (état : %(status)s).") % {"status": current.get_status_display()},
            code="not_open",
        )
    return current


@transaction.atomic
def task_complete(
    *, task: Task, done_by: User, done_on: dt.date | None = None, request: HttpRequest | None = None
) -> Task:
    """Mark the open `task` done on `done_on` (today by default, never in the future). Audited."""
    day = done_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"done_on": _("La date ne peut pas être dans le futur.")}, code="future")
    current = _lock_open_task(task, done_by)
    current.status = Task.Status.DONE
    current.done_on = day
    current.full_clean()
    current.save(update_fields=["status", "done_on"])
    _audit(AuditAction.CHANGE, actor=done_by, obj=current, case=current.case, request=request, status="done")
    task.status, task.done_on = current.status, current.done_on
    return current


@transaction.atomic
def task_cancel(*, task: Task, cancelled_by: User, request: HttpRequest | None = None) -> Task:
    """Cancel the open `task` (it no longer counts as late). Audited."""
    current = _lock_open_task(task, cancelled_by)
    current.status = Task.Status.CANCELLED
    current.full_clean()
    current.save(update_fields=["status"])
    _audit(AuditAction.CHANGE, actor=cancelled_by, obj=current, case=current.case, request=request, status="cancelled")
    task.status = current.status
    return current
