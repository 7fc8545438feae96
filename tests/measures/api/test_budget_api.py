"""Budgets API: lines and loans; a delegate PATCHes their own sector's line only (others 404), stale 409."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import PlaceLoan, Sector, SectorBudget
from tests.measures.budget_builders import closed_year, delegate
from tests.measures.factories import budget, measure_with_places

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(coordination_member):  # type: ignore[no-untyped-def]
    measure = measure_with_places(year=2026, places={"professional": 20}, code="horlogerie")
    return {
        sector: budget(
            measure=measure, year=2026, sector=sector, places=4, amount=Decimal("72000.00"), by=coordination_member
        )
        for sector in (Sector.LACI, Sector.SMIG)
    }


def _patch(client, line, **data):  # type: ignore[no-untyped-def]
    return client.patch(f"/api/measures/budgets/{line.pk}/", data, content_type="application/json")


def test_a_reader_lists_the_lines_and_sees_which_are_theirs(client_for, coordination_member, lines):
    body = client_for(coordination_member).get("/api/measures/budgets/", {"annee": 2026}).json()

    assert {(row["sector"], row["can_edit"]) for row in body["results"]} == {("laci", True), ("smig", False)}


def test_the_delegate_patches_their_line_through_the_service(client_for, coordination_member, lines):
    response = _patch(client_for(coordination_member), lines[Sector.LACI], places=6, version=1)

    assert response.status_code == 200, response.content
    assert (response.json()["places"], response.json()["version"]) == (6, 2)


def test_another_sectors_line_answers_404_and_nothing_changes(client_for, make_account, lines):
    response = _patch(client_for(delegate(make_account, "saso")), lines[Sector.SMIG], places=0, version=1)

    assert response.status_code == 404
    assert SectorBudget.objects.get(sector=Sector.SMIG).places == 4


def test_a_stale_version_answers_409_and_a_closed_year_400_in_french(client_for, coordination_member, lines):
    client = client_for(coordination_member)

    stale = _patch(client, lines[Sector.LACI], places=6, version=7)
    negative = _patch(client, lines[Sector.LACI], places=-1, version=1)
    closed_year(2026)
    closed = _patch(client, lines[Sector.LACI], places=6, version=1)

    assert stale.status_code == 409
    assert "modifié par quelqu'un d'autre" in stale.json()["detail"]
    assert negative.status_code == 400
    assert negative.json()["places"] == ["Le nombre de places ne peut pas être négatif."]
    assert closed.status_code == 400
    assert closed.json()["year"] == ["L'année 2026 est clôturée : ses budgets et ses prêts ne changent plus."]
    assert SectorBudget.objects.get(sector=Sector.LACI).places == 4


def test_a_delegate_creates_the_line_of_their_sector(client_for, make_account, lines):
    client = client_for(delegate(make_account, "saso"))
    data = {"year": 2026, "measure": "horlogerie", "sector": "sas", "places": 3, "amount": "54000.00"}

    created = client.post("/api/measures/budgets/", data, content_type="application/json")
    again = client.post("/api/measures/budgets/", data, content_type="application/json")
    other = client.post("/api/measures/budgets/", {**data, "sector": "mip"}, content_type="application/json")

    assert created.status_code == 201
    assert again.status_code == 409
    assert other.status_code == 404
    assert SectorBudget.objects.filter(sector=Sector.SAS).count() == 1


@pytest.mark.parametrize("persona", ["cnip_staff", "platform_admin", "outsider"])
def test_anyone_else_gets_404(request, client_for, persona, lines):
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/api/measures/budgets/").status_code == 404
    assert client.get(f"/api/measures/budgets/{lines[Sector.LACI].pk}/").status_code == 404
    assert client.get("/api/measures/loans/").status_code == 404
    assert _patch(client, lines[Sector.LACI], places=0, version=1).status_code == 404


def test_loans_are_proposed_and_agreed_through_the_api(client_for, make_account, lines):
    smig, sas = delegate(make_account, "smig"), delegate(make_account, "saso")
    data = {
        "year": 2026,
        "measure": "horlogerie",
        "from_sector": "smig",
        "to_sector": "sas",
        "places": 2,
        "starts_on": "2026-03-01",
        "ends_on": "2026-04-30",
    }

    proposed = client_for(smig).post("/api/measures/loans/", data, content_type="application/json")
    loan_id = proposed.json()["id"]
    by_proposer = client_for(smig).post(f"/api/measures/loans/{loan_id}/agree/")
    agreed = client_for(sas).post(f"/api/measures/loans/{loan_id}/agree/")
    too_many = client_for(smig).post("/api/measures/loans/", {**data, "places": 3}, content_type="application/json")

    assert proposed.status_code == 201
    assert by_proposer.status_code == 404
    assert agreed.json()["status"] == "agreed"
    assert too_many.status_code == 400
    assert "n'a que 2 place(s) inutilisée(s)" in too_many.json()["places"][0]
    assert PlaceLoan.objects.count() == 1


def test_the_budget_list_costs_the_same_queries_for_2_and_for_20_lines(client_for, coordination_member):
    client = client_for(coordination_member)

    def add(count: int) -> None:
        for _ in range(count):
            measure = measure_with_places(year=2026, active_from=dt.date(2020, 1, 1))
            budget(
                measure=measure, year=2026, sector=Sector.LACI, places=1, amount=Decimal("1.00"), by=coordination_member
            )

    def count() -> int:
        client.get("/api/measures/budgets/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/measures/budgets/").status_code == 200
        return len(queries)

    add(2)
    two = count()
    add(18)

    assert count() == two
