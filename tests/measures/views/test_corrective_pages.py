"""Corrective measure pages: the group requests and follows them; the GP CII sees the escalated ones and decides."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from measures.models import CorrectiveMeasure
from measures.services.corrective import corrective_measure_escalate, corrective_measure_request
from tests.measures.factories import MeasureFactory

pytestmark = pytest.mark.django_db

Status = CorrectiveMeasure.Status


def _corrective(user, *, changes_contract: bool = False, escalate: bool = False) -> CorrectiveMeasure:  # type: ignore[no-untyped-def]
    measure = MeasureFactory()
    corrective = corrective_measure_request(
        provider=measure.provider,
        measure=measure,
        description=f"Correction {'contrat' if changes_contract else 'simple'} {measure.code}",
        changes_contract=changes_contract,
        due_on=timezone.localdate() + dt.timedelta(days=30),
        requested_by=user,
    )
    if escalate:
        corrective = corrective_measure_escalate(corrective=corrective, expected_version=1, escalated_by=user)
    return corrective


def test_a_member_requests_a_correction_from_the_form(client_for, coordination_member):
    measure = MeasureFactory()
    client = client_for(coordination_member)

    assert client.get(reverse("measures:corrective_new")).status_code == 200
    response = client.post(
        reverse("measures:corrective_new"),
        {
            "provider": measure.provider.pk,
            "measure": measure.pk,
            "description": "Transmettre les présences chaque mois.",
            "due_on": (timezone.localdate() + dt.timedelta(days=20)).strftime("%d.%m.%Y"),
        },
    )

    corrective = CorrectiveMeasure.objects.get()
    assert response["Location"] == reverse("measures:corrective_detail", args=[corrective.pk])
    assert corrective.requested_by == coordination_member


def test_a_member_follows_up_and_escalates_a_contract_change(client_for, coordination_member):
    corrective = _corrective(coordination_member, changes_contract=True)
    url = reverse("measures:corrective_detail", args=[corrective.pk])
    client = client_for(coordination_member)

    client.post(
        url,
        {
            "action": "follow_up",
            "follow_up": "Devis reçu.",
            "status": "in_progress",
            "changes_contract": "on",
            "version": 1,
        },
    )
    client.post(url, {"action": "escalate", "version": 2})

    corrective.refresh_from_db()
    assert corrective.status == Status.ESCALATED
    assert corrective.follow_up == "Devis reçu."


def test_escalating_a_correction_that_does_not_change_the_contract_is_refused(client_for, coordination_member):
    corrective = _corrective(coordination_member, changes_contract=False)
    url = reverse("measures:corrective_detail", args=[corrective.pk])

    response = client_for(coordination_member).post(url, {"action": "escalate", "version": 1}, follow=True)

    assert "Seule une correction qui modifie la convention" in response.content.decode()
    corrective.refresh_from_db()
    assert corrective.status == Status.REQUESTED


def test_the_gp_cii_sees_only_escalated_corrections_and_decides_them(client_for, coordination_member, gp_cii_member):
    escalated = _corrective(coordination_member, changes_contract=True, escalate=True)
    internal = _corrective(coordination_member)
    client = client_for(gp_cii_member)

    listing = client.get(reverse("measures:corrective_list")).content.decode()
    assert escalated.description in listing
    assert internal.description not in listing
    assert client.get(reverse("measures:corrective_detail", args=[internal.pk])).status_code == 404

    response = client.post(
        reverse("measures:corrective_detail", args=[escalated.pk]),
        {"action": "decide", "gp_decision": "Avenant accepté.", "version": escalated.version},
    )
    assert response.status_code == 302
    escalated.refresh_from_db()
    assert escalated.status == Status.DECIDED
    assert escalated.gp_decision == "Avenant accepté."


def test_a_member_may_not_decide_in_place_of_the_gp_cii(client_for, coordination_member):
    escalated = _corrective(coordination_member, changes_contract=True, escalate=True)

    response = client_for(coordination_member).post(
        reverse("measures:corrective_detail", args=[escalated.pk]),
        {"action": "decide", "gp_decision": "Décidé par le groupe.", "version": escalated.version},
    )

    assert response.status_code == 404
    escalated.refresh_from_db()
    assert escalated.status == Status.ESCALATED


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "data_protection_officer", "platform_admin"])
def test_anyone_else_gets_404(request, client_for, coordination_member, persona):
    corrective = _corrective(coordination_member, changes_contract=True, escalate=True)
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("measures:corrective_list")).status_code == 404
    assert client.get(reverse("measures:corrective_detail", args=[corrective.pk])).status_code == 404
    assert client.get(reverse("measures:corrective_new")).status_code == 404


def test_the_list_costs_the_same_queries_for_2_and_20_corrections(client_for, coordination_member):
    client = client_for(coordination_member)
    for _ in range(2):
        _corrective(coordination_member)
    client.get(reverse("measures:corrective_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("measures:corrective_list"))
    for _ in range(18):
        _corrective(coordination_member)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("measures:corrective_list"))

    assert len(many) == len(few)
    assert page.content.decode().count("/mesures-correctives/") >= 20
