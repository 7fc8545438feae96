"""Recording the person's consent: what, with whom, why, for how long; checked before anything is saved."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Consent
from cases.services.consents import CONSENT_DOCUMENT_MAX_BYTES, consent_record
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _record(case, by, **overrides):
    arguments = {
        "case": case,
        "services": [],
        "data_categories": ["identity"],
        "purpose": "Coordonner le suivi.",
        "signed_on": TODAY(),
        "valid_until": TODAY() + dt.timedelta(days=180),
        "recorded_by": by,
    }
    arguments.update(overrides)
    return consent_record(**arguments)


def test_it_records_the_consent_for_the_cases_person_with_the_lead_service_always_covered(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    consent = record_consent(case, orp_counsellor, [services["oai"]], categories=["health", "identity", "health"])

    assert consent.person_id == case.person_id
    assert set(consent.services.values_list("code", flat=True)) == {"semp", "oai"}
    assert consent.data_categories == ["identity", "health"]  # known values, once each, in a stable order
    assert consent.recorded_by == orp_counsellor
    assert consent.revoked_at is None


def test_it_audits_the_recording_with_the_person_and_what_was_agreed(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    consent = record_consent(case, orp_counsellor, [services["oai"]])

    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.consent", object_id=str(consent.pk))
    assert event.person_id == str(case.person_id)
    assert event.detail["services"] == ["oai", "semp"]
    assert event.detail["case"] == case.reference


def test_it_refuses_unknown_data_categories_and_saves_nothing(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        _record(case, orp_counsellor, services=[services["oai"]], data_categories=["identity", "horoscope"])

    assert "Catégorie de données inconnue" in str(error.value.message_dict["data_categories"])
    assert not Consent.objects.exists()


def test_it_refuses_a_consent_without_another_service_without_categories_and_without_purpose(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        _record(case, orp_counsellor, services=[services["semp"]], data_categories=[], purpose="  ")

    assert set(error.value.message_dict) == {"services", "data_categories", "purpose"}
    assert not Consent.objects.exists()


def test_it_refuses_a_signature_in_the_future_and_an_end_before_the_signature(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as future:
        _record(case, orp_counsellor, services=[services["oai"]], signed_on=TODAY() + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as backwards:
        _record(case, orp_counsellor, services=[services["oai"]], valid_until=TODAY() - dt.timedelta(days=1))

    assert future.value.message_dict["signed_on"] == ["La date de signature ne peut pas être dans le futur."]
    assert "précéder la date de signature" in backwards.value.message_dict["valid_until"][0]
    assert not Consent.objects.exists()


def test_it_stores_the_signed_pdf_under_a_neutral_name(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    scan = SimpleUploadedFile("Consentement Perret Marie.PDF", b"%PDF-1.7\n...", content_type="application/pdf")

    consent = _record(case, orp_counsellor, services=[services["oai"]], document=scan)

    assert consent.document.name.startswith("consents/")
    assert consent.document.name.endswith(".pdf")
    assert "Perret" not in consent.document.name
    with consent.document.open("rb") as stored:
        assert stored.read().startswith(b"%PDF-")


def test_it_refuses_a_document_that_only_pretends_to_be_a_pdf(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    fake = SimpleUploadedFile("consentement.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    with pytest.raises(ValidationError) as error:
        _record(case, orp_counsellor, services=[services["oai"]], document=fake)

    assert error.value.message_dict["document"] == ["Le document signé doit être un fichier PDF, JPEG ou PNG."]
    assert not Consent.objects.exists()


def test_it_refuses_a_document_larger_than_the_limit(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    big = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * CONSENT_DOCUMENT_MAX_BYTES)

    with pytest.raises(ValidationError) as error:
        _record(case, orp_counsellor, services=[services["oai"]], document=big)

    assert error.value.message_dict["document"] == ["Le document signé ne doit pas dépasser 5 Mo."]
    assert not Consent.objects.exists()


def test_it_refuses_anyone_but_a_caseworker_of_the_lead_service(
    oai_counsellor, coordination_member, orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    for user in (oai_counsellor, coordination_member):  # another service; the lead service without the role
        with pytest.raises(PermissionDenied):
            _record(case, user, services=[services["oai"]])

    assert not Consent.objects.exists()
