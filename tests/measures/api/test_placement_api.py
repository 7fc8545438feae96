"""Placement and dashboard API: list, detail, ending a placement, a month's figures."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.measures.dashboard_builders import prepare_april
from tests.measures.placement_builders import ask, offer, place_release_watched, placement_row

pytestmark = pytest.mark.django_db

URL = "/api/measures/placements/"


def _api(user):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def placement(orp_counsellor):  # type: ignore[no-untyped-def]
    measure = offer()
    return placement_row(
        ask(orp_counsellor, measure, pseudonym="ORP-1"),
        measure,
        starts_on=dt.date(2026, 3, 2),
        planned_end_on=dt.date(2026, 8, 31),
    )


def test_the_requesting_service_lists_reads_and_ends_its_placement(placement, orp_counsellor):
    client = _api(orp_counsellor)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [placement.pk]
    assert client.get(URL, {"statut": "ended"}).json()["results"] == []
    assert client.get(f"{URL}{placement.pk}/").json()["pseudonym"] == "ORP-1"
    with place_release_watched() as released:
        answer = client.post(
            f"{URL}{placement.pk}/end/",
            {"ended_on": "2026-05-15", "exit_reason": "training", "version": 1},
            format="json",
        )
    assert answer.status_code == 200 and answer.json()["status"] == "ended"
    released.assert_called_once()


def test_a_bad_end_answers_400_in_french_and_a_stale_one_409(placement, coordination_member):
    client = _api(coordination_member)
    refused = client.post(
        f"{URL}{placement.pk}/end/", {"ended_on": "2026-03-01", "exit_reason": "training", "version": 1}, format="json"
    )
    assert refused.status_code == 400
    assert "ne peut pas précéder le début" in refused.json()["ended_on"][0]
    stale = client.post(
        f"{URL}{placement.pk}/end/", {"ended_on": "2026-05-01", "exit_reason": "training", "version": 3}, format="json"
    )
    assert stale.status_code == 409
    placement.refresh_from_db()
    assert placement.status == "active"


def test_others_get_404_on_placements(placement, smig_counsellor, outsider):
    for user in (smig_counsellor, outsider):
        client = _api(user)
        assert client.get(URL).json()["results"] == []
        assert client.get(f"{URL}{placement.pk}/").status_code == 404
        body = {"ended_on": "2026-05-01", "exit_reason": "training", "version": 1}
        assert client.post(f"{URL}{placement.pk}/end/", body, format="json").status_code == 404


def test_the_dashboard_of_a_month_reads_the_hand_computed_figures(
    orp_counsellor, ssr_social_worker, smig_counsellor, coordination_member, outsider
):
    prepare_april(orp=orp_counsellor, ssr=ssr_social_worker, smig=smig_counsellor, member=coordination_member)
    data = _api(coordination_member).get("/api/measures/dashboard/2026-04/").json()
    assert data["month"] == "2026-04-01" and data["rule"] == "prorata_jours"
    assert data["total"] == {"budgeted": 9, "occupied": "2.50", "rate": "27.8", "cost": "4750.00"}
    laci = next(block for block in data["sectors"] if block["sector"] == "laci")
    assert (laci["frozen"], laci["total"]["cost"]) == (False, "2250.00")
    assert _api(outsider).get("/api/measures/dashboard/2026-04/").status_code == 404
    assert _api(coordination_member).get("/api/measures/dashboard/2026-13/").status_code == 404


def test_the_measures_endpoints_are_in_the_openapi_schema(coordination_member):
    schema = _api(coordination_member).get("/api/schema/").content.decode()
    for path in ("/api/measures/requests/", "/api/measures/placements/{id}/end/", "/api/measures/dashboard/{month}/"):
        assert path in schema
