"""The request page of a person's access report (reports:request, kind access_report): DPOs only."""

import pytest
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from tests.factories import PersonFactory, open_case, valid_avs

pytestmark = pytest.mark.django_db

URL = reverse("reports:request", args=[ReportKind.ACCESS_REPORT.value])


def test_it_offers_the_form_to_a_data_protection_officer_from_the_report_list(client_for, data_protection_officer):
    client = client_for(data_protection_officer)

    listing = client.get(reverse("reports:list")).content.decode()
    response = client.get(URL)

    assert f'href="{URL}"' in listing
    assert reverse("reports:request_audit_extract") in listing
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="avs_number"' in content and 'name="birth_date"' in content


def test_a_dpo_requests_the_report_by_avs_number_and_gets_the_reads_with_their_basis(
    client_for,
    data_protection_officer,
    orp_counsellor,
    services,
    django_capture_on_commit_callbacks,
    job_pdf_text,
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client_for(orp_counsellor).get(reverse("cases:detail", args=[case.reference]))
    digits = case.person.avs_number.replace(".", "")  # typed without dots: found all the same

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(data_protection_officer).post(URL, {"avs_number": digits})

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[job.pk])
    assert job.kind == ReportKind.ACCESS_REPORT
    assert job.parameters == {"person": str(case.person.pk)}
    assert job.status == ReportStatus.DONE
    text = " ".join(job_pdf_text(job).split())
    assert f"consultation dossier CII {case.reference} Service pilote du dossier" in text
    assert case.person.avs_masked in text
    assert case.person.avs_number not in text


def test_a_person_without_avs_number_is_found_by_name_first_name_and_birth_date(
    client_for, data_protection_officer, django_capture_on_commit_callbacks
):
    person = PersonFactory(avs_number=None)

    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(data_protection_officer).post(
            URL,
            {
                "last_name": person.last_name,
                "first_name": person.first_name,
                "birth_date": f"{person.birth_date:%d.%m.%Y}",
                "date_from": "01.01.2026",
            },
        )

    assert response.status_code == 302
    assert ReportJob.objects.get().parameters == {"person": str(person.pk), "date_from": "2026-01-01"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"avs_number": "756.1234.5678.90"}, "Ce numéro AVS n&#x27;est pas valable"),
        ({"avs_number": valid_avs(999_999)}, "Aucune personne n&#x27;est enregistrée avec ce numéro AVS"),
        ({"last_name": "Inconnu", "first_name": "Jean", "birth_date": "01.01.1990"}, "Aucune personne"),
        ({"last_name": "Inconnu"}, "Indiquez le numéro AVS complet de la personne ou, si elle n&#x27;en a pas"),
        ({"avs_number": "", "date_from": "31.01.2026", "date_to": "01.01.2026"}, "Indiquez le numéro AVS"),
    ],
    ids=["invalid-avs", "unknown-avs", "unknown-identity", "incomplete-identity", "nobody"],
)
def test_it_explains_in_french_why_nobody_was_found_and_creates_nothing(
    client_for, data_protection_officer, data, message
):
    PersonFactory()

    response = client_for(data_protection_officer).post(URL, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "platform_admin"])
def test_it_answers_404_to_anyone_but_a_data_protection_officer(client_for, request, persona):
    person = PersonFactory()
    user = request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"avs_number": person.avs_number}).status_code == 404
    assert f'href="{URL}"' not in client.get(reverse("reports:list")).content.decode()
    assert not ReportJob.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.READ, actor=user).exists()
