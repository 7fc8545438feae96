"""A caseworker signals a case, scores the grid, shares it on consent, moves it on and closes it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cii_platform.core.demo import DEMO_PASSWORD
from cii_platform.partners.models import PartnerService

pytestmark = [pytest.mark.browser]


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))


def log_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/compte/connexion/"))


def job_exits_today(page, today) -> str:  # type: ignore[no-untyped-def]
    """The Total cell of the "job" outcome row of the indicators, for cases signalled today."""
    day = today.strftime("%d.%m.%Y")
    page.goto(f"/dossiers/indicateurs/?date_from={day}&date_to={day}")
    row = page.locator("table").first.locator(
        "tr", has=page.get_by_role("rowheader", name=re.compile("emploi sur le premier"))
    )
    return row.locator("td").first.inner_text().strip()


def test_signal_score_share_on_consent_plan_meet_and_close(page, demo_canton):
    today = timezone.localdate()
    oai = PartnerService.objects.get(code="oai")
    semp = PartnerService.objects.get(code="semp")
    log_in(page, "orp.conseiller")
    assert job_exits_today(page, today) == "0"
    page.goto("/")

    # Signal a new person's situation.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="File de triage").click()
    page.get_by_role("link", name="Signaler un cas").click()
    page.get_by_label("Nom", exact=True).fill("Dubois")
    page.get_by_label("Prénom").fill("Amélie")
    page.get_by_label("Date de naissance (jj.mm.aaaa)").fill("14.05.1982")
    page.get_by_label("Numéro AVS (si connu)").fill("756.9217.0769.84")
    page.get_by_label("Programme").select_option(label="Réseau CII NE")
    page.get_by_label("Indemnités de chômage (AC)").check()
    page.get_by_label("Aide sociale (AS)").check()
    page.get_by_label("Motif du signalement").fill("Fin de droit au chômage, demande d'aide sociale, santé fragile.")
    page.get_by_role("button", name="Signaler et ouvrir le dossier").click()
    expect(page.get_by_text("Ce numéro AVS n'est pas valable")).to_be_visible()
    page.get_by_label("Numéro AVS (si connu)").fill("756.9217.0769.85")
    page.get_by_role("button", name="Signaler et ouvrir le dossier").click()
    page.wait_for_url(re.compile(r"/dossiers/CII-\d{4}-\d{5}/$"))
    reference = re.search(r"CII-\d{4}-\d{5}", page.url).group(0)
    assert page.get_by_role("heading", name=f"Dossier {reference} · Amélie Dubois").is_visible()

    # Score the common evaluation grid.
    page.get_by_role("link", name="Nouvelle évaluation").click()
    page.locator("select[name=score_mental_health]").select_option("3")
    page.locator("select[name=score_debts]").select_option("3")
    page.locator("select[name=score_training]").select_option("1")
    page.get_by_role("button", name="Enregistrer et signer l'évaluation").click()
    page.goto(f"/dossiers/{reference}/")

    # OAI sees nothing of it yet.
    log_out(page)
    log_in(page, "oai.conseillere")
    assert page.goto(f"/dossiers/{reference}/").status == 404
    log_out(page)

    # The lead service records the person's consent and invites OAI.
    log_in(page, "orp.conseiller")
    page.goto(f"/dossiers/{reference}/")
    page.get_by_role("link", name="Enregistrer un consentement").click()
    page.get_by_label(re.compile("assurance-invalidité")).check()
    page.get_by_label(re.compile("santé et capacité de travail")).check()
    page.get_by_label("But de l'échange").fill("Coordonner l'évaluation de la capacité de travail.")
    page.get_by_label("Signé le (jj.mm.aaaa)").fill(today.strftime("%d.%m.%Y"))
    page.get_by_label("Valable jusqu'au (jj.mm.aaaa)").fill(today.replace(year=today.year + 1).strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Enregistrer le consentement").click()
    page.goto(f"/dossiers/{reference}/")
    page.get_by_role("link", name="Inviter un service").click()
    page.get_by_label("Service à inviter").select_option(value=str(PartnerService.objects.get(code="oai").pk))
    page.get_by_label("Base légale de l'échange").select_option(index=1)
    page.get_by_role("button", name="Inviter le service").click()
    log_out(page)

    # Now OAI sees the case.
    log_in(page, "oai.conseillere")
    assert page.goto(f"/dossiers/{reference}/").status == 200
    assert page.get_by_role("heading", name=f"Dossier {reference} · Amélie Dubois").is_visible()
    log_out(page)

    # The lead service plans a task for OAI and records a network meeting.
    log_in(page, "orp.conseiller")
    page.goto(f"/dossiers/{reference}/")
    page.get_by_role("link", name="Ajouter une tâche").click()
    page.locator("input[name=title]").fill("Demander un rapport médical")
    page.locator("select[name=assigned_service]").select_option(value=str(oai.pk))
    page.locator("input[name=due_on]").fill((today + dt.timedelta(days=14)).strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Ajouter la tâche").click()
    page.goto(f"/dossiers/{reference}/")
    assert page.get_by_text("Demander un rapport médical").first.is_visible()
    page.get_by_role("link", name="Enregistrer une séance").click()
    page.locator("input[name=held_on]").fill(today.strftime("%d.%m.%Y"))
    page.locator(f"input[name=services][value='{semp.pk}']").check()
    page.locator(f"input[name=services][value='{oai.pk}']").check()
    page.locator("textarea[name=decisions]").fill("Bilan médical demandé; recherche d'un stage.")
    page.get_by_role("button", name="Enregistrer la séance").click()
    page.goto(f"/dossiers/{reference}/")
    page.get_by_role("link", name=f"Séance du {today:%d.%m.%Y}").click()
    expect(page.get_by_text("Bilan médical demandé").first).to_be_visible()
    page.goto(f"/dossiers/{reference}/")

    # The lead service moves the case on and closes it with an outcome.
    for status in ("en évaluation", "plan d'action"):
        page.get_by_label(status, exact=True).check()
        page.get_by_role("button", name="Enregistrer le changement").click()
        expect(page.get_by_text("Le statut du dossier a été mis à jour.")).to_be_visible()
    page.get_by_label("clôturé", exact=True).check()
    page.get_by_label("Issue (pour clôturer)").select_option(label="emploi sur le premier marché du travail")
    page.get_by_label("Date de l'issue (jj.mm.aaaa)").fill(today.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Enregistrer le changement").click()
    expect(page.get_by_text("Le statut du dossier a été mis à jour.")).to_be_visible()
    assert page.get_by_text("emploi sur le premier marché du travail").first.is_visible()

    # The indicators count the new exit (one case: shown as a suppressed small cell).
    assert job_exits_today(page, today) == "< 3"
