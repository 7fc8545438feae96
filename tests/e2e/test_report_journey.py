"""A data-protection officer asks for an audit extract in the browser; a real worker renders it."""

import re

import pytest
from celery.contrib.testing.worker import start_worker

from cii_platform.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.redis]


def test_the_progress_bar_follows_the_worker_and_the_pdf_downloads(page, demo_canton, redis_worker_app):
    page.goto("/")
    page.get_by_label("Identifiant").fill("ppd.preposee")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Journal d'audit").first.click()
    page.get_by_label("Utilisateur·rice (identifiant)").fill("ppd.preposee")
    page.get_by_role("button", name="Rechercher").click()
    assert page.get_by_role("cell", name="connexion").first.is_visible()

    with start_worker(redis_worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        page.get_by_role("link", name="Demander un extrait PDF").click()
        page.get_by_role("button", name="Demander l'extrait PDF").click()
        page.wait_for_url(re.compile(r"/rapports/\d+/$"))
        download_link = page.get_by_role("link", name="Télécharger le PDF")
        download_link.wait_for(state="visible", timeout=60_000)

    assert page.locator("progress").evaluate("bar => bar.value") == 100
    assert page.get_by_text("terminé").is_visible()
    with page.expect_download() as download_info:
        download_link.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
