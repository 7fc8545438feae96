"""The inventory pages: cartographie, a measure, the providers with their NE-ESO checklist, places by kind.

Readers (caseworkers, coordination group, GP CII) see them; anyone else gets the 404 of a missing page.
Coordination-group members set places and record NE-ESO checks; a refused input changes nothing.
"""

import re

import pytest
from django.urls import reverse

from measures.models import EsoCriterion, EsoCriterionCheck, MeasureCapacity, PlaceKind
from tests.measures.budget_builders import closed_year
from tests.measures.factories import BranchFactory, ProviderFactory, measure_with_places

pytestmark = pytest.mark.django_db

INVENTORY = reverse("measures:inventory")
PLACES = reverse("measures:places_by_kind")
PROVIDERS = reverse("measures:providers")


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.fixture
def measure():  # type: ignore[no-untyped-def]
    return measure_with_places(
        year=2026,
        places={PlaceKind.SOCIO_PROFESSIONAL: 4, PlaceKind.PROFESSIONAL: 14},
        code="vente",
        name="Atelier vente",
        provider=ProviderFactory(name="Espace des Solidarités"),
        branch=BranchFactory(code="commerce-vente", name="Commerce de détail et vente"),
        description="Boutique de seconde main.",
    )


@pytest.mark.parametrize("persona", ["orp_counsellor", "coordination_member", "gp_cii_member"])
def test_readers_browse_the_cartographie_by_branch_and_typology(request, client_for, persona, measure):
    client = client_for(request.getfixturevalue(persona))

    by_branch = client.get(INVENTORY, {"year": 2026})
    by_typology = client.get(INVENTORY, {"year": 2026, "group_by": "typology", "place_kind": "professional"})

    assert by_branch.status_code == by_typology.status_code == 200
    assert "<caption>Commerce de détail et vente</caption>" in by_branch.content.decode()
    assert "<caption>4 · qualification et formation</caption>" in by_typology.content.decode()
    assert "Atelier vente" in by_typology.content.decode()


def test_a_filter_without_match_says_so(client_for, orp_counsellor, measure):
    response = client_for(orp_counsellor).get(INVENTORY, {"year": 2026, "place_kind": "occupation"})

    assert "Aucune mesure ne correspond à ces critères." in response.content.decode()


@pytest.mark.parametrize("persona", ["cnip_staff", "data_protection_officer", "platform_admin", "outsider"])
def test_anyone_else_gets_the_404_of_a_missing_page(request, client_for, persona, measure):
    client = client_for(request.getfixturevalue(persona))
    missing = _without_csrf(client.get("/mesures/inexistant/").content)

    for url in (
        INVENTORY,
        PLACES,
        PROVIDERS,
        reverse("measures:measure_detail", args=[measure.code]),
        reverse("measures:provider_detail", args=[measure.provider_id]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert _without_csrf(response.content) == missing
    posted = client.post(
        reverse("measures:measure_capacity", args=[measure.code]),
        {"year": 2026, "place_kind": "occupation", "places": 3},
    )
    assert posted.status_code == 404
    assert not MeasureCapacity.objects.filter(place_kind="occupation").exists()


def test_the_measure_page_shows_its_sheet_and_places_per_year(client_for, orp_counsellor, measure):
    response = client_for(orp_counsellor).get(reverse("measures:measure_detail", args=[measure.code]))

    html = response.content.decode()
    assert "Boutique de seconde main." in html
    assert "CHF 1&#x27;500.00" in html or "CHF 1'500.00" in html
    assert '<tr><th scope="row">2026</th><td class="num">0</td><td class="num">4</td><td class="num">14</td>' in html
    assert "Enregistrer des places" not in html


def test_a_member_sets_places_and_a_negative_count_is_refused_in_french(client_for, coordination_member, measure):
    client = client_for(coordination_member)
    url = reverse("measures:measure_capacity", args=[measure.code])

    refused = client.post(url, {"year": 2026, "place_kind": "professional", "places": -2})
    accepted = client.post(url, {"year": 2026, "place_kind": "professional", "places": 16})

    assert refused.status_code == 200
    assert "Le nombre de places ne peut pas être négatif." in refused.content.decode()
    assert accepted.status_code == 302
    assert MeasureCapacity.objects.get(measure=measure, year=2026, place_kind="professional").places == 16


def test_a_member_cannot_change_the_places_of_a_closed_year(client_for, coordination_member, measure):
    closed_year(2026)

    response = client_for(coordination_member).post(
        reverse("measures:measure_capacity", args=[measure.code]),
        {"year": 2026, "place_kind": "professional", "places": 1},
    )

    assert "L&#x27;année 2026 est clôturée" in response.content.decode()
    assert MeasureCapacity.objects.get(measure=measure, place_kind="professional").places == 14


def test_a_caseworker_posting_places_gets_404_and_nothing_changes(client_for, orp_counsellor, measure):
    response = client_for(orp_counsellor).post(
        reverse("measures:measure_capacity", args=[measure.code]),
        {"year": 2026, "place_kind": "professional", "places": 1},
    )

    assert response.status_code == 404
    assert MeasureCapacity.objects.get(measure=measure, place_kind="professional").places == 14


def test_the_provider_page_shows_the_checklist_and_a_member_records_and_assesses(
    client_for, coordination_member, measure
):
    client = client_for(coordination_member)
    provider = measure.provider
    page = reverse("measures:provider_detail", args=[provider.pk])

    recorded = client.post(
        reverse("measures:provider_eso_check", args=[provider.pk]),
        {"criterion": EsoCriterion.USUAL_WAGES, "met": "non", "evidence": "Salaires sous la CCT."},
    )
    assessed = client.post(reverse("measures:provider_eso_assess", args=[provider.pk]), follow=True)

    assert recorded.status_code == 302
    assert EsoCriterionCheck.objects.get(provider=provider).met is False
    html = assessed.content.decode()
    assert "Non reconnue NE-ESO, critères non remplis : Salarié·e·s avec contrat de travail" in html
    assert '<span class="flag">non rempli</span>' in client.get(page).content.decode()


def test_a_caseworker_reads_the_checklist_but_cannot_record_a_criterion(client_for, orp_counsellor, measure):
    client = client_for(orp_counsellor)
    provider = measure.provider

    page = client.get(reverse("measures:provider_detail", args=[provider.pk]))
    posted = client.post(
        reverse("measures:provider_eso_check", args=[provider.pk]), {"criterion": "market_rules", "met": "oui"}
    )
    assessed = client.post(reverse("measures:provider_eso_assess", args=[provider.pk]))

    assert page.status_code == 200
    assert "Direction indépendante des collectivités" in page.content.decode()
    assert "Enregistrer un critère" not in page.content.decode()
    assert posted.status_code == assessed.status_code == 404
    assert not EsoCriterionCheck.objects.exists()
    provider.refresh_from_db()
    assert provider.eso_status == "not_assessed"


def test_the_places_by_kind_page_shows_the_transformation_year_by_year(client_for, gp_cii_member):
    measure_with_places(year=2011, places={PlaceKind.OCCUPATION: 142, PlaceKind.SOCIO_PROFESSIONAL: 14})
    measure_with_places(year=2014, places={PlaceKind.SOCIO_PROFESSIONAL: 58, PlaceKind.PROFESSIONAL: 136})

    html = client_for(gp_cii_member).get(PLACES).content.decode()

    assert (
        '<tr><th scope="row">2011</th><td class="num">142</td><td class="num">14</td><td class="num">0</td>'
        '<td class="num">156</td></tr>'
    ) in html
    assert '<td class="num">194</td>' in html
