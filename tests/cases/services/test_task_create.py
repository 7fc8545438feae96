"""Adding tasks: to a service taking part (and one of its caseworkers), with a due date not in the past."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Task
from cases.services.action_plans import goal_create, task_create
from cases.services.consents import consent_revoke
from cases.services.meetings import meeting_record
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_case(orp_counsellor, services):
    """A case led by SEMP, shared with OAI on the person's consent."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    case.consent = consent
    return case


def _in(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_task_goes_to_a_participating_service_and_its_caseworker_and_is_audited(
    shared_case, orp_counsellor, oai_counsellor, services
):
    goal = goal_create(case=shared_case, title="Capacité de travail", created_by=orp_counsellor)

    task = task_create(
        case=shared_case,
        title="Demander un rapport médical",
        assigned_service=services["oai"],
        assigned_to=oai_counsellor,
        due_on=_in(14),
        goal=goal,
        created_by=orp_counsellor,
    )

    assert (task.status, task.assigned_service, task.assigned_to, task.goal) == (
        Task.Status.OPEN,
        services["oai"],
        oai_counsellor,
        goal,
    )
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.task")
    assert event.person_id == str(shared_case.person_id)
    assert event.detail["service"] == "oai"
    assert "Demander" not in str(event.detail)  # texts stay out of the audit trail


def test_it_refuses_a_service_that_does_not_take_part(shared_case, orp_counsellor, services):
    with pytest.raises(ValidationError) as error:
        task_create(
            case=shared_case, title="Tâche", assigned_service=services["saso"], due_on=_in(3), created_by=orp_counsellor
        )

    assert "ne participe pas" in error.value.message_dict["assigned_service"][0]
    assert not Task.objects.exists()


def test_it_refuses_a_service_whose_consent_was_revoked(shared_case, orp_counsellor, services):
    consent_revoke(case=shared_case, consent=shared_case.consent, revoked_by=orp_counsellor, note="révocation orale")

    with pytest.raises(ValidationError):
        task_create(
            case=shared_case, title="Tâche", assigned_service=services["oai"], due_on=_in(3), created_by=orp_counsellor
        )


def test_it_refuses_a_caseworker_of_another_service_than_the_one_responsible(
    shared_case, orp_counsellor, oai_counsellor, services
):
    with pytest.raises(ValidationError) as error:
        task_create(
            case=shared_case,
            title="Tâche",
            assigned_service=services["semp"],
            assigned_to=oai_counsellor,
            due_on=_in(3),
            created_by=orp_counsellor,
        )

    assert "conseiller·ère actif·ve du service choisi" in error.value.message_dict["assigned_to"][0]
    assert not Task.objects.exists()


def test_it_refuses_a_due_date_in_the_past_but_accepts_today(shared_case, orp_counsellor, services):
    with pytest.raises(ValidationError) as error:
        task_create(
            case=shared_case,
            title="Tâche",
            assigned_service=services["semp"],
            due_on=_in(-1),
            created_by=orp_counsellor,
        )
    assert error.value.message_dict["due_on"] == ["L'échéance ne peut pas être dans le passé."]

    task = task_create(
        case=shared_case, title="Tâche", assigned_service=services["semp"], due_on=_in(0), created_by=orp_counsellor
    )
    assert task.due_on == timezone.localdate()


def test_it_refuses_a_goal_of_another_case(shared_case, orp_counsellor, services):
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    foreign_goal = goal_create(case=other, title="Autre", created_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        task_create(
            case=shared_case,
            title="Tâche",
            assigned_service=services["semp"],
            due_on=_in(3),
            goal=foreign_goal,
            created_by=orp_counsellor,
        )

    assert "goal" in error.value.message_dict


def test_a_commitment_of_a_meeting_must_go_to_a_service_present_at_it(shared_case, orp_counsellor, services):
    meeting = meeting_record(
        case=shared_case,
        held_on=timezone.localdate(),
        services=[services["semp"]],
        decisions="Bilan de compétences.",
        recorded_by=orp_counsellor,
    )

    with pytest.raises(ValidationError, match="présent à cette séance"):
        task_create(
            case=shared_case,
            title="Tâche",
            assigned_service=services["oai"],
            due_on=_in(3),
            meeting=meeting,
            created_by=orp_counsellor,
        )
    commitment = task_create(
        case=shared_case,
        title="Organiser le bilan",
        assigned_service=services["semp"],
        due_on=_in(3),
        meeting=meeting,
        created_by=orp_counsellor,
    )
    assert list(meeting.commitments.all()) == [commitment]


def test_it_refuses_a_user_of_a_service_outside_the_case_and_saves_nothing(shared_case, ssr_social_worker, services):
    with pytest.raises(PermissionDenied):
        task_create(
            case=shared_case,
            title="Tâche",
            assigned_service=services["semp"],
            due_on=_in(3),
            created_by=ssr_social_worker,
        )

    assert not Task.objects.exists()
