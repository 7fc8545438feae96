"""Recording a network meeting: held today or before, services taking part, their staff, decisions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Meeting
from cases.services.meetings import meeting_record
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_case(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    return case


def test_a_meeting_is_recorded_with_services_staff_others_and_decisions_and_audited(
    shared_case, orp_counsellor, oai_counsellor, services
):
    day = timezone.localdate() - dt.timedelta(days=2)

    meeting = meeting_record(
        case=shared_case,
        held_on=day,
        place="ORP Littoral",
        services=[services["semp"], services["oai"]],
        participants=[orp_counsellor, oai_counsellor],
        other_participants="la personne, son médecin traitant",
        decisions="Stage d'évaluation au CNIP ; rapport médical demandé.",
        recorded_by=oai_counsellor,
    )

    assert meeting.held_on == day
    assert set(meeting.services.all()) == {services["semp"], services["oai"]}
    assert set(meeting.participants.all()) == {orp_counsellor, oai_counsellor}
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.meeting")
    assert (event.person_id, event.detail["services"]) == (str(shared_case.person_id), ["oai", "semp"])


def test_it_refuses_a_meeting_in_the_future(shared_case, orp_counsellor, services):
    with pytest.raises(ValidationError) as error:
        meeting_record(
            case=shared_case,
            held_on=timezone.localdate() + dt.timedelta(days=1),
            services=[services["semp"]],
            decisions="Prévu.",
            recorded_by=orp_counsellor,
        )

    assert "ne peut pas être dans le futur" in error.value.message_dict["held_on"][0]
    assert not Meeting.objects.exists()


def test_it_refuses_a_service_that_does_not_take_part(shared_case, orp_counsellor, services):
    with pytest.raises(ValidationError) as error:
        meeting_record(
            case=shared_case,
            held_on=timezone.localdate(),
            services=[services["semp"], services["smig"]],
            decisions="Décision.",
            recorded_by=orp_counsellor,
        )

    message = "Ces services ne participent pas au dossier : Service des migrations."
    assert error.value.message_dict["services"] == [message]
    assert not Meeting.objects.exists()


def test_it_refuses_staff_of_a_service_not_marked_present(shared_case, orp_counsellor, oai_counsellor, services):
    with pytest.raises(ValidationError) as error:
        meeting_record(
            case=shared_case,
            held_on=timezone.localdate(),
            services=[services["semp"]],
            participants=[oai_counsellor],
            decisions="Décision.",
            recorded_by=orp_counsellor,
        )

    assert "participants" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_it_refuses_a_meeting_without_services_or_decisions(shared_case, orp_counsellor):
    with pytest.raises(ValidationError) as error:
        meeting_record(
            case=shared_case, held_on=timezone.localdate(), services=[], decisions=" ", recorded_by=orp_counsellor
        )

    assert set(error.value.message_dict) == {"services", "decisions"}


def test_it_refuses_a_user_of_a_service_outside_the_case(shared_case, smig_counsellor, services):
    with pytest.raises(PermissionDenied):
        meeting_record(
            case=shared_case,
            held_on=timezone.localdate(),
            services=[services["semp"]],
            decisions="Décision.",
            recorded_by=smig_counsellor,
        )

    assert not Meeting.objects.exists()
