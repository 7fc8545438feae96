"""The triage queue's "overdue tasks" filter: an open task due before today, on the case itself."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseFile, Task
from cases.selectors.action_plans import overdue_tasks_filter, task_days_late, task_is_overdue
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _task(case, by, *, due_in_days: int, status: str = Task.Status.OPEN) -> Task:
    # Written directly: the service refuses a due date in the past, and here time has passed.
    return Task.objects.create(
        case=case,
        title="Tâche",
        assigned_service=case.lead_service,
        due_on=timezone.localdate() + dt.timedelta(days=due_in_days),
        status=status,
        created_by=by,
    )


def test_it_keeps_only_the_cases_with_an_open_task_due_before_today(orp_counsellor, services):
    late = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    due_today = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    done_late = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    cancelled_late = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    without_tasks = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    _task(late, orp_counsellor, due_in_days=-1)
    _task(late, orp_counsellor, due_in_days=10)
    _task(due_today, orp_counsellor, due_in_days=0)
    _task(done_late, orp_counsellor, due_in_days=-5, status=Task.Status.DONE)
    _task(cancelled_late, orp_counsellor, due_in_days=-5, status=Task.Status.CANCELLED)

    flagged = set(CaseFile.objects.filter(overdue_tasks_filter()))
    others = set(CaseFile.objects.filter(~overdue_tasks_filter()))

    assert flagged == {late}
    assert others == {due_today, done_late, cancelled_late, without_tasks}


def test_it_takes_the_day_to_compare_with(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    _task(case, orp_counsellor, due_in_days=3)

    assert not CaseFile.objects.filter(overdue_tasks_filter()).exists()
    in_a_week = timezone.localdate() + dt.timedelta(days=7)
    assert list(CaseFile.objects.filter(overdue_tasks_filter(today=in_a_week))) == [case]


def test_it_combines_with_the_visible_cases_in_a_single_query(orp_counsellor, django_assert_num_queries, services):
    from cases.selectors.case_files import case_list_visible

    mine = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    theirs = open_case(lead_service=services["oai"], opened_by=None)
    for case in (mine, theirs):
        _task(case, orp_counsellor, due_in_days=-2)
    case_list_visible(user=orp_counsellor)  # loads the user's groups and the permission id once

    with django_assert_num_queries(1):
        rows = list(case_list_visible(user=orp_counsellor).filter(overdue_tasks_filter()))

    assert rows == [mine]


def test_a_task_is_late_from_the_day_after_its_due_date_and_says_by_how_many_days(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    task = _task(case, orp_counsellor, due_in_days=-3)

    assert task_is_overdue(task=task, today=today)
    assert task_days_late(task=task, today=today) == 3
    assert not task_is_overdue(task=task, today=today - dt.timedelta(days=3))
    task.status = Task.Status.DONE
    assert not task_is_overdue(task=task, today=today)
    assert task_days_late(task=task, today=today) == 0
