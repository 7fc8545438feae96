"""A coordination-group member runs an allocation round in the browser and finds the dashboard updated."""

import calendar
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from measures.models import PlaceKind, Placement
from tests.conftest import PASSWORD
from tests.measures.allocation_builders import place_request
from tests.measures.factories import budget, measure_with_places

pytestmark = [pytest.mark.browser]


def test_a_member_opens_a_round_runs_it_reads_the_reasons_confirms_and_opens_the_dashboard(
    page, coordination_member, orp_counsellor
):
    today = timezone.localdate()
    first_day = today.replace(day=1)
    measure = measure_with_places(
        year=today.year, places={PlaceKind.PROFESSIONAL: 1}, price=Decimal("1000.00"), name="Atelier vélos"
    )
    budget(
        measure=measure, year=today.year, sector="laci", places=1, amount=Decimal("12000.00"), by=coordination_member
    )
    served = place_request(by=orp_counsellor, preferences=[measure], urgent=True, desired_start=first_day)
    waiting = place_request(by=orp_counsellor, preferences=[measure], desired_start=first_day)

    page.goto("/compte/connexion/")
    page.get_by_label("Identifiant").fill(coordination_member.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))

    # Open a round for the current month (the form offers it by default).
    page.goto("/mesures/attribution/")
    last_day = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    assert page.get_by_label("Période du (jj.mm.aaaa)").input_value() == f"{first_day:%d.%m.%Y}"
    assert page.get_by_label("Au (jj.mm.aaaa)").input_value() == f"{last_day:%d.%m.%Y}"
    page.get_by_role("button", name="Ouvrir le tour").click()
    page.wait_for_url(re.compile(r"/mesures/attribution/\d+/$"))
    assert page.get_by_role(
        "heading", name=f"Tour d'attribution du {first_day:%d.%m.%Y} au {last_day:%d.%m.%Y}"
    ).is_visible()

    # Run the allocation: one request is served, the other waits with its reason.
    page.get_by_role("button", name="Calculer la proposition").click()
    expect(page.get_by_text("Proposition calculée : 1 demande(s) servie(s) sur 2.")).to_be_visible()
    unserved = page.locator("#non-servies tbody tr", has_text=waiting.reference)
    assert unserved.get_by_text("plus de place disponible dans les mesures demandées").is_visible()
    assert page.locator("#servies", has_text=served.reference).is_visible()

    # Confirm, then open the month's dashboard.
    page.get_by_role("button", name="Confirmer la proposition").click()
    expect(page.get_by_text("Tour confirmé : 1 placement(s) créé(s).")).to_be_visible()
    assert Placement.objects.filter(request=served).exists()
    page.get_by_role("link", name=f"Voir le tableau de bord mensuel · {first_day:%m.%Y}").click()
    page.wait_for_url(re.compile(rf"/mesures/.*\?mois={first_day:%Y-%m}$"))
    row = page.locator("table.data tbody tr", has=page.get_by_role("rowheader", name="Atelier vélos")).first
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "1"  # places budgeted
    assert Decimal(cells[1]) == Decimal(1)  # places occupied: the whole month
    assert cells[3] == "CHF 1'000.00"
