"""Inventory API: providers with their NE-ESO checklist, measures with their places; readers only, else 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import EsoCriterion, PlaceKind
from measures.services.inventory import eso_criterion_record
from tests.measures.factories import ProviderFactory, measure_with_places

pytestmark = pytest.mark.django_db


def test_a_reader_lists_the_measures_with_their_places_of_the_year(client_for, orp_counsellor):
    measure_with_places(year=2026, places={PlaceKind.PROFESSIONAL: 14, PlaceKind.SOCIO_PROFESSIONAL: 4}, code="vente")

    body = client_for(orp_counsellor).get("/api/measures/measures/", {"annee": 2026}).json()

    assert [row["code"] for row in body] == ["vente"]
    assert body[0]["capacity"] == {"occupation": 0, "socio_professional": 4, "professional": 14, "total": 18}


def test_a_measure_detail_gives_its_places_year_by_year(client_for, gp_cii_member):
    measure = measure_with_places(year=2011, places={PlaceKind.OCCUPATION: 20}, code="visitage")

    body = client_for(gp_cii_member).get(f"/api/measures/measures/{measure.code}/").json()

    assert body["capacities"] == [
        {"year": 2011, "occupation": 20, "socio_professional": 0, "professional": 0, "total": 20}
    ]


def test_a_provider_detail_gives_its_checklist(client_for, coordination_member):
    provider = ProviderFactory(name="Alfaset")
    eso_criterion_record(
        provider=provider, criterion=EsoCriterion.MARKET_RULES, met=True, checked_by=coordination_member
    )

    body = client_for(coordination_member).get(f"/api/measures/providers/{provider.pk}/").json()

    assert body["eso_status"] == "not_assessed"
    checked = [line for line in body["eso_checklist"] if line["met"] is not None]
    assert [(line["criterion"], line["met"]) for line in checked] == [("market_rules", True)]
    assert len(body["eso_checklist"]) == 14


@pytest.mark.parametrize("persona", ["cnip_staff", "data_protection_officer", "platform_admin", "outsider"])
def test_anyone_else_gets_404_like_a_missing_row(request, client_for, persona):
    measure = measure_with_places(year=2026, code="vente")
    client = client_for(request.getfixturevalue(persona))

    for url in (
        "/api/measures/measures/",
        f"/api/measures/measures/{measure.code}/",
        "/api/measures/providers/",
        f"/api/measures/providers/{measure.provider_id}/",
    ):
        assert client.get(url).status_code == 404
    assert client.get("/api/measures/measures/inexistante/").status_code == 404


def test_the_measure_list_costs_the_same_queries_for_2_and_for_20_measures(client_for, orp_counsellor):
    client = client_for(orp_counsellor)

    def count() -> int:
        client.get("/api/measures/measures/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/measures/measures/").status_code == 200
        return len(queries)

    for _ in range(2):
        measure_with_places(year=2026)
    two = count()
    for _ in range(18):
        measure_with_places(year=2026)

    assert count() == two
