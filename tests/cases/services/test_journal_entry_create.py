"""Writing the journal: caseworkers of a service that sees the case, for the network or their service."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import JournalEntry, Visibility
from cases.services.journal import JOURNAL_TEXT_MAX_CHARS, journal_entry_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_an_entry_belongs_to_the_author_s_service_and_is_audited_with_the_person(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    entry = journal_entry_create(
        case=case, author=orp_counsellor, text="  Entretien avec la personne.  ", visibility=Visibility.NETWORK
    )

    assert (entry.service, entry.visibility, entry.text) == (services["semp"], "network", "Entretien avec la personne.")
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.journalentry", object_id=str(entry.pk))
    assert event.person_id == str(case.person_id)
    assert event.detail == {"case": case.reference, "visibility": "network"}


def test_an_invited_service_writes_too(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))

    entry = journal_entry_create(case=case, author=oai_counsellor, text="Avis AI.", visibility="service")

    assert entry.service == services["oai"]


@pytest.mark.parametrize("persona", ["oai_counsellor", "coordination_member", "outsider"])
def test_it_refuses_anyone_who_is_not_a_caseworker_of_a_service_that_sees_the_case(
    request, orp_counsellor, services, persona
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(PermissionDenied):
        journal_entry_create(
            case=case, author=request.getfixturevalue(persona), text="Note.", visibility=Visibility.NETWORK
        )

    assert not JournalEntry.objects.exists()


def test_it_refuses_an_empty_text_a_too_long_one_and_an_unknown_visibility_in_french(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as empty:
        journal_entry_create(case=case, author=orp_counsellor, text="   ", visibility="everyone")
    with pytest.raises(ValidationError) as too_long:
        journal_entry_create(
            case=case, author=orp_counsellor, text="x" * (JOURNAL_TEXT_MAX_CHARS + 1), visibility="network"
        )

    assert empty.value.message_dict["text"] == ["Écrivez le texte de l'entrée."]
    assert "réseau" in empty.value.message_dict["visibility"][0]
    assert "ne peut pas dépasser" in too_long.value.message_dict["text"][0]
    assert not JournalEntry.objects.exists()
