"""Reading the action plan of a case file: its goals, its tasks and who may work on them.

Every function that takes a `case` expects a case file already read through
`cases.selectors.case_files.case_get_for_reading` (or `action_plan_case_get`),
which checks that the user may see it and audits the read; none of them checks
the view access again.

Who may write (goals, tasks, meetings): a user holding the caseworker role whose
service takes part in the case right now, i.e. an open participation whose basis
is in force (the lead service, or a participant whose consent has not lapsed),
and who may still view the case. Everyone who sees the case may read the plan.

A task is overdue when it is still open and its due date is before today
(Neuchâtel time): due today is not late yet.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from cases.models import CaseFile, CaseStatus, Goal, Participation, Task
from cases.selectors.consents import consent_is_in_force
from cii_platform.access import Capability, access_can, access_get_or_404, access_legal_basis
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

# A closed case keeps its plan for the record; nothing new is planned on it.
CLOSED_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.OUT_OF_CRITERIA})
# How many meetings the case page lists; the meeting list page has them all.
CASE_SECTION_MEETINGS = 5


# -- The triage queue's filter -----------------------------------------------------


def overdue_tasks_filter(*, today: dt.date | None = None) -> Exists:
    """`Exists` over the case's open tasks due before `today` (today in Neuchâtel by default).

    Usable on any queryset of case files: `CaseFile.objects.filter(overdue_tasks_filter())`;
    negate it with `~overdue_tasks_filter()`. The sub-query reads the partial index
    of open tasks by (case, due date).
    """
    day = today or timezone.localdate()
    return Exists(Task.objects.filter(case=OuterRef("pk"), status=Task.Status.OPEN, due_on__lt=day))


def task_is_overdue(*, task: Task, today: dt.date | None = None) -> bool:
    """Whether `task` is still open and past its due date."""
    day = today or timezone.localdate()
    return task.status == Task.Status.OPEN and task.due_on < day


def task_days_late(*, task: Task, today: dt.date | None = None) -> int:
    """How many days an open task is past its due date (0 if it is not late)."""
    day = today or timezone.localdate()
    if task.status != Task.Status.OPEN or task.due_on >= day:
        return 0
    return (day - task.due_on).days


# -- Who takes part, who may write ---------------------------------------------------


def _in_force(participation: Participation, today: dt.date) -> bool:
    consent = participation.consent
    return consent is None or consent_is_in_force(consent=consent, on=today)


def case_active_participations(*, case: CaseFile) -> list[Participation]:
    """The open participations of `case` whose basis is in force today, lead first (one query).

    Their services are the ones a task may be assigned to and that may attend a
    meeting; each participation has its `service` and `caseworker` loaded.
    """
    today = timezone.localdate()
    rows = (
        Participation.objects.filter(case=case, ended_at__isnull=True)
        .select_related("service", "caseworker", "consent")
        .order_by("started_at", "id")
    )
    active = [row for row in rows if _in_force(row, today)]
    # The lead service first, the others in the order they joined.
    return sorted(active, key=lambda row: row.role != Participation.Role.LEAD)


def case_active_services(*, case: CaseFile) -> list[PartnerService]:
    """The services taking part in `case` right now, lead first (see `case_active_participations`)."""
    return [row.service for row in case_active_participations(case=case)]


def action_plan_may_write(
    *, user: User | None, case: CaseFile, participations: Sequence[Participation] | None = None
) -> bool:
    """Whether `user` may add goals, tasks and meetings to `case` (see the module docstring).

    `participations`, when the caller already loaded `case_active_participations`,
    saves a query.
    """
    if user is None or not user.is_authenticated or not user.is_active or user.service_id is None:
        return False
    if not user.has_role(Role.CASEWORKER):
        return False
    rows = case_active_participations(case=case) if participations is None else participations
    if not any(row.service_id == user.service_id for row in rows):
        return False
    # The grant may have ended (consent revoked a moment ago) while the participation row lags behind.
    return access_can(user=user, obj=case, capability=Capability.VIEW)


def task_may_settle(*, user: User | None, task: Task, case: CaseFile, may_write: bool) -> bool:
    """Whether `user` (who may write on `case` if `may_write`) may mark `task` done or cancel it.

    Only a user of the service the task is assigned to, or of the lead service, and
    only while the task is open.
    """
    if not may_write or user is None or task.status != Task.Status.OPEN:
        return False
    return user.service_id in (task.assigned_service_id, case.lead_service_id)


def action_plan_case_get(
    *,
    user: User | None,
    reference: str,
    request: HttpRequest | None = None,
    write: bool = False,
    audit_read: bool = True,
) -> CaseFile:
    """The case `reference` if `user` may see it (and, with `write`, work on its plan), Http404 otherwise.

    A missing case, a case the user may not see and, with `write`, a case the user
    may only read all answer the same 404; the refused attempts are audited. With
    `audit_read` the read is audited (pages that show the case); actions that audit
    their own change pass False. The case carries `can_change` and `may_write`.
    """
    case = access_get_or_404(
        user=user,
        queryset=CaseFile.objects.select_related("lead_service", "person", "programme", "case_manager"),
        request=request,
        reference=reference,
    )
    case.can_change = access_can(user=user, obj=case, capability=Capability.CHANGE)  # type: ignore[attr-defined]
    may_write = action_plan_may_write(user=user, case=case)
    case.may_write = may_write  # type: ignore[attr-defined]
    if write and not may_write:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            obj=case,
            request=request,
            detail={"capability": "action_plan"},
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
            detail={"page": "action_plan"},
        )
    return case


# -- Loading the plan ----------------------------------------------------------------


def _tasks_of(case: CaseFile) -> QuerySet[Task]:
    return Task.objects.filter(case=case).select_related("assigned_service", "assigned_to", "meeting")


def tasks_of_case(*, case: CaseFile) -> QuerySet[Task]:
    """Every task of `case`, newest first, with its service, caseworker and meeting (for a paged list).

    The rows still need `tasks_mark` before they are shown.
    """
    return _tasks_of(case).order_by("-id")


def tasks_mark(tasks: Sequence[Task], *, user: User | None, case: CaseFile, may_write: bool, today: dt.date) -> None:
    """Set `is_overdue`, `days_late` and `can_settle` on each of `tasks` (loaded rows; no query)."""
    for task in tasks:
        task.is_overdue = task_is_overdue(task=task, today=today)  # type: ignore[attr-defined]
        task.days_late = task_days_late(task=task, today=today)  # type: ignore[attr-defined]
        task.can_settle = task_may_settle(  # type: ignore[attr-defined]
            user=user, task=task, case=case, may_write=may_write
        )


def task_sort_key(task: Task) -> tuple[int, dt.date, int]:
    """Sort key of the plan's tasks: open ones first by due date, then the done and cancelled ones."""
    return (0 if task.status == Task.Status.OPEN else 1, task.due_on, task.pk)


def action_plan_for(*, user: User | None, case: CaseFile) -> dict[str, Any]:
    """The action-plan section of the case page (context name `action_plan`).

    Keys: `case`; `may_write` (the user may add goals, tasks and meetings);
    `is_closed` (the case is closed: nothing new may be planned);
    `goals` (each with `task_list`, open tasks first by due date, and
    `open_count`); `loose_tasks` (tasks attached to no goal, e.g. meeting
    commitments); `overdue_count`; `open_count`; `meetings` (the
    `CASE_SECTION_MEETINGS` latest, each with `service_list` and
    `commitment_count`) and `more_meetings` (whether there are older ones); `today`.
    Every task carries `is_overdue`, `days_late` and `can_settle`. A fixed number
    of queries whatever the number of goals, tasks and meetings.
    """
    from cases.selectors.meetings import meetings_recent  # meetings selectors import this module

    today = timezone.localdate()
    may_write = getattr(case, "may_write", None)
    if may_write is None:
        may_write = action_plan_may_write(user=user, case=case)
    goals = list(Goal.objects.filter(case=case).order_by("created_at", "id"))
    tasks = sorted(_tasks_of(case), key=task_sort_key)
    tasks_mark(tasks, user=user, case=case, may_write=may_write, today=today)
    by_goal: dict[int | None, list[Task]] = {}
    for task in tasks:
        by_goal.setdefault(task.goal_id, []).append(task)
    for goal in goals:
        goal.task_list = by_goal.get(goal.pk, [])  # type: ignore[attr-defined]
        goal.open_count = sum(task.status == Task.Status.OPEN for task in goal.task_list)  # type: ignore[attr-defined]
    meetings, more_meetings = meetings_recent(case=case, limit=CASE_SECTION_MEETINGS)
    return {
        "case": case,
        "may_write": may_write,
        "is_closed": case.status in CLOSED_STATUSES,
        "goals": goals,
        "loose_tasks": by_goal.get(None, []),
        "overdue_count": sum(task.is_overdue for task in tasks),  # type: ignore[attr-defined]
        "open_count": sum(task.status == Task.Status.OPEN for task in tasks),
        "meetings": meetings,
        "more_meetings": more_meetings,
        "today": today,
    }


def goal_get_for_case(*, case: CaseFile, pk: int) -> Goal:
    """The goal `pk` of `case`, or Http404 (a goal of another case is as missing)."""
    goal = Goal.objects.filter(case=case, pk=pk).first()
    if goal is None:
        raise Http404
    return goal


def task_get_for_case(*, case: CaseFile, pk: int) -> Task:
    """The task `pk` of `case` with its service, or Http404 (a task of another case is as missing)."""
    task = Task.objects.filter(case=case, pk=pk).select_related("assigned_service", "case").first()
    if task is None:
        raise Http404
    return task


def assignable_caseworkers(*, services: Sequence[PartnerService]) -> QuerySet[User]:
    """The active caseworkers of `services`, by service and name: those a task may go to or who attend."""
    return (
        User.objects.filter(
            Q(service__in=[service.pk for service in services]),
            is_active=True,
            roles__role=Role.CASEWORKER,
        )
        .select_related("service")
        .order_by("service__name", "last_name", "first_name", "id")
        .distinct()
    )
