"""Case-file API: the same access gate as the pages, 404 for what is not granted."""

import pytest

from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_the_api_lists_only_the_cases_granted_to_the_callers_service(client_for, orp_counsellor, services):
    own = open_case(lead_service=services["semp"], opened_by=None)
    open_case(lead_service=services["oai"], opened_by=None)

    response = client_for(orp_counsellor).get("/api/cases/")

    assert response.status_code == 200
    body = response.json()
    assert [row["reference"] for row in body["results"]] == [own.reference]
    assert body["results"][0]["can_change"] is True
    assert "count" not in body  # cursor pagination: no COUNT(*) of everything


def test_the_api_answers_404_for_a_case_of_another_service(client_for, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)
    client = client_for(oai_counsellor)

    forbidden = client.get(f"/api/cases/{case.reference}/")
    missing = client.get("/api/cases/CII-2026-99999/")

    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_id=str(case.pk)).exists()


def test_the_api_returns_a_granted_case_and_audits_the_read(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    response = client_for(orp_counsellor).get(f"/api/cases/{case.reference}/")

    assert response.status_code == 200
    assert response.json()["lead_service"] == "semp"
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(case.pk), actor=orp_counsellor).exists()


def test_the_api_refuses_anonymous_callers(client, services):
    assert client.get("/api/cases/").status_code == 403


def test_the_openapi_schema_is_served_to_staff_only(client, client_for, orp_counsellor):
    assert client.get("/api/schema/").status_code == 403
    response = client_for(orp_counsellor).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/cases/" in response.content
