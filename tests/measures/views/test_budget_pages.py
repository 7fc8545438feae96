"""The budget pages: the years, the table of a year with forms for the viewer's own sectors, the loans.

A delegate posting another sector's line gets 404 and nothing changes; a closed year or negative figures
are refused in French and change nothing; anyone who may not read measures gets the 404 of a missing page.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import BudgetYear, PlaceLoan, Sector, SectorBudget
from tests.measures.budget_builders import closed_year, delegate, open_year
from tests.measures.factories import budget, measure_with_places

pytestmark = pytest.mark.django_db

TABLE = reverse("measures:budget_table", args=[2026])
LOANS = reverse("measures:loans", args=[2026])


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.fixture
def measure(coordination_member):  # type: ignore[no-untyped-def]
    measure = measure_with_places(year=2026, places={"professional": 20}, code="horlogerie", name="Atelier horlogerie")
    budget(
        measure=measure, year=2026, sector=Sector.LACI, places=8, amount=Decimal("144000.00"), by=coordination_member
    )
    budget(measure=measure, year=2026, sector=Sector.SMIG, places=4, amount=Decimal("72000.00"), by=coordination_member)
    return measure


def _line(measure, sector: str) -> str:  # type: ignore[no-untyped-def]
    return reverse("measures:budget_line", args=[2026, measure.code, sector])


def _post_line(client, measure, sector: str, places: int, amount: str, version: int):  # type: ignore[no-untyped-def]
    prefix = f"{measure.code}-{sector}"
    return client.post(
        _line(measure, sector),
        {f"{prefix}-places": places, f"{prefix}-amount": amount, f"{prefix}-version": version},
        follow=True,
    )


def test_the_table_offers_forms_only_for_the_viewers_own_sectors(client_for, coordination_member, measure):
    html = client_for(coordination_member).get(TABLE).content.decode()

    assert html.count('<form method="post" action="/mesures/budgets/2026/lignes/') == 2
    assert f'action="{_line(measure, "laci")}"' in html
    assert f'action="{_line(measure, "mip")}"' in html
    assert f'action="{_line(measure, "smig")}"' not in html
    assert "CHF 144&#x27;000.00" in html or "CHF 144'000.00" in html


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member"])
def test_readers_without_a_sector_see_the_table_without_forms(request, client_for, persona, measure):
    response = client_for(request.getfixturevalue(persona)).get(TABLE)

    assert response.status_code == 200
    assert "/lignes/" not in response.content.decode()


@pytest.mark.parametrize("persona", ["cnip_staff", "data_protection_officer", "platform_admin", "outsider"])
def test_anyone_else_gets_the_404_of_a_missing_page(request, client_for, persona, measure):
    client = client_for(request.getfixturevalue(persona))
    missing = _without_csrf(client.get("/mesures/inexistant/").content)

    for url in (reverse("measures:budgets"), TABLE, LOANS):
        response = client.get(url)
        assert response.status_code == 404
        assert _without_csrf(response.content) == missing


def test_the_delegate_changes_their_line(client_for, coordination_member, measure):
    line = SectorBudget.objects.get(sector=Sector.LACI)

    response = _post_line(client_for(coordination_member), measure, "laci", 10, "180000.00", line.version)

    line.refresh_from_db()
    assert (line.places, line.amount, line.version) == (10, Decimal("180000.00"), 2)
    assert "Budget LACI (assurance-chômage) de « Atelier horlogerie » enregistré." in response.content.decode()


def test_a_delegate_posting_another_sectors_line_gets_404_and_nothing_changes(
    client_for, make_account, coordination_member, measure
):
    smig_line = SectorBudget.objects.get(sector=Sector.SMIG)

    response = client_for(coordination_member).post(
        _line(measure, "smig"),
        {"horlogerie-smig-places": 0, "horlogerie-smig-amount": "0", "horlogerie-smig-version": 1},
    )
    from_sas = client_for(delegate(make_account, "saso")).post(
        _line(measure, "laci"),
        {"horlogerie-laci-places": 0, "horlogerie-laci-amount": "0", "horlogerie-laci-version": 1},
    )

    assert response.status_code == from_sas.status_code == 404
    smig_line.refresh_from_db()
    assert smig_line.places == 4
    assert SectorBudget.objects.get(sector=Sector.LACI).places == 8


def test_negative_places_or_a_closed_year_are_refused_in_french_and_nothing_changes(
    client_for, coordination_member, measure
):
    client = client_for(coordination_member)

    negative = _post_line(client, measure, "laci", -1, "144000.00", 1)
    closed_year(2026)
    closed = _post_line(client, measure, "laci", 9, "144000.00", 1)

    assert "Le nombre de places ne peut pas être négatif." in negative.content.decode()
    assert "L&#x27;année 2026 est clôturée" in closed.content.decode()
    assert SectorBudget.objects.get(sector=Sector.LACI).places == 8


def test_a_stale_line_is_refused_with_the_conflict_message(client_for, coordination_member, measure):
    response = _post_line(client_for(coordination_member), measure, "laci", 9, "144000.00", 0)

    assert "modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    assert SectorBudget.objects.get(sector=Sector.LACI).places == 8


def test_a_member_opens_and_closes_a_year(client_for, coordination_member, orp_counsellor):
    client = client_for(coordination_member)

    opened = client.post(reverse("measures:budget_year_open"), {"year": 2027})
    closed = client.post(reverse("measures:budget_year_close", args=[2027]))
    by_caseworker = client_for(orp_counsellor).post(reverse("measures:budget_year_open"), {"year": 2028})

    assert opened.status_code == closed.status_code == 302
    assert BudgetYear.objects.get(year=2027).is_closed
    assert by_caseworker.status_code == 404
    assert not BudgetYear.objects.filter(year=2028).exists()


def test_loans_are_proposed_and_answered_through_the_pages(client_for, make_account, measure):
    smig, sas = delegate(make_account, "smig"), delegate(make_account, "saso")

    proposed = client_for(smig).post(
        LOANS,
        {
            "measure": measure.code,
            "from_sector": "smig",
            "to_sector": "sas",
            "places": 2,
            "starts_on": "01.03.2026",
            "ends_on": "30.06.2026",
        },
    )
    loan = PlaceLoan.objects.get()
    page_for_sas = client_for(sas).get(LOANS).content.decode()
    answered = client_for(sas).post(reverse("measures:loan_answer", args=[loan.pk]), {"decision": "agree"})

    assert proposed.status_code == answered.status_code == 302
    assert reverse("measures:loan_answer", args=[loan.pk]) in page_for_sas
    loan.refresh_from_db()
    assert (loan.status, loan.proposed_by, loan.answered_by) == (PlaceLoan.Status.AGREED, smig, sas)


def test_a_loan_beyond_the_unused_places_shows_the_french_error(client_for, make_account, measure):
    response = client_for(delegate(make_account, "smig")).post(
        LOANS,
        {
            "measure": measure.code,
            "from_sector": "smig",
            "to_sector": "sas",
            "places": 5,
            "starts_on": "01.03.2026",
            "ends_on": "30.06.2026",
        },
    )

    assert response.status_code == 200
    assert "n&#x27;a que 4 place(s) inutilisée(s)" in response.content.decode()
    assert not PlaceLoan.objects.exists()


def test_someone_who_may_not_answer_a_loan_gets_404(client_for, make_account, coordination_member, measure):
    smig = delegate(make_account, "smig")
    open_year(2026)
    loan = PlaceLoan.objects.create(
        year=BudgetYear.objects.get(year=2026),
        measure=measure,
        from_sector=Sector.SMIG,
        to_sector=Sector.SAS,
        proposer_sector=Sector.SMIG,
        places=1,
        starts_on=measure.active_from.replace(year=2026),
        ends_on=measure.active_from.replace(year=2026, month=2),
        proposed_by=smig,
    )

    for user in (smig, coordination_member):
        response = client_for(user).post(reverse("measures:loan_answer", args=[loan.pk]), {"decision": "agree"})
        assert response.status_code == 404
    loan.refresh_from_db()
    assert loan.status == PlaceLoan.Status.PROPOSED
