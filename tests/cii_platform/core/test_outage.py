"""When the database or the broker is down: a plain French 503, nothing written, nothing shown."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from cases.models import CaseFile
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_a_database_outage_in_a_view_answers_503_in_french_without_content(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)
    client = client_for(orp_counsellor)
    client.raise_request_exception = False

    with mock.patch("cii_platform.access._grants", side_effect=OperationalError("connection refused")):
        response = client.get(f"/dossiers/{case.reference}/")

    body = response.content.decode()
    assert response.status_code == 503
    assert "Service momentanément indisponible" in body
    assert "Rien n'a été enregistré" in body.replace("&#x27;", "'")
    assert case.reference not in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_a_database_outage_before_the_view_answers_503_too(orp_counsellor):
    client = Client(raise_request_exception=False)
    client.force_login(orp_counsellor)

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")):
        response = client.get("/dossiers/")

    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.content.decode()


def test_an_outage_while_opening_a_case_leaves_nothing_half_written(orp_counsellor, services):
    with mock.patch("cases.services.case_files.access_grant", side_effect=OperationalError("down")):
        with pytest.raises(OperationalError):
            open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    assert not CaseFile.objects.exists()


def test_a_bug_is_a_plain_500_not_a_503(orp_counsellor):
    client = Client(raise_request_exception=False)
    client.force_login(orp_counsellor)

    with mock.patch("cases.views.case_files.case_page_visible", side_effect=ValueError("bug")):
        response = client.get("/dossiers/")

    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] in {"ok", "eager"}


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch("cii_platform.core.views.broker_status", return_value="down"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}


def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "down"
