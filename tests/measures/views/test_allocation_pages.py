"""The allocation pages: a member opens a round, proposes, reads the reasons, simulates, adjusts and confirms.

Anyone outside the coordination group (caseworkers too) gets the 404 of a missing page and changes
nothing; a refused or stale write shows a French message and writes nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import AllocationLine, AllocationRound, Placement, PlaceRequest, UnservedReason
from measures.services.allocation import round_open, round_propose
from tests.factories import open_case
from tests.measures.allocation_builders import PERIOD, measure_with_budget, place_request

pytestmark = pytest.mark.django_db

ROUNDS = reverse("measures:rounds")


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def canton(coordination_member, orp_counsellor, smig_counsellor, services):  # type: ignore[no-untyped-def]
    """One place in "Atelier bois" (LACI and SMIG budgets), one in "Atelier textile" (LACI): SMIG's request waits."""
    wood = measure_with_budget(by=coordination_member, places=1, sector_places={"laci": 1, "smig": 1})
    wood.name = "Atelier bois"
    wood.save()
    textile = measure_with_budget(by=coordination_member, places=1, sector_places={"laci": 1})
    textile.name = "Atelier textile"
    textile.save()
    own_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    smig_case = open_case(lead_service=services["smig"], opened_by=smig_counsellor)
    return {
        "wood": wood,
        "textile": textile,
        "own_case": own_case,
        "smig_case": smig_case,
        "served": place_request(by=orp_counsellor, preferences=[wood, textile], urgent=True, case=own_case),
        "smig": place_request(by=smig_counsellor, preferences=[wood], sector="smig", case=smig_case),
        "second": place_request(by=orp_counsellor, preferences=[textile]),
    }


@pytest.fixture
def round_(coordination_member, canton):  # type: ignore[no-untyped-def]
    return round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=coordination_member)


def _proposed(round_, member):  # type: ignore[no-untyped-def]
    round_propose(round=round_, by=member)
    round_.refresh_from_db()
    return round_


def test_a_member_opens_a_round_from_the_list(client_for, coordination_member, canton):
    client = client_for(coordination_member)
    listing = client.get(ROUNDS)
    assert listing.status_code == 200
    assert "Ouvrir un tour" in listing.content.decode()

    response = client.post(
        reverse("measures:round_open"), {"period_start": "01.03.2026", "period_end": "31.03.2026"}, follow=True
    )

    created = AllocationRound.objects.get()
    assert response.redirect_chain[-1][0] == reverse("measures:round_detail", args=[created.pk])
    assert (created.period_start, created.period_end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert "Le tour est ouvert : calculez la proposition." in _messages(response)
    assert "Tour d'attribution du 01.03.2026 au 31.03.2026" in response.content.decode()


def test_a_period_over_two_years_is_refused_in_french_and_nothing_is_opened(client_for, coordination_member):
    response = client_for(coordination_member).post(
        reverse("measures:round_open"), {"period_start": "01.12.2026", "period_end": "31.01.2027"}
    )

    assert response.status_code == 400
    assert "La période d&#x27;un tour doit tenir dans une seule année budgétaire." in response.content.decode()
    assert not AllocationRound.objects.exists()


def test_a_member_proposes_and_sees_the_reasons_of_the_unserved_requests(
    client_for, coordination_member, canton, round_
):
    client = client_for(coordination_member)

    response = client.post(
        reverse("measures:round_propose", args=[round_.pk]), {"version": round_.version}, follow=True
    )

    assert "Proposition calculée : 2 demande(s) servie(s) sur 3." in _messages(response)
    html = response.content.decode()
    assert '<th scope="col">Motif</th>' in html
    assert "<strong>plus de place disponible dans les mesures demandées</strong>" in html
    assert "Demandes non servies · liste d'attente" in html
    assert "<h3>Atelier bois</h3>" in html and "<h3>Atelier textile</h3>" in html
    assert "Rapport du calcul" in html and "Durée du calcul" in html
    assert "Places par mesure et par secteur" in html
    assert AllocationLine.objects.filter(round=round_, measure__isnull=False).count() == 2


def test_the_person_is_named_for_the_members_own_service_and_pseudonymous_for_the_others(
    client_for, coordination_member, canton, round_
):
    _proposed(round_, coordination_member)

    html = client_for(coordination_member).get(reverse("measures:round_detail", args=[round_.pk])).content.decode()

    own = canton["own_case"]
    assert f"{own.person.first_name} {own.person.last_name} · {own.reference}" in html
    smig_case = canton["smig_case"]
    assert f"{canton['smig'].reference} · {canton['smig'].pseudonym}" in html
    assert smig_case.person.last_name not in html
    assert smig_case.reference not in html


def test_a_simulation_shows_both_budgets_side_by_side_and_writes_nothing(
    client_for, coordination_member, canton, round_
):
    client = client_for(coordination_member)
    url = reverse("measures:round_simulate", args=[round_.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "SMIG (migration) : variation du budget (%)" in form.content.decode()

    response = client.post(url, {"smig": "100", "laci": "0"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Budget actuel" in html and "Budget simulé" in html
    assert "Rien n'a été enregistré." in html
    assert "SMIG (migration) +100 %" in html
    round_.refresh_from_db()
    assert (round_.status, round_.version) == (AllocationRound.Status.OPEN, 1)
    assert not AllocationLine.objects.exists()
    assert not Placement.objects.exists()


def test_a_simulation_refuses_a_budget_cut_below_minus_100_percent(client_for, coordination_member, round_):
    response = client_for(coordination_member).post(
        reverse("measures:round_simulate", args=[round_.pk]), {"smig": "-150"}
    )

    assert "Un budget ne peut pas baisser de plus de 100 %." in response.content.decode()
    assert "Résultat de la simulation" not in response.content.decode()


def test_a_member_sets_a_line_aside_then_moves_another_to_its_second_choice(
    client_for, coordination_member, canton, round_
):
    _proposed(round_, coordination_member)
    client = client_for(coordination_member)
    second = AllocationLine.objects.get(round=round_, request=canton["second"])
    served = AllocationLine.objects.get(round=round_, request=canton["served"])
    assert (served.measure_id, served.rank) == (canton["wood"].pk, 1)

    aside = client.post(
        reverse("measures:round_adjust", args=[round_.pk, second.pk]),
        {"measure": "", "version": round_.version},
        follow=True,
    )

    second.refresh_from_db()
    assert (second.measure_id, second.unserved_reason) == (None, UnservedReason.SET_ASIDE)
    assert f"La demande {canton['second'].reference} est écartée et rejoint la liste d'attente." in _messages(aside)
    assert "<strong>écartée par le groupe de coordination</strong>" in aside.content.decode()

    round_.refresh_from_db()
    moved = client.post(
        reverse("measures:round_adjust", args=[round_.pk, served.pk]),
        {"measure": canton["textile"].code, "version": round_.version},
        follow=True,
    )

    served.refresh_from_db()
    assert (served.measure_id, served.rank) == (canton["textile"].pk, 2)
    assert f"La demande {canton['served'].reference} est attribuée à « Atelier textile »." in _messages(moved)


def test_a_move_that_no_longer_fits_is_refused_in_french_and_changes_nothing(
    client_for, coordination_member, canton, round_
):
    _proposed(round_, coordination_member)
    served = AllocationLine.objects.get(round=round_, request=canton["served"])

    response = client_for(coordination_member).post(
        reverse("measures:round_adjust", args=[round_.pk, served.pk]),
        {"measure": canton["textile"].code, "version": round_.version},
        follow=True,
    )

    assert any(message.startswith("Ajustement refusé : ") for message in _messages(response))
    served.refresh_from_db()
    assert served.measure_id == canton["wood"].pk
    assert AllocationRound.objects.get(pk=round_.pk).version == round_.version


def test_an_adjustment_to_a_measure_the_request_did_not_wish_is_refused(
    client_for, coordination_member, canton, round_
):
    _proposed(round_, coordination_member)
    line = AllocationLine.objects.get(round=round_, request=canton["smig"])

    response = client_for(coordination_member).post(
        reverse("measures:round_adjust", args=[round_.pk, line.pk]),
        {"measure": canton["textile"].code, "version": round_.version},
        follow=True,
    )

    assert "Choisissez une des mesures souhaitées par la demande." in _messages(response)
    assert AllocationLine.objects.get(pk=line.pk).unserved_reason == line.unserved_reason


def test_a_member_confirms_and_finds_the_link_to_the_monthly_dashboard(client_for, coordination_member, canton, round_):
    _proposed(round_, coordination_member)

    response = client_for(coordination_member).post(
        reverse("measures:round_confirm", args=[round_.pk]), {"version": round_.version}, follow=True
    )

    assert "Tour confirmé : 2 placement(s) créé(s)." in _messages(response)
    assert set(Placement.objects.values_list("request_id", flat=True)) == {canton["served"].pk, canton["second"].pk}
    assert PlaceRequest.objects.get(pk=canton["smig"].pk).status == PlaceRequest.Status.WAITING
    html = response.content.decode()
    assert f'href="{reverse("measures:dashboard")}?mois=2026-01"' in html
    assert "Confirmer la proposition" not in html


def test_a_stale_confirmation_shows_the_french_message_and_writes_nothing(
    client_for, coordination_member, canton, round_
):
    _proposed(round_, coordination_member)
    stale_version = round_.version
    round_propose(round=round_, by=coordination_member)  # another member recomputed it meanwhile

    response = client_for(coordination_member).post(
        reverse("measures:round_confirm", args=[round_.pk]), {"version": stale_version}, follow=True
    )

    assert any("modifié par quelqu'un d'autre" in message for message in _messages(response))
    assert not Placement.objects.exists()
    assert AllocationRound.objects.get(pk=round_.pk).status == AllocationRound.Status.PROPOSED


@pytest.mark.parametrize("persona", ["orp_counsellor", "smig_counsellor", "gp_cii_member", "outsider"])
def test_anyone_outside_the_coordination_group_gets_404_and_changes_nothing(
    request, client_for, coordination_member, canton, round_, persona
):
    _proposed(round_, coordination_member)
    line = AllocationLine.objects.filter(round=round_).first()
    client = client_for(request.getfixturevalue(persona))

    for url in (
        ROUNDS,
        reverse("measures:round_detail", args=[round_.pk]),
        reverse("measures:round_simulate", args=[round_.pk]),
    ):
        assert client.get(url).status_code == 404, url
    posts = {
        reverse("measures:round_open"): {"period_start": "01.03.2026", "period_end": "31.03.2026"},
        reverse("measures:round_propose", args=[round_.pk]): {"version": round_.version},
        reverse("measures:round_simulate", args=[round_.pk]): {"smig": "10"},
        reverse("measures:round_adjust", args=[round_.pk, line.pk]): {"measure": "", "version": round_.version},
        reverse("measures:round_confirm", args=[round_.pk]): {"version": round_.version},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert AllocationRound.objects.count() == 1
    assert AllocationRound.objects.get().version == round_.version
    assert not Placement.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):  # type: ignore[no-untyped-def]
    response = client.get(ROUNDS)

    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_the_round_page_costs_the_same_queries_for_2_and_for_20_requests(
    client_for, coordination_member, orp_counsellor, smig_counsellor, services
):
    measures = [measure_with_budget(by=coordination_member, places=3, sector_places={"laci": 2, "smig": 1})]
    measures.append(measure_with_budget(by=coordination_member, places=3, price=Decimal("900.00")))
    client = client_for(coordination_member)

    def add(count: int) -> None:
        for number in range(count):
            caseworker = (orp_counsellor, smig_counsellor)[number % 2]
            case = open_case(lead_service=caseworker.service, opened_by=caseworker) if number % 4 < 2 else None
            sector = "laci" if number % 2 == 0 else "smig"
            place_request(by=caseworker, preferences=measures[number % 2 :], sector=sector, case=case)

    def cost() -> int:
        round_ = _proposed(
            round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=coordination_member),
            coordination_member,
        )
        url = reverse("measures:round_detail", args=[round_.pk])
        client.get(url)  # the session and the account's groups
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(2)
    few = cost()
    add(18)
    assert cost() == few
