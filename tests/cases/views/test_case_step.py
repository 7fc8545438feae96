"""Workflow steps from the case page: only with CHANGE, stale forms refused, nothing lost."""

import pytest
from django.urls import reverse

from cases.models import CaseFile, CaseStatus
from cases.services import case_transition
from cii_platform.access import Capability, access_grant
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_the_lead_service_moves_a_case_to_assessment(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:step", args=[case.reference]), {"to_status": "assessment", "version": 1}, follow=True
    )

    assert response.status_code == 200
    assert CaseFile.objects.get(pk=case.pk).status == CaseStatus.ASSESSMENT
    assert "Le statut du dossier a été mis à jour." in response.content.decode()


def test_a_stale_form_is_refused_with_a_conflict_message_and_the_note_is_given_back(
    client_for, orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    case_transition(case=case, to_status=CaseStatus.ASSESSMENT, expected_version=1, changed_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:step", args=[case.reference]),
        {"to_status": "out_of_criteria", "version": 1, "out_of_criteria_reason": "other", "note": "Ma remarque"},
        follow=True,
    )

    body = response.content.decode().replace("&#x27;", "'")
    assert "modifié par quelqu'un d'autre" in body
    assert "Ma remarque" in body
    assert CaseFile.objects.get(pk=case.pk).status == CaseStatus.ASSESSMENT


def test_a_service_that_may_only_view_gets_404_on_a_step(client_for, oai_counsellor, services):
    case = open_case(lead_service=services["semp"])
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="x", granted_by=None)

    response = client_for(oai_counsellor).post(
        reverse("cases:step", args=[case.reference]), {"to_status": "assessment", "version": 1}
    )

    assert response.status_code == 404
    assert CaseFile.objects.get(pk=case.pk).status == CaseStatus.REPORTED


def test_another_service_gets_404_on_a_step(client_for, smig_counsellor, services):
    case = open_case(lead_service=services["semp"])

    response = client_for(smig_counsellor).post(
        reverse("cases:step", args=[case.reference]), {"to_status": "assessment", "version": 1}
    )

    assert response.status_code == 404


def test_an_illegal_step_shows_the_reason(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:step", args=[case.reference]), {"to_status": "closed", "version": 1}, follow=True
    )

    assert "ne peut pas passer à" in response.content.decode().replace("&#x27;", "'")
    assert CaseFile.objects.get(pk=case.pk).status == CaseStatus.REPORTED
