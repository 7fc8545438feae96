"""The case workflow: legal steps only, outcomes on closure, stale edits refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseFile, CaseStatus, Outcome, OutOfCriteriaReason, StatusChange
from cases.services import StaleCaseFile, case_transition
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _walk(case, user, *statuses):
    for status in statuses:
        case = case_transition(case=case, to_status=status, expected_version=case.version, changed_by=user)
    return case


def test_a_case_goes_from_signalled_to_closed_with_an_outcome(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    case = _walk(case, orp_counsellor, CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN, CaseStatus.FOLLOW_UP)

    closed = case_transition(
        case=case,
        to_status=CaseStatus.CLOSED,
        expected_version=case.version,
        changed_by=orp_counsellor,
        outcome=Outcome.JOB,
        outcome_date=timezone.localdate(),
    )

    assert (closed.status, closed.outcome, closed.version) == (CaseStatus.CLOSED, Outcome.JOB, 5)
    assert closed.closed_at is not None
    assert list(StatusChange.objects.filter(case=case).values_list("to_status", flat=True)) == [
        "reported",
        "assessment",
        "action_plan",
        "follow_up",
        "closed",
    ]
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, object_id=str(case.pk)).count() == 4


def test_it_refuses_an_illegal_step_with_a_french_message_and_changes_nothing(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        case_transition(case=case, to_status=CaseStatus.FOLLOW_UP, expected_version=1, changed_by=orp_counsellor)

    assert "« signalé » ne peut pas passer à « suivi »" in refused.value.messages[0]
    case.refresh_from_db()
    assert (case.status, case.version) == (CaseStatus.REPORTED, 1)


def test_it_refuses_to_close_without_an_outcome(orp_counsellor, services):
    case = _walk(
        open_case(lead_service=services["semp"], opened_by=orp_counsellor),
        orp_counsellor,
        CaseStatus.ASSESSMENT,
        CaseStatus.ACTION_PLAN,
    )

    with pytest.raises(ValidationError, match="indiquez son issue"):
        case_transition(
            case=case, to_status=CaseStatus.CLOSED, expected_version=case.version, changed_by=orp_counsellor
        )

    assert CaseFile.objects.get(pk=case.pk).status == CaseStatus.ACTION_PLAN


def test_it_refuses_an_outcome_dated_in_the_future(orp_counsellor, services):
    case = _walk(
        open_case(lead_service=services["semp"], opened_by=orp_counsellor),
        orp_counsellor,
        CaseStatus.ASSESSMENT,
        CaseStatus.ACTION_PLAN,
    )

    with pytest.raises(ValidationError, match="futur"):
        case_transition(
            case=case,
            to_status=CaseStatus.CLOSED,
            expected_version=case.version,
            changed_by=orp_counsellor,
            outcome=Outcome.JOB,
            outcome_date=timezone.localdate() + dt.timedelta(days=1),
        )


def test_out_of_criteria_needs_a_reason(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError, match="hors critères"):
        case_transition(case=case, to_status=CaseStatus.OUT_OF_CRITERIA, expected_version=1, changed_by=orp_counsellor)
    done = case_transition(
        case=case,
        to_status=CaseStatus.OUT_OF_CRITERIA,
        expected_version=1,
        changed_by=orp_counsellor,
        out_of_criteria_reason=OutOfCriteriaReason.OVER_AGE,
    )

    assert done.out_of_criteria_reason == OutOfCriteriaReason.OVER_AGE


def test_a_stale_edit_is_refused_and_the_first_one_is_kept(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    first_reader, second_reader = CaseFile.objects.get(pk=case.pk), CaseFile.objects.get(pk=case.pk)
    case_transition(case=first_reader, to_status=CaseStatus.ASSESSMENT, expected_version=1, changed_by=orp_counsellor)

    with pytest.raises(StaleCaseFile) as stale:
        case_transition(
            case=second_reader,
            to_status=CaseStatus.OUT_OF_CRITERIA,
            expected_version=1,
            changed_by=orp_counsellor,
            out_of_criteria_reason=OutOfCriteriaReason.OTHER,
        )

    assert "modifié par quelqu'un d'autre" in str(stale.value)
    current = CaseFile.objects.get(pk=case.pk)
    assert (current.status, current.version) == (CaseStatus.ASSESSMENT, 2)
