"""CNIP staff compute the 2020 ranking of the demo canton, the three jury members approve it in their browsers,
staff publish it, and the certificates of every labelled company come out of a real worker as one PDF."""

import io
import re

import pytest
from celery.contrib.testing.worker import start_worker
from pypdf import PdfReader

from cii_platform.accounts.models import Role
from labels.demo import load_demo_labels
from labels.models import Edition, EditionStatus, RankingEntry
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.redis]

JURY = ("jury.oai", "jury.conseil", "jury.cnci")


@pytest.fixture
def label_demo(transactional_db, make_account):  # type: ignore[no-untyped-def]
    """The label's part of the demo canton (its accounts and data), without the rest of the canton."""
    make_account("cnip.collaboratrice", "oai", "cnip", (Role.CNIP_STAFF,))
    make_account("jury.oai", "oai", "oai-ne", (Role.LABEL_JURY,))
    make_account("jury.conseil", "oai", "cnip", (Role.LABEL_JURY,))
    make_account("jury.cnci", None, None, (Role.LABEL_JURY,))
    load_demo_labels()


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))


def test_the_2020_ranking_is_computed_approved_published_and_its_certificates_printed_by_the_worker(
    browser, live_server, page, label_demo, redis_worker_app
):
    _log_in(page, "cnip.collaboratrice")
    page.get_by_role("link", name="Label Intégration").first.click()
    page.get_by_role("link", name="Label Intégration 2020").click()
    page.get_by_role("button", name="Calculer le classement").click()
    page.get_by_text("Le classement de l'édition 2020 est calculé.").wait_for(state="visible")
    figures = page.locator("#chiffres-titre ~ table")
    days = figures.locator("tr", has=page.get_by_role("rowheader", name="Jours de stage")).inner_text()
    rate = figures.locator("tr", has=page.get_by_role("rowheader", name="Taux de réinsertion")).inner_text()
    assert "2'943" in days and "3'020" in days
    assert "41.67\u00a0%" in rate and "56.25\u00a0%" in rate
    assert page.locator("#classement tbody tr").count() >= 24
    page.get_by_role("button", name="Soumettre au jury").click()
    page.get_by_text("Le classement est soumis au jury pour approbation.").wait_for(state="visible")
    assert Edition.objects.get(year=2020).status == EditionStatus.JURY

    for username in JURY:
        context = browser.new_context(locale="fr-CH", base_url=live_server.url)
        jury_page = context.new_page()
        jury_page.set_default_timeout(15_000)
        _log_in(jury_page, username)
        jury_page.goto("/label/editions/2020/")
        jury_page.get_by_label("Commentaire (facultatif)").fill("Classement vérifié.")
        jury_page.get_by_role("button", name="Approuver le classement").click()
        jury_page.get_by_role("button", name="Retirer mon approbation").wait_for(state="visible")
        context.close()

    page.reload()
    page.get_by_role("button", name="Publier l'édition").click()
    page.get_by_text("L'édition 2020 est publiée : ses chiffres sont figés.").wait_for(state="visible")
    assert Edition.objects.get(year=2020).status == EditionStatus.PUBLISHED

    with start_worker(redis_worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=60):
        page.get_by_role("button", name="Imprimer les certificats").click()
        page.wait_for_url(re.compile(r"/rapports/\d+/$"))
        download_link = page.get_by_role("link", name="Télécharger le PDF")
        download_link.wait_for(state="visible", timeout=120_000)

    with page.expect_download() as download_info:
        download_link.click()
    reader = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    labelled = list(RankingEntry.objects.filter(edition__year=2020, labelled=True).order_by("rank"))
    assert len(labelled) == 24
    assert len(reader.pages) == 24
    first_page = reader.pages[0].extract_text()
    assert labelled[0].company_name in first_page and "Label Intégration 2020" in first_page
    assert page.get_by_role("link", name="Télécharger les documents séparés (ZIP)").is_visible()
