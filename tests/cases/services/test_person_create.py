"""Recording a person: a valid, unique AVS number or none at all; nothing saved on bad input."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Person
from cases.services.persons import avs_normalise, person_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import valid_avs

pytestmark = pytest.mark.django_db


def _create(**overrides):  # type: ignore[no-untyped-def]
    arguments = {
        "first_name": "Marie",
        "last_name": "Perret",
        "birth_date": dt.date(1985, 4, 12),
        "created_by": None,
        "avs_number": "756.9217.0769.85",
    }
    return person_create(**{**arguments, **overrides})


def test_it_normalises_the_avs_number_to_its_official_form():
    assert avs_normalise(" 7569217076985 ") == "756.9217.0769.85"
    assert avs_normalise("756 9217 0769 85") == "756.9217.0769.85"
    assert avs_normalise("") is None


def test_it_records_a_person_with_a_normalised_avs_number_and_audits_the_creation(orp_counsellor):
    person = _create(avs_number="7569217076985", created_by=orp_counsellor, first_name="  Marie ")

    assert person.avs_number == "756.9217.0769.85"
    assert person.first_name == "Marie"
    assert person.avs_masked == "756.****.****.85"
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.person", object_id=str(person.pk))
    assert event.person_id == str(person.pk)
    assert event.actor == orp_counsellor
    assert "Perret" not in event.object_label


@pytest.mark.parametrize("number", ["756.9217.0769.84", "756.9217.0769", "123.4567.8901.23", "756.abcd.0769.85"])
def test_it_refuses_an_invalid_avs_number_in_french_and_saves_nothing(number):
    with pytest.raises(ValidationError) as refused:
        _create(avs_number=number)

    assert "Ce numéro AVS n'est pas valable" in refused.value.message_dict["avs_number"][0]
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_refuses_an_avs_number_already_recorded_and_saves_nothing():
    _create()

    with pytest.raises(ValidationError) as refused:
        _create(first_name="Autre", avs_number="7569217076985")

    assert refused.value.message_dict["avs_number"] == ["Une personne avec ce numéro AVS est déjà enregistrée."]
    assert Person.objects.count() == 1


def test_it_records_persons_without_an_avs_number_such_as_asylum_seekers():
    first = _create(avs_number="")
    second = _create(avs_number="", first_name="Aylin", last_name="Yilmaz")

    assert first.avs_number is None
    assert second.avs_number is None
    assert first.avs_masked == ""


def test_it_refuses_a_birth_date_in_the_future():
    with pytest.raises(ValidationError) as refused:
        _create(birth_date=timezone.localdate() + dt.timedelta(days=2), avs_number=valid_avs(1))

    assert "futur" in refused.value.message_dict["birth_date"][0]
    assert not Person.objects.exists()


def test_it_refuses_an_invalid_email_address():
    with pytest.raises(ValidationError) as refused:
        _create(email="pas-une-adresse")

    assert "email" in refused.value.message_dict
    assert not Person.objects.exists()
