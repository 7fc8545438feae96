"""The NE-ESO screening page: for SASO caseworkers and the coordination group; from a case, through its gate."""

import pytest
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

URL = reverse("measures:eso_screening")
ANSWERS = {"productivity_percent": "55", "age": "40", "debts_chf": "12000"}


def test_a_saso_caseworker_sees_which_criteria_fail_and_why_without_anything_stored(client_for, ssr_social_worker):
    client = client_for(ssr_social_worker)  # logging in is audited
    events_before = AuditEvent.objects.count()

    response = client.post(URL, ANSWERS)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Au moins un critère n'est pas rempli" in html
    assert "en dessous de 60 %, le salaire ne suffit pas à sortir de l&#x27;aide sociale" in html
    assert "CHF 12&#x27;000 de dettes" in html
    assert AuditEvent.objects.count() == events_before


def test_from_a_case_the_screening_goes_through_the_gate_and_is_audited_under_the_person(
    client_for, ssr_social_worker, services
):
    case = open_case(lead_service=services["saso"], opened_by=ssr_social_worker)
    client = client_for(ssr_social_worker)

    page = client.get(URL, {"dossier": case.reference})
    client.post(f"{URL}?dossier={case.reference}", {"productivity_percent": "75", "age": "45", "debts_chf": "0"})

    assert page.status_code == 200
    assert case.reference in page.content.decode()
    reads = AuditEvent.objects.filter(action=AuditAction.READ, person_id=str(case.person_id))
    assert reads.filter(object_type="cases.casefile").count() == 2
    screening = reads.get(object_type="measures.eso_screening")
    assert screening.detail == {"eligible": True}


def test_a_case_the_user_may_not_see_gives_404(client_for, ssr_social_worker, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(ssr_social_worker).get(URL, {"dossier": case.reference})

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.READ, person_id=str(case.person_id)).exists()


def test_a_coordination_member_may_screen(client_for, coordination_member):
    assert client_for(coordination_member).get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider", "platform_admin"])
def test_anyone_else_gets_404(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 404
    assert client.post(URL, ANSWERS).status_code == 404
