"""Corrective measures API: the same rules as the pages, 400 in French, 409 for a stale version, 404 otherwise."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from measures.models import CorrectiveMeasure
from tests.measures.factories import MeasureFactory

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(client: APIClient, *, changes_contract: bool) -> dict:  # type: ignore[type-arg]
    measure = MeasureFactory()
    response = client.post(
        reverse("corrective-measure-list"),
        {
            "provider": measure.provider.pk,
            "measure": measure.code,
            "description": "Encadrement renforcé.",
            "changes_contract": changes_contract,
            "due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_member_requests_follows_and_escalates_then_the_gp_cii_decides(coordination_member, gp_cii_member):
    member = _api(coordination_member)
    created = _create(member, changes_contract=True)
    url = reverse("corrective-measure-follow-up", args=[created["id"]])

    followed = member.post(url, {"follow_up": "Devis reçu.", "status": "in_progress", "version": 1}, format="json")
    escalated = member.post(reverse("corrective-measure-escalate", args=[created["id"]]), {"version": 2}, format="json")
    decided = _api(gp_cii_member).post(
        reverse("corrective-measure-decide", args=[created["id"]]),
        {"version": 3, "decision": "Accepté."},
        format="json",
    )

    assert followed.json()["status"] == "in_progress"
    assert escalated.json()["status"] == "escalated"
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided"


def test_escalation_without_a_contract_change_answers_400_in_french(coordination_member):
    member = _api(coordination_member)
    created = _create(member, changes_contract=False)

    response = member.post(reverse("corrective-measure-escalate", args=[created["id"]]), {"version": 1}, format="json")

    assert response.status_code == 400
    assert "modifie la convention" in response.json()["non_field_errors"][0]
    assert CorrectiveMeasure.objects.get().status == "requested"


def test_a_stale_version_answers_409(coordination_member):
    member = _api(coordination_member)
    created = _create(member, changes_contract=False)
    url = reverse("corrective-measure-follow-up", args=[created["id"]])
    member.post(url, {"follow_up": "Premier.", "status": "in_progress", "version": 1}, format="json")

    response = member.post(url, {"follow_up": "Second.", "status": "in_progress", "version": 1}, format="json")

    assert response.status_code == 409
    assert "modifiée par quelqu'un d'autre" in response.json()["detail"]


def test_a_member_may_not_decide_and_the_gp_cii_sees_only_escalated_ones(coordination_member, gp_cii_member):
    member = _api(coordination_member)
    internal = _create(member, changes_contract=False)
    contract = _create(member, changes_contract=True)
    member.post(reverse("corrective-measure-escalate", args=[contract["id"]]), {"version": 1}, format="json")
    gp = _api(gp_cii_member)

    refused = member.post(
        reverse("corrective-measure-decide", args=[contract["id"]]), {"version": 2, "decision": "Oui."}, format="json"
    )
    listed = [row["id"] for row in gp.get(reverse("corrective-measure-list")).json()["results"]]

    assert refused.status_code == 404
    assert listed == [contract["id"]]
    assert gp.get(reverse("corrective-measure-detail", args=[internal["id"]])).status_code == 404
    assert gp.post(reverse("corrective-measure-list"), {}, format="json").status_code == 404


@pytest.mark.parametrize("persona", ["orp_counsellor", "outsider", "platform_admin"])
def test_anyone_else_gets_404(request, coordination_member, persona):
    created = _create(_api(coordination_member), changes_contract=False)
    client = _api(request.getfixturevalue(persona))

    assert client.get(reverse("corrective-measure-list")).status_code == 404
    assert client.get(reverse("corrective-measure-detail", args=[created["id"]])).status_code == 404
