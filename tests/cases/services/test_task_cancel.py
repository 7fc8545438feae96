"""Cancelling a task: it leaves the open tasks (and no longer counts as late); audited."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseFile, Task
from cases.selectors.action_plans import overdue_tasks_filter
from cases.services.action_plans import task_cancel, task_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_cancelling_a_late_task_removes_the_case_from_the_overdue_filter_and_is_audited(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    task = task_create(
        case=case,
        title="Inscrire à la mesure",
        assigned_service=services["semp"],
        due_on=timezone.localdate(),
        created_by=orp_counsellor,
    )
    Task.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    assert CaseFile.objects.filter(overdue_tasks_filter()).exists()

    task_cancel(task=task, cancelled_by=orp_counsellor)

    assert Task.objects.get(pk=task.pk).status == Task.Status.CANCELLED
    assert task.status == Task.Status.CANCELLED
    assert not CaseFile.objects.filter(overdue_tasks_filter()).exists()
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.task")
    assert (event.detail["status"], event.person_id) == ("cancelled", str(case.person_id))
