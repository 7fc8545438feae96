"""The action-plan section of the case page: goals with their tasks, late tasks, meetings, who may act."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Meeting, Task
from cases.selectors.action_plans import CASE_SECTION_MEETINGS, action_plan_for, action_plan_may_write
from cases.services.action_plans import goal_create, task_create
from cases.services.consents import consent_revoke
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_case(orp_counsellor, services):
    """A case led by SEMP, shared with OAI and SASO on the person's consent."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"], services["saso"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    invite_on_consent(case, services["saso"], orp_counsellor, consent)
    case.consent = consent
    return case


def _task(case, by, service, *, days: int = 7, goal=None) -> Task:
    return task_create(
        case=case,
        title=f"Tâche {service.code}",
        assigned_service=service,
        due_on=timezone.localdate() + dt.timedelta(days=max(days, 0)),
        goal=goal,
        created_by=by,
    )


def _make_late(task: Task, days: int) -> None:
    Task.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - dt.timedelta(days=days))


def _meeting(case, by, days_ago: int) -> Meeting:
    meeting = Meeting.objects.create(
        case=case, held_on=timezone.localdate() - dt.timedelta(days=days_ago), decisions="D.", recorded_by=by
    )
    meeting.services.add(case.lead_service)
    return meeting


def test_it_groups_the_tasks_under_their_goals_open_first_and_counts_the_late_ones(
    shared_case, orp_counsellor, services
):
    goal = goal_create(case=shared_case, title="Capacité de travail", created_by=orp_counsellor)
    later = _task(shared_case, orp_counsellor, services["oai"], days=20, goal=goal)
    late = _task(shared_case, orp_counsellor, services["oai"], goal=goal)
    _make_late(late, 4)
    done = _task(shared_case, orp_counsellor, services["semp"], days=1, goal=goal)
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, done_on=timezone.localdate())
    loose = _task(shared_case, orp_counsellor, services["saso"])

    plan = action_plan_for(user=orp_counsellor, case=shared_case)

    assert plan["goals"] == [goal]
    assert [task.pk for task in plan["goals"][0].task_list] == [late.pk, later.pk, done.pk]
    assert plan["goals"][0].open_count == 2
    assert [task.pk for task in plan["loose_tasks"]] == [loose.pk]
    assert (plan["overdue_count"], plan["open_count"]) == (1, 3)
    flagged = plan["goals"][0].task_list[0]
    assert (flagged.is_overdue, flagged.days_late) == (True, 4)
    assert plan["may_write"] is True


def test_the_tasks_a_user_may_settle_are_those_of_their_service_or_all_for_the_lead(
    shared_case, orp_counsellor, oai_counsellor, ssr_social_worker, services
):
    oai_task = _task(shared_case, orp_counsellor, services["oai"])
    semp_task = _task(shared_case, orp_counsellor, services["semp"])

    def settle(user):
        plan = action_plan_for(user=user, case=shared_case)
        return {task.pk for task in plan["loose_tasks"] if task.can_settle}

    assert settle(orp_counsellor) == {oai_task.pk, semp_task.pk}
    assert settle(oai_counsellor) == {oai_task.pk}
    assert settle(ssr_social_worker) == set()


def test_only_caseworkers_of_services_taking_part_may_write(
    shared_case, orp_counsellor, oai_counsellor, smig_counsellor, coordination_member, gp_cii_member
):
    assert action_plan_may_write(user=orp_counsellor, case=shared_case)
    assert action_plan_may_write(user=oai_counsellor, case=shared_case)
    assert not action_plan_may_write(user=smig_counsellor, case=shared_case)
    assert not action_plan_may_write(user=coordination_member, case=shared_case)  # lead service, no caseworker role
    assert not action_plan_may_write(user=gp_cii_member, case=shared_case)
    assert not action_plan_may_write(user=None, case=shared_case)


def test_a_revoked_consent_takes_the_right_to_write_away_at_once(shared_case, orp_counsellor, oai_counsellor):
    consent_revoke(case=shared_case, consent=shared_case.consent, revoked_by=orp_counsellor, note="révocation")

    assert not action_plan_may_write(user=oai_counsellor, case=shared_case)


def test_it_lists_the_latest_meetings_and_says_when_there_are_older_ones(shared_case, orp_counsellor):
    meetings = [_meeting(shared_case, orp_counsellor, days_ago=days) for days in range(CASE_SECTION_MEETINGS + 1)]

    plan = action_plan_for(user=orp_counsellor, case=shared_case)

    assert [meeting.pk for meeting in plan["meetings"]] == [m.pk for m in meetings[:CASE_SECTION_MEETINGS]]
    assert plan["more_meetings"] is True
    assert plan["meetings"][0].service_list == [shared_case.lead_service]
    assert plan["meetings"][0].commitment_count == 0


def test_its_queries_do_not_grow_with_the_number_of_goals_tasks_and_meetings(
    shared_case, orp_counsellor, oai_counsellor, services
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            plan = action_plan_for(user=oai_counsellor, case=shared_case)
            for goal in plan["goals"]:
                for task in goal.task_list:
                    str(task.assigned_service), str(task.assigned_to), task.meeting
            for meeting in plan["meetings"]:
                list(meeting.service_list)
        return len(captured)

    def add(count: int) -> None:
        for index in range(count):
            goal = goal_create(case=shared_case, title=f"Objectif {index}", created_by=orp_counsellor)
            _task(shared_case, orp_counsellor, services["oai"], goal=goal)
            _task(shared_case, orp_counsellor, services["semp"], goal=goal)
            _meeting(shared_case, orp_counsellor, days_ago=index)

    add(2)
    queries()  # the user's roles and groups are read once, then cached on the account
    few = queries()
    add(30)
    many = queries()

    assert few == many
