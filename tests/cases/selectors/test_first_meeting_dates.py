"""For the indicators: the date of each case's first network meeting, in one query."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseFile, Meeting
from cases.selectors.meetings import first_meeting_dates
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _meeting(case, by, days_ago: int) -> Meeting:
    meeting = Meeting.objects.create(
        case=case,
        held_on=timezone.localdate() - dt.timedelta(days=days_ago),
        decisions="Décisions.",
        recorded_by=by,
    )
    meeting.services.add(case.lead_service)
    return meeting


def test_it_gives_the_earliest_meeting_of_each_case_and_leaves_out_cases_without_one(
    orp_counsellor, services, django_assert_num_queries
):
    first = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    second = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    without = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    # Recorded out of order: the first meeting is not the first row.
    _meeting(first, orp_counsellor, days_ago=3)
    _meeting(first, orp_counsellor, days_ago=30)
    _meeting(first, orp_counsellor, days_ago=10)
    _meeting(second, orp_counsellor, days_ago=1)

    with django_assert_num_queries(1):
        dates = first_meeting_dates(case_ids=[first.pk, second.pk, without.pk])

    today = timezone.localdate()
    assert dates == {first.pk: today - dt.timedelta(days=30), second.pk: today - dt.timedelta(days=1)}


def test_it_takes_a_queryset_of_ids_as_a_sub_query(orp_counsellor, services, django_assert_num_queries):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    other = open_case(lead_service=services["oai"], opened_by=None)
    _meeting(case, orp_counsellor, days_ago=5)
    _meeting(other, orp_counsellor, days_ago=5)

    with django_assert_num_queries(1):
        dates = first_meeting_dates(case_ids=CaseFile.objects.filter(lead_service=services["semp"]).values("pk"))

    assert set(dates) == {case.pk}


def test_it_answers_an_empty_dict_for_no_cases(db):
    assert first_meeting_dates(case_ids=[]) == {}
