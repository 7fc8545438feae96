"""Marking a goal achieved: once, on a day not in the future, audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.services.action_plans import goal_create, goal_mark_achieved
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_marking_a_goal_achieved_records_the_day_once_and_audits_it(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    goal = goal_create(case=case, title="Objectif", created_by=orp_counsellor)

    goal_mark_achieved(goal=goal, achieved_by=orp_counsellor)

    goal.refresh_from_db()
    assert goal.achieved_on == timezone.localdate()
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, object_type="cases.goal").count() == 1
    with pytest.raises(ValidationError, match="déjà atteint"):
        goal_mark_achieved(goal=goal, achieved_by=orp_counsellor)


def test_a_goal_cannot_be_achieved_in_the_future(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    goal = goal_create(case=case, title="Objectif", created_by=orp_counsellor)

    with pytest.raises(ValidationError):
        goal_mark_achieved(
            goal=goal, achieved_by=orp_counsellor, achieved_on=timezone.localdate() + dt.timedelta(days=1)
        )

    goal.refresh_from_db()
    assert goal.achieved_on is None


def test_a_user_outside_the_case_may_not_mark_a_goal_achieved(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    goal = goal_create(case=case, title="Objectif", created_by=orp_counsellor)

    with pytest.raises(PermissionDenied):
        goal_mark_achieved(goal=goal, achieved_by=oai_counsellor)

    goal.refresh_from_db()
    assert goal.achieved_on is None
