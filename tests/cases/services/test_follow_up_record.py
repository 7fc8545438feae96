"""Recording the answer of a follow-up check: once, when due, by the lead service, audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseStatus, FollowUpCheck, Outcome
from cases.services.case_files import case_transition
from cases.services.follow_up import follow_up_record, follow_up_schedule
from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _checks(user, service, outcome_date: dt.date) -> list[FollowUpCheck]:
    case = open_case(lead_service=service, opened_by=user)
    for status in (CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN):
        case = case_transition(case=case, to_status=status, expected_version=case.version, changed_by=user)
    case = case_transition(
        case=case,
        to_status=CaseStatus.CLOSED,
        expected_version=case.version,
        changed_by=user,
        outcome=Outcome.JOB,
        outcome_date=outcome_date,
    )
    return follow_up_schedule(case=case)


def test_the_lead_service_records_that_the_person_is_still_in_a_job(orp_counsellor, services):
    today = timezone.localdate()
    check = _checks(orp_counsellor, services["semp"], today - dt.timedelta(days=100))[0]

    recorded = follow_up_record(
        check=check, still_integrated=True, note="  CDI chez Dixi Polytool  ", checked_by=orp_counsellor
    )

    recorded.refresh_from_db()
    assert (recorded.checked_on, recorded.still_integrated, recorded.note, recorded.checked_by) == (
        today,
        True,
        "CDI chez Dixi Polytool",
        orp_counsellor,
    )
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.followupcheck")
    assert event.person_id == str(check.case.person_id)
    assert event.detail == {"case": check.case.reference, "months_after": 3}


def test_it_refuses_a_second_answer_and_keeps_the_first(orp_counsellor, services):
    check = _checks(orp_counsellor, services["semp"], timezone.localdate() - dt.timedelta(days=100))[0]
    follow_up_record(check=check, still_integrated=True, note="", checked_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        follow_up_record(check=check, still_integrated=False, note="changé", checked_by=orp_counsellor)

    assert "déjà été enregistré" in refused.value.messages[0]
    check.refresh_from_db()
    assert (check.still_integrated, check.note) == (True, "")


def test_it_refuses_a_check_that_is_not_yet_due_and_saves_nothing(orp_counsellor, services):
    today = timezone.localdate()
    checks = _checks(orp_counsellor, services["semp"], today - dt.timedelta(days=10))

    with pytest.raises(ValidationError) as refused:
        follow_up_record(check=checks[1], still_integrated=True, note="", checked_by=orp_counsellor)

    assert "n'est pas encore échu" in refused.value.messages[0]
    assert checks[1].due_on.strftime("%d.%m.%Y") in refused.value.messages[0]
    assert not FollowUpCheck.objects.filter(checked_on__isnull=False).exists()
    assert not AuditEvent.objects.filter(object_type="cases.followupcheck").exists()


def test_a_check_may_be_answered_two_weeks_before_it_is_due(orp_counsellor, services):
    today = timezone.localdate()
    check = _checks(orp_counsellor, services["semp"], today - dt.timedelta(days=80))[0]
    FollowUpCheck.objects.filter(pk=check.pk).update(due_on=today + dt.timedelta(days=14))

    recorded = follow_up_record(check=check, still_integrated=False, note="", checked_by=orp_counsellor)

    assert recorded.still_integrated is False


def test_another_service_cannot_answer_even_when_it_sees_the_case(orp_counsellor, oai_counsellor, services):
    check = _checks(orp_counsellor, services["semp"], timezone.localdate() - dt.timedelta(days=100))[0]
    access_grant(service=services["oai"], obj=check.case, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    with pytest.raises(PermissionDenied):
        follow_up_record(check=check, still_integrated=True, note="", checked_by=oai_counsellor)

    check.refresh_from_db()
    assert check.checked_on is None


def test_a_coordination_member_of_the_lead_service_cannot_answer(orp_counsellor, coordination_member, services):
    check = _checks(orp_counsellor, services["semp"], timezone.localdate() - dt.timedelta(days=100))[0]

    with pytest.raises(PermissionDenied):
        follow_up_record(check=check, still_integrated=True, note="", checked_by=coordination_member)
