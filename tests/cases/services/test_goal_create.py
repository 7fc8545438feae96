"""Adding goals to the action plan: caseworkers of a participating service only, audited, not on a closed case."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseFile, CaseStatus, Goal
from cases.services.action_plans import goal_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_a_caseworker_of_the_lead_service_adds_a_goal_and_it_is_audited_with_the_person(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    goal = goal_create(case=case, title="  Retrouver un emploi à 50 %  ", created_by=orp_counsellor)

    assert (goal.case, goal.title, goal.created_by) == (case, "Retrouver un emploi à 50 %", orp_counsellor)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.goal")
    assert (event.person_id, event.actor, event.detail["case"]) == (str(case.person_id), orp_counsellor, case.reference)


def test_a_caseworker_of_an_invited_service_adds_a_goal_too(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))

    goal = goal_create(case=case, title="Clarifier la capacité de travail", created_by=oai_counsellor)

    assert goal.created_by == oai_counsellor


def test_it_refuses_a_user_of_a_service_that_does_not_take_part_and_saves_nothing(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(PermissionDenied):
        goal_create(case=case, title="Objectif", created_by=oai_counsellor)

    assert not Goal.objects.exists()
    assert not AuditEvent.objects.filter(object_type="cases.goal").exists()


def test_it_refuses_a_user_of_the_lead_service_without_the_caseworker_role(coordination_member, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    with pytest.raises(PermissionDenied):
        goal_create(case=case, title="Objectif", created_by=coordination_member)


def test_it_refuses_an_empty_title_in_french(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        goal_create(case=case, title="   ", created_by=orp_counsellor)

    assert error.value.message_dict["title"] == ["Indiquez l'objectif."]
    assert not Goal.objects.exists()


def test_it_refuses_a_new_goal_on_a_closed_case(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    CaseFile.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, outcome="job", outcome_date=timezone.localdate()
    )
    case.refresh_from_db()

    with pytest.raises(ValidationError, match="clôturé"):
        goal_create(case=case, title="Objectif", created_by=orp_counsellor)
