"""Closing a case with a positive outcome schedules checks at 3, 6 and 12 months."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseStatus, FollowUpCheck, Outcome, OutOfCriteriaReason
from cases.services.case_files import case_transition
from cases.services.follow_up import add_months, follow_up_schedule
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _closed(user, service, outcome: Outcome, outcome_date: dt.date):
    case = open_case(lead_service=service, opened_by=user)
    for status in (CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN):
        case = case_transition(case=case, to_status=status, expected_version=case.version, changed_by=user)
    return case_transition(
        case=case,
        to_status=CaseStatus.CLOSED,
        expected_version=case.version,
        changed_by=user,
        outcome=outcome,
        outcome_date=outcome_date,
    )


def test_a_positive_exit_gets_checks_at_3_6_and_12_months_from_the_outcome_date(orp_counsellor, services):
    case = _closed(orp_counsellor, services["semp"], Outcome.JOB, dt.date(2026, 1, 15))

    checks = follow_up_schedule(case=case)

    assert [(check.months_after, check.due_on) for check in checks] == [
        (3, dt.date(2026, 4, 15)),
        (6, dt.date(2026, 7, 15)),
        (12, dt.date(2027, 1, 15)),
    ]
    assert all(check.checked_on is None and check.still_integrated is None for check in checks)


def test_scheduling_twice_keeps_the_checks_and_their_answers(orp_counsellor, services):
    case = _closed(orp_counsellor, services["semp"], Outcome.APPRENTICESHIP, dt.date(2025, 8, 1))
    first = follow_up_schedule(case=case)
    FollowUpCheck.objects.filter(pk=first[0].pk).update(checked_on=dt.date(2025, 11, 3), still_integrated=True)

    again = follow_up_schedule(case=case)

    assert [check.pk for check in again] == [check.pk for check in first]
    assert again[0].still_integrated is True
    assert FollowUpCheck.objects.filter(case=case).count() == 3


def test_a_missing_step_is_added_without_touching_the_others(orp_counsellor, services):
    case = _closed(orp_counsellor, services["semp"], Outcome.DIPLOMA, dt.date(2025, 6, 30))
    checks = follow_up_schedule(case=case)
    FollowUpCheck.objects.filter(pk=checks[1].pk).delete()

    again = follow_up_schedule(case=case)

    assert [check.months_after for check in again] == [3, 6, 12]
    assert again[0].pk == checks[0].pk and again[2].pk == checks[2].pk


@pytest.mark.parametrize("outcome", [Outcome.DROPPED_OUT, Outcome.MOVED_AWAY, Outcome.DISABILITY, Outcome.OTHER])
def test_an_exit_without_a_solution_gets_no_check(orp_counsellor, services, outcome):
    case = _closed(orp_counsellor, services["semp"], outcome, timezone.localdate())

    assert follow_up_schedule(case=case) == []
    assert not FollowUpCheck.objects.filter(case=case).exists()


def test_an_open_or_out_of_criteria_case_gets_no_check(orp_counsellor, services):
    ongoing = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    out = case_transition(
        case=open_case(lead_service=services["semp"], opened_by=orp_counsellor),
        to_status=CaseStatus.OUT_OF_CRITERIA,
        expected_version=1,
        changed_by=orp_counsellor,
        out_of_criteria_reason=OutOfCriteriaReason.OVER_AGE,
    )

    assert follow_up_schedule(case=ongoing) == []
    assert follow_up_schedule(case=out) == []
    assert not FollowUpCheck.objects.exists()


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
        (dt.date(2023, 11, 30), 3, dt.date(2024, 2, 29)),
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),
        (dt.date(2025, 12, 31), 12, dt.date(2026, 12, 31)),
        (dt.date(2025, 10, 15), 3, dt.date(2026, 1, 15)),
    ],
)
def test_a_due_date_falls_on_the_last_day_of_a_shorter_month(day, months, due):
    assert add_months(day, months) == due
