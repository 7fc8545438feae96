"""Searching the audit trail: data-protection officers only."""

import pytest

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.audit.services import audit_record
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_a_data_protection_officer_finds_the_reads_of_a_case(
    client_for, data_protection_officer, orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    audit_record(action=AuditAction.READ, actor=orp_counsellor, obj=case)
    audit_record(action=AuditAction.LOGIN, actor=orp_counsellor)

    response = client_for(data_protection_officer).get(
        "/audit/", {"object": case.reference, "user": "orp.counsellor", "action": "read"}
    )

    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [(row.action, row.object_label) for row in rows] == [("read", case.reference)]


def test_the_search_filters_by_period_in_swiss_dates(client_for, data_protection_officer, orp_counsellor):
    audit_record(action=AuditAction.LOGIN, actor=orp_counsellor)

    outside = client_for(data_protection_officer).get("/audit/", {"date_from": "01.01.2020", "date_to": "31.12.2020"})
    bad = client_for(data_protection_officer).get("/audit/", {"date_from": "31.12.2026", "date_to": "01.01.2026"})

    assert outside.context["page"].rows == []
    assert "La date de début doit précéder la date de fin." in bad.content.decode()


def test_searching_the_trail_is_itself_audited(client_for, data_protection_officer):
    client_for(data_protection_officer).get("/audit/", {"user": "someone"})

    assert AuditEvent.objects.filter(action=AuditAction.READ, object_type="audit.trail").exists()


@pytest.mark.parametrize("persona", ["orp_counsellor", "platform_admin", "gp_cii_member", "outsider"])
def test_anyone_else_gets_404(persona, request, client_for):
    user = request.getfixturevalue(persona)

    response = client_for(user).get("/audit/")

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user).exists()
