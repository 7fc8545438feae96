"""A person's access report (right of access): finding the person, the job, and what the PDF says."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.reports import access_report
from cases.services.consents import consent_revoke
from cases.services.participations import participation_invite
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.services import report_job_request
from tests.cases.sharing import invite_on_consent, law, record_consent
from tests.factories import PersonFactory, open_case, valid_avs

pytestmark = pytest.mark.django_db


def _request(dpo, person, capture, **period: str) -> ReportJob:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        job = report_job_request(
            kind=ReportKind.ACCESS_REPORT, parameters={"person": str(person.pk), **period}, requested_by=dpo
        )
    job.refresh_from_db()
    return job


def _flat(text: str) -> str:
    return " ".join(text.split())


# -- Finding the person ------------------------------------------------------------------


def test_it_finds_the_person_by_avs_number_and_audits_the_lookup(data_protection_officer, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    found = access_report.access_report_person_find(user=data_protection_officer, avs_number=case.person.avs_number)

    assert found == case.person
    event = AuditEvent.objects.get(action=AuditAction.READ, actor=data_protection_officer)
    assert (event.object_type, event.object_id, event.person_id) == ("cases.person", str(found.pk), str(found.pk))
    assert event.detail == {"purpose": "access_report", "lookup": "avs", "matches": 1}
    assert case.person.avs_number not in str(event.detail)


def test_it_finds_a_person_without_avs_number_by_name_and_birth_date(data_protection_officer):
    person = PersonFactory(avs_number=None, last_name="Ahmadi", first_name="Fatima")

    found = access_report.access_report_person_find(
        user=data_protection_officer, last_name="ahmadi", first_name="FATIMA", birth_date=person.birth_date
    )

    assert found == person


def test_it_refuses_an_unknown_avs_number_in_french_and_audits_the_vain_lookup(data_protection_officer):
    with pytest.raises(ValidationError, match="Aucune personne n'est enregistrée avec ce numéro AVS"):
        access_report.access_report_person_find(user=data_protection_officer, avs_number=valid_avs(999_999))

    event = AuditEvent.objects.get(action=AuditAction.READ, actor=data_protection_officer)
    assert (event.object_id, event.person_id) == ("", "")
    assert event.detail["matches"] == 0


def test_it_refuses_two_persons_with_the_same_name_and_birth_date(data_protection_officer):
    first = PersonFactory(last_name="Jacot", first_name="Jean")
    PersonFactory(last_name="Jacot", first_name="Jean", birth_date=first.birth_date)

    with pytest.raises(ValidationError, match="Plusieurs personnes"):
        access_report.access_report_person_find(
            user=data_protection_officer, last_name="Jacot", first_name="Jean", birth_date=first.birth_date
        )

    assert AuditEvent.objects.get(action=AuditAction.READ).detail["matches"] == "many"


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "platform_admin"])
def test_only_a_data_protection_officer_may_look_a_person_up(request, persona):
    person = PersonFactory()

    with pytest.raises(PermissionDenied):
        access_report.access_report_person_find(user=request.getfixturevalue(persona), avs_number=person.avs_number)

    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()


# -- The job ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "coordination_member"])
def test_the_service_refuses_anyone_but_a_data_protection_officer(request, persona, django_capture_on_commit_callbacks):
    person = PersonFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(PermissionDenied):
            report_job_request(
                kind=ReportKind.ACCESS_REPORT,
                parameters={"person": str(person.pk)},
                requested_by=request.getfixturevalue(persona),
            )

    assert not ReportJob.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize(
    "parameters",
    [{}, {"person": "999999"}, {"person": "abc"}, {"person": "1", "date_from": "2026-02-01", "date_to": "2026-01-01"}],
    ids=["no-person", "unknown-person", "not-an-id", "inverted"],
)
def test_it_refuses_invalid_parameters(data_protection_officer, parameters, django_capture_on_commit_callbacks):
    PersonFactory()  # id 1 may exist or not: the inverted period is refused anyway

    with pytest.raises(ValidationError):
        report_job_request(kind=ReportKind.ACCESS_REPORT, parameters=parameters, requested_by=data_protection_officer)

    assert not ReportJob.objects.exists()


def test_the_job_and_its_downloads_are_audited_under_the_person(
    client_for, data_protection_officer, django_capture_on_commit_callbacks
):
    person = PersonFactory()

    job = _request(data_protection_officer, person, django_capture_on_commit_callbacks)
    client_for(data_protection_officer).get(reverse("reports:download", args=[job.pk]))

    assert AuditEvent.objects.get(action=AuditAction.EXPORT).person_id == str(person.pk)
    assert AuditEvent.objects.get(action=AuditAction.PRINT).person_id == str(person.pk)
    assert access_report.filename(job).startswith(f"rapport-acces-{job.pk}-")
    assert person.last_name not in access_report.filename(job)


# -- The PDF -------------------------------------------------------------------------------


def test_the_report_lists_who_read_the_file_with_the_legal_basis_and_masks_the_avs_number(
    client_for, data_protection_officer, orp_counsellor, services, django_capture_on_commit_callbacks, job_pdf_text
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client_for(orp_counsellor).get(reverse("cases:detail", args=[case.reference]))  # the read to be reported

    job = _request(data_protection_officer, case.person, django_capture_on_commit_callbacks)

    assert job.status == ReportStatus.DONE
    text = _flat(job_pdf_text(job))
    assert "Rapport d'accès aux données personnelles" in text
    assert case.person.full_name in text
    assert case.person.avs_masked in text
    assert case.person.avs_number not in text
    assert "Orp Test Service de l'emploi consultation dossier CII " + case.reference in text
    assert "Service pilote du dossier" in text
    assert "Dpo Test" in text  # the requesting officer, on the cover


def test_the_report_lists_the_sharing_the_consents_and_the_exchanges_without_consent(
    data_protection_officer, orp_counsellor, services, django_capture_on_commit_callbacks, job_pdf_text
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)
    participation_invite(
        case=case, service=services["saso"], invited_by=orp_counsellor, legal_basis=law(), person_informed=True
    )

    text = _flat(job_pdf_text(_request(data_protection_officer, case.person, django_capture_on_commit_callbacks)))

    assert f"Dossier {case.reference}" in text
    assert "Consentement exprès de la personne" in text  # the basis of the OAI's sharing
    assert law().label in text  # the SASO's
    assert "révoqué le" in text
    assert f"{consent.valid_until:%d.%m.%Y}" in text
    assert "Échanges sans consentement" in text
    assert "Service de l'action sociale" in text
    assert "pas encore informée" not in text  # informed at the invitation


def test_the_report_says_when_it_holds_only_the_first_events(
    monkeypatch,
    client_for,
    data_protection_officer,
    orp_counsellor,
    services,
    django_capture_on_commit_callbacks,
    job_pdf_text,
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    for _ in range(3):
        client_for(orp_counsellor).get(reverse("cases:detail", args=[case.reference]))
    monkeypatch.setattr(access_report, "MAX_EVENTS", 2)

    text = _flat(job_pdf_text(_request(data_protection_officer, case.person, django_capture_on_commit_callbacks)))

    assert "ne reprend que les 2 plus anciens" in text


def test_a_period_without_events_says_so(
    data_protection_officer, orp_counsellor, services, django_capture_on_commit_callbacks, job_pdf_text
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    job = _request(
        data_protection_officer,
        case.person,
        django_capture_on_commit_callbacks,
        date_from="2020-01-01",
        date_to="2020-12-31",
    )

    text = _flat(job_pdf_text(job))
    assert "du 01.01.2020 au 31.12.2020" in text
    assert "Aucun événement n'est enregistré pour cette personne sur cette période." in text
