"""The entry page of the measures: each role finds the parts it may open, and nobody else gets in."""

import html

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [str(part.title) for part, _url in response.context["parts"]]


def test_a_coordination_member_finds_the_allocation_and_the_budgets(client_for, coordination_member):
    response = client_for(coordination_member).get(reverse("measures:home"))

    assert response.status_code == 200
    assert {"Attribution des places", "Budgets sectoriels", "Mesures correctives"} <= set(_titles(response))


def test_a_caseworker_finds_the_requests_but_not_the_allocation(client_for, orp_counsellor):
    titles = _titles(client_for(orp_counsellor).get(reverse("measures:home")))

    assert "Demandes de place" in titles
    assert "Attribution des places" not in titles
    assert "Mesures correctives" not in titles


def test_the_gp_cii_reads_figures_and_corrections_but_requests_nothing(client_for, gp_cii_member):
    titles = _titles(client_for(gp_cii_member).get(reverse("measures:home")))

    assert {"Tableau de bord mensuel", "Mesures correctives", "Bilans annuels"} <= set(titles)
    assert "Demandes de place" not in titles


def test_the_page_answers_404_to_other_roles(client_for, cnip_staff, data_protection_officer, outsider):
    for user in (cnip_staff, data_protection_officer, outsider):
        assert client_for(user).get(reverse("measures:home")).status_code == 404


def test_the_navigation_offers_the_measures_to_their_readers_only(client_for, orp_counsellor, outsider):
    def home(user) -> str:
        return html.unescape(client_for(user).get(reverse("core:home")).content.decode())

    assert "Mesures d'insertion" in home(orp_counsellor)
    assert "Mesures d'insertion" not in home(outsider)
