"""A demo caseworker logs in with the browser, reaches their home page and their cases."""

import re

import pytest

from cii_platform.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser]


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_a_demo_caseworker_logs_in_and_reaches_their_home_page(page, demo_canton):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr-CH"
    assert page.get_by_role("heading", name="Connexion").is_visible()
    assert page.get_by_text("Canton de démonstration.").is_visible()

    log_in(page, "orp.conseiller")

    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", name="Bonjour Luca").is_visible()
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Dossiers CII").click()
    page.wait_for_url(re.compile(r"/dossiers/$"))
    references = page.locator("table.data tbody th a").all_inner_texts()
    assert len(references) >= 3  # the demo canton gives SEMP its three named cases and more
    page.get_by_role("link", name=references[0]).click()
    assert page.get_by_role("heading", name=f"Dossier {references[0]}").is_visible()


def test_a_caseworker_cannot_open_another_services_case_in_the_browser(page, demo_canton):
    from cases.models import CaseFile

    oai_case = CaseFile.objects.filter(lead_service__code="oai").first()
    log_in(page, "orp.conseiller")
    page.wait_for_url(re.compile(r"/$"))

    response = page.goto(f"/dossiers/{oai_case.reference}/")

    assert response.status == 404
    assert page.get_by_role("heading", name="Page introuvable").is_visible()


def test_a_wrong_password_shows_a_french_error_and_logout_ends_the_session(page, demo_canton):
    page.goto("/")
    page.get_by_label("Identifiant").fill("orp.conseiller")
    page.get_by_label("Mot de passe").fill("faux")
    page.get_by_role("button", name="Se connecter").click()
    refusal = page.get_by_role("alert").get_by_text("Identifiant ou mot de passe incorrect")
    refusal.wait_for(state="visible")  # the answer to the submitted form, not the page before it
    assert refusal.is_visible()

    log_in(page, "orp.conseiller")
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/compte/connexion/"))
    page.goto("/dossiers/")
    assert "/compte/connexion/" in page.url
