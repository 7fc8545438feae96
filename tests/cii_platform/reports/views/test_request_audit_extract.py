from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerOperationalError

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports import tasks
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus

URL = reverse("reports:request_audit_extract")
PERIOD = {"date_from": "01.01.2026", "date_to": "31.01.2026"}


def test_it_offers_the_form_to_a_data_protection_officer(client_for, data_protection_officer):
    response = client_for(data_protection_officer).get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Demander un extrait du journal d'audit" in content
    assert 'name="date_from"' in content and 'for="id_date_from"' in content


def test_it_prefills_the_form_from_the_audit_search_criteria(client_for, data_protection_officer):
    response = client_for(data_protection_officer).get(URL, {"date_from": "2026-01-05", "user": "orp.counsellor"})

    content = response.content.decode()
    assert 'value="05.01.2026"' in content
    assert 'value="orp.counsellor"' in content


def test_it_records_the_request_and_redirects_to_the_job_page(
    client_for, data_protection_officer, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.render_report_job, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(data_protection_officer).post(URL, {**PERIOD, "user": "orp.counsellor"})

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:detail", args=[job.pk])
    assert job.kind == ReportKind.AUDIT_EXTRACT
    assert job.requested_by == data_protection_officer
    assert job.parameters == {"date_from": "2026-01-01", "date_to": "2026-01-31", "user": "orp.counsellor"}
    delay.assert_called_once_with(job.pk)
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.actor == data_protection_officer
    assert export.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_from": "", "date_to": "31.01.2026"}, "Indiquez le premier jour de la période."),
        ({"date_from": "2026-01-01", "date_to": "31.01.2026"}, "Saisissez une date au format jj.mm.aaaa"),
        ({"date_from": "31.01.2026", "date_to": "01.01.2026"}, "La date de début doit précéder la date de fin."),
    ],
    ids=["missing", "not-swiss", "inverted"],
)
def test_it_explains_invalid_dates_in_french(client_for, data_protection_officer, data, message):
    response = client_for(data_protection_officer).post(URL, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "platform_admin"])
def test_it_answers_404_to_anyone_but_a_data_protection_officer(client_for, persona, request):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(URL).status_code == 404
    assert client.post(URL, PERIOD).status_code == 404
    assert not ReportJob.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user).count() == 2


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_it_is_offered_from_the_audit_search_page_with_its_criteria(client_for, data_protection_officer):
    response = client_for(data_protection_officer).get(reverse("audit:search"), {"user": "orp.counsellor"})

    assert f'href="{URL}?user=orp.counsellor"' in response.content.decode()
    assert "Demander un extrait PDF" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_and_marks_the_job_failed_when_the_broker_is_down(client_for, data_protection_officer):
    with mock.patch.object(tasks.render_report_job, "delay", side_effect=BrokerOperationalError("Connection refused")):
        response = client_for(data_protection_officer).post(URL, PERIOD)

    assert response.status_code == 503
    job = ReportJob.objects.get()
    assert job.status == ReportStatus.FAILED
    assert "file d'attente indisponible" in job.error
