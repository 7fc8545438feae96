"""Inventory API: providers with their NE-ESO checklist, measures with their places; readers only, else 404.

The coordination group PATCHes a provider or a measure with the version read: stale 409, others 404.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import EsoCriterion, Measure, PlaceKind, Provider
from measures.services.inventory import eso_criterion_record
from tests.measures.factories import BranchFactory, ProviderFactory, measure_with_places

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


def _patch(client: Any, url: str, **data: Any) -> Any:
    return client.patch(url, data, content_type="application/json")


def _row(obj: Provider | Measure) -> dict[str, Any]:
    """Every stored column of `obj`, read again from the database."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def test_a_member_patches_a_provider_with_the_version_read_and_gets_the_next_one(client_for, coordination_member):
    provider = ProviderFactory(name="Evologia", locality="Cernier")
    client = client_for(coordination_member)
    url = f"/api/measures/providers/{provider.pk}/"

    read = client.get(url).json()
    response = _patch(client, url, locality="Le Locle", phone="032 000 00 00", version=read["version"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert (read["version"], body["version"]) == (1, 2)
    assert (body["name"], body["locality"], body["phone"], body["active"]) == (
        "Evologia",
        "Le Locle",
        "032 000 00 00",
        True,
    )
    assert (_row(provider)["locality"], _row(provider)["version"]) == ("Le Locle", 2)


def test_a_stale_provider_version_answers_409_in_french_and_changes_nothing(client_for, coordination_member):
    provider = ProviderFactory(name="Evologia", locality="Cernier")
    client = client_for(coordination_member)
    url = f"/api/measures/providers/{provider.pk}/"
    assert _patch(client, url, contact="Accueil", version=1).status_code == 200
    before = _row(provider)

    stale = _patch(client, url, name="Evologia SA", locality="Le Locle", version=1)
    without_version = _patch(client, url, locality="Le Locle")

    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "Ce prestataire a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
        "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
    )
    assert without_version.status_code == 400
    assert "version" in without_version.json()
    assert _row(provider) == before
    assert (before["name"], before["locality"], before["version"]) == ("Evologia", "Cernier", 2)


def test_a_refused_provider_name_answers_400_in_french(client_for, coordination_member):
    provider = ProviderFactory(name="Evologia")

    response = _patch(client_for(coordination_member), f"/api/measures/providers/{provider.pk}/", name=" ", version=1)

    assert response.status_code == 400
    assert response.json() == {"name": ["Indiquez le nom du prestataire."]}
    assert (_row(provider)["name"], _row(provider)["version"]) == ("Evologia", 1)


def test_a_member_patches_a_measure_with_the_version_read_and_gets_the_next_one(client_for, coordination_member):
    measure = measure_with_places(year=2026, code="vente")
    other = ProviderFactory(name="Alfaset")
    BranchFactory(code="horlogerie", name="Horlogerie")
    url = f"/api/measures/measures/{measure.code}/"

    response = _patch(
        client_for(coordination_member),
        url,
        provider=other.pk,
        branch="horlogerie",
        price_per_place_month="1600.00",
        active_until="2027-12-31",
        version=1,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["provider_id"], body["branch"], body["price_per_place_month"], body["version"]) == (
        other.pk,
        "horlogerie",
        "1600.00",
        2,
    )
    stored = _row(measure)
    assert (stored["name"], stored["active_until"], stored["version"]) == (measure.name, dt.date(2027, 12, 31), 2)


def test_a_stale_measure_version_answers_409_in_french_and_changes_nothing(client_for, coordination_member):
    measure = measure_with_places(year=2026, code="vente")
    client = client_for(coordination_member)
    url = f"/api/measures/measures/{measure.code}/"
    assert _patch(client, url, description="Boutique.", version=1).status_code == 200
    before = _row(measure)

    stale = _patch(client, url, name="Boutique solidaire", price_per_place_month="1900.00", version=1)

    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "Cette mesure a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
    )
    assert _row(measure) == before
    assert (before["price_per_place_month"], before["description"], before["version"]) == (
        Decimal("1500.00"),
        "Boutique.",
        2,
    )


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "cnip_staff", "outsider"])
def test_anyone_but_a_member_patching_gets_404_and_nothing_changes(request, client_for, persona):
    measure = measure_with_places(year=2026, code="vente")
    client = client_for(request.getfixturevalue(persona))
    before = (_row(measure.provider), _row(measure))

    responses = [
        _patch(client, f"/api/measures/providers/{measure.provider_id}/", locality="Le Locle", version=1),
        _patch(client, f"/api/measures/providers/{measure.provider_id}/", name="", version="x"),  # bad input too
        _patch(client, f"/api/measures/measures/{measure.code}/", name="Renommée", version=1),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert (_row(measure.provider), _row(measure)) == before


def test_patching_a_missing_provider_or_measure_answers_404(client_for, coordination_member):
    client = client_for(coordination_member)

    assert _patch(client, "/api/measures/providers/999/", locality="Le Locle", version=1).status_code == 404
    assert _patch(client, "/api/measures/measures/inexistante/", name="X", version=1).status_code == 404
