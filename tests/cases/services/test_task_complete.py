"""Marking a task done or cancelling it: a user of the task's service or of the lead service, once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Task
from cases.services.action_plans import task_cancel, task_complete, task_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(orp_counsellor, services):
    """A case led by SEMP, shared with OAI and SASO on the person's consent."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"], services["saso"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    invite_on_consent(case, services["saso"], orp_counsellor, consent)
    return case


def _task(case, by, service) -> Task:
    return task_create(
        case=case,
        title="Demander un rapport médical",
        assigned_service=service,
        due_on=timezone.localdate() + dt.timedelta(days=7),
        created_by=by,
    )


def test_the_responsible_service_marks_its_task_done_today_and_it_is_audited(
    case, orp_counsellor, oai_counsellor, services
):
    task = _task(case, orp_counsellor, services["oai"])

    task_complete(task=task, done_by=oai_counsellor)

    task.refresh_from_db()
    assert (task.status, task.done_on) == (Task.Status.DONE, timezone.localdate())
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.task")
    assert (event.actor, event.person_id, event.detail["status"]) == (oai_counsellor, str(case.person_id), "done")


def test_the_lead_service_may_mark_another_services_task_done(case, orp_counsellor, services):
    task = _task(case, orp_counsellor, services["oai"])

    task_complete(task=task, done_by=orp_counsellor)

    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_a_third_participating_service_may_not_close_another_services_task(
    case, orp_counsellor, ssr_social_worker, services
):
    task = _task(case, orp_counsellor, services["oai"])

    with pytest.raises(PermissionDenied):
        task_complete(task=task, done_by=ssr_social_worker)
    with pytest.raises(PermissionDenied):
        task_cancel(task=task, cancelled_by=ssr_social_worker)

    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE, object_type="cases.task").exists()


def test_a_user_outside_the_case_may_not_close_a_task(case, orp_counsellor, smig_counsellor, services):
    task = _task(case, orp_counsellor, services["semp"])

    with pytest.raises(PermissionDenied):
        task_complete(task=task, done_by=smig_counsellor)

    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN


def test_a_task_is_done_or_cancelled_only_once(case, orp_counsellor, services):
    task = _task(case, orp_counsellor, services["semp"])
    task_complete(task=task, done_by=orp_counsellor)

    with pytest.raises(ValidationError, match="n'est plus à faire"):
        task_complete(task=task, done_by=orp_counsellor)
    with pytest.raises(ValidationError, match="n'est plus à faire"):
        task_cancel(task=task, cancelled_by=orp_counsellor)

    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_a_task_cannot_be_done_in_the_future(case, orp_counsellor, services):
    task = _task(case, orp_counsellor, services["semp"])

    with pytest.raises(ValidationError):
        task_complete(task=task, done_by=orp_counsellor, done_on=timezone.localdate() + dt.timedelta(days=1))

    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN
