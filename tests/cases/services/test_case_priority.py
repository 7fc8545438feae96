"""The triage priority kept on the case row."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseFile
from cases.services.priority import case_priority_refresh, priority_key
from tests.factories import PersonFactory, open_case

pytestmark = pytest.mark.django_db


def test_two_benefit_systems_give_three_points_and_three_give_five(services):
    two = open_case(lead_service=services["semp"], receives_unemployment=True, receives_social_assistance=True)
    three = open_case(
        lead_service=services["semp"],
        receives_unemployment=True,
        receives_disability=True,
        receives_social_assistance=True,
    )
    none = open_case(lead_service=services["semp"])

    assert [two.priority_points, three.priority_points, none.priority_points] == [3, 5, 0]


def test_a_second_lead_service_for_the_same_person_counts_as_a_transfer(services):
    person = PersonFactory()
    open_case(lead_service=services["semp"], person=person)
    second = open_case(lead_service=services["saso"], person=person)

    assert second.priority_points == 2


def test_one_point_is_worth_thirty_days_of_waiting():
    now = timezone.now()

    assert priority_key(1, now) == priority_key(0, now - dt.timedelta(days=30))


def test_refreshing_an_unchanged_case_writes_nothing(services):
    case = open_case(lead_service=services["semp"])
    case = CaseFile.objects.get(pk=case.pk)

    with CaptureQueriesContext(connection) as queries:
        case_priority_refresh(case=case)

    assert not [query for query in queries if query["sql"].startswith("UPDATE")]


def test_a_new_lead_role_raises_the_priority_of_the_persons_other_waiting_cases(services):
    person = PersonFactory()
    first = open_case(lead_service=services["semp"], person=person)
    open_case(lead_service=services["saso"], person=person)

    assert CaseFile.objects.get(pk=first.pk).priority_points == 2


def test_lead_roles_outside_ac_ai_and_as_are_no_transfer(services):
    person = PersonFactory()
    open_case(lead_service=services["smig"], person=person)
    second = open_case(lead_service=services["saso"], person=person)

    assert second.priority_points == 0
