"""Allocation rounds API: members read rounds and lines, propose, simulate and confirm; others 404; stale 409."""

import pytest
from django.test import Client

from measures.models import AllocationLine, AllocationRound, Placement
from measures.services.allocation import round_open, round_propose
from tests.factories import open_case
from tests.measures.allocation_builders import PERIOD, measure_with_budget, place_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def canton(coordination_member, orp_counsellor, smig_counsellor, services):  # type: ignore[no-untyped-def]
    wood = measure_with_budget(by=coordination_member, places=1, sector_places={"laci": 1, "smig": 1})
    own_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    smig_case = open_case(lead_service=services["smig"], opened_by=smig_counsellor)
    return {
        "wood": wood,
        "own_case": own_case,
        "smig_case": smig_case,
        "served": place_request(by=orp_counsellor, preferences=[wood], urgent=True, case=own_case),
        "smig": place_request(by=smig_counsellor, preferences=[wood], sector="smig", case=smig_case),
    }


@pytest.fixture
def round_(coordination_member, canton):  # type: ignore[no-untyped-def]
    return round_open(period_start=PERIOD[0], period_end=PERIOD[1], opened_by=coordination_member)


def _post(client: Client, url: str, data: dict) -> object:  # type: ignore[type-arg]
    return client.post(url, data, content_type="application/json")


def test_a_member_lists_the_rounds_newest_first(client_for, coordination_member, round_):
    newer = round_open(period_start=PERIOD[0], period_end=PERIOD[0], opened_by=coordination_member)

    body = client_for(coordination_member).get("/api/measures/rounds/").json()

    assert [row["id"] for row in body] == [newer.pk, round_.pk]
    assert (body[1]["status"], body[1]["served_count"], body[1]["version"]) == ("open", 0, 1)


def test_a_member_proposes_then_reads_the_lines_with_their_french_reasons(
    client_for, coordination_member, canton, round_
):
    client = client_for(coordination_member)

    response = _post(client, f"/api/measures/rounds/{round_.pk}/proposer/", {"version": 1})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["round"]["status"], body["round"]["version"], body["served_count"]) == ("proposed", 2, 1)
    lines = {line["request"]: line for line in body["lines"]}
    served, smig = lines[canton["served"].reference], lines[canton["smig"].reference]
    assert (served["measure"], served["rank"], served["unserved_reason"]) == (canton["wood"].code, 1, "")
    assert (smig["measure"], smig["unserved_reason"], smig["waiting_position"]) == (None, "no_capacity", 1)
    assert smig["unserved_reason_label"] == "plus de place disponible dans les mesures demandées"
    assert body["report"]["requests"] == 2 and body["report"]["seconds"] >= 0
    assert {(row["sector"], row["used_places"], row["available_places"]) for row in body["usage"]} == {
        ("laci", 1, 1),
        ("smig", 0, 1),
    }
    assert client.get(f"/api/measures/rounds/{round_.pk}/").json()["lines"] == body["lines"]


def test_the_person_is_named_only_for_the_callers_own_service(client_for, coordination_member, canton, round_):
    round_propose(round=round_, by=coordination_member)

    lines = {
        line["request"]: line
        for line in client_for(coordination_member).get(f"/api/measures/rounds/{round_.pk}/").json()["lines"]
    }

    own = lines[canton["served"].reference]
    assert (own["case_reference"], own["pseudonym"]) == (canton["own_case"].reference, canton["served"].pseudonym)
    assert own["person_name"] == f"{canton['own_case'].person.first_name} {canton['own_case'].person.last_name}"
    other = lines[canton["smig"].reference]
    assert (other["person_name"], other["case_reference"], other["pseudonym"]) == ("", "", canton["smig"].pseudonym)


def test_a_simulation_answers_both_budgets_and_writes_nothing(client_for, coordination_member, canton, round_):
    response = _post(
        client_for(coordination_member),
        f"/api/measures/rounds/{round_.pk}/simuler/",
        {"budget_percentages": {"smig": "50"}},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["current"]["served"], body["simulated"]["served"]) == (1, 1)
    assert {line["request"] for line in body["lines"]} == {canton["served"].reference, canton["smig"].reference}
    assert AllocationRound.objects.get(pk=round_.pk).version == 1
    assert not AllocationLine.objects.exists()


def test_a_simulation_refuses_an_unknown_sector_in_french(client_for, coordination_member, round_):
    response = _post(
        client_for(coordination_member),
        f"/api/measures/rounds/{round_.pk}/simuler/",
        {"budget_percentages": {"xyz": "10"}},
    )

    assert response.status_code == 400
    assert "Secteur inconnu : xyz." in str(response.json())


def test_a_member_confirms_and_the_placements_exist(client_for, coordination_member, canton, round_):
    round_propose(round=round_, by=coordination_member)

    response = _post(client_for(coordination_member), f"/api/measures/rounds/{round_.pk}/confirmer/", {"version": 2})

    assert response.status_code == 200, response.content
    assert response.json()["round"]["status"] == "confirmed"
    assert list(Placement.objects.values_list("request_id", flat=True)) == [canton["served"].pk]


def test_a_stale_version_answers_409_and_a_confirmed_round_400_in_french(
    client_for, coordination_member, canton, round_
):
    client = client_for(coordination_member)
    round_propose(round=round_, by=coordination_member)

    stale = _post(client, f"/api/measures/rounds/{round_.pk}/confirmer/", {"version": 1})
    assert stale.status_code == 409
    assert "modifié par quelqu'un d'autre" in stale.json()["detail"]
    assert not Placement.objects.exists()

    assert _post(client, f"/api/measures/rounds/{round_.pk}/confirmer/", {"version": 2}).status_code == 200
    again = _post(client, f"/api/measures/rounds/{round_.pk}/proposer/", {"version": 3})
    assert again.status_code == 400
    assert "Ce tour est déjà confirmé ou annulé." in str(again.json())


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_anyone_outside_the_coordination_group_gets_404_and_changes_nothing(
    request, client_for, coordination_member, round_, persona
):
    round_propose(round=round_, by=coordination_member)
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/api/measures/rounds/").status_code == 404
    assert client.get(f"/api/measures/rounds/{round_.pk}/").status_code == 404
    for verb, data in (("proposer", {"version": 2}), ("simuler", {}), ("confirmer", {"version": 2})):
        assert _post(client, f"/api/measures/rounds/{round_.pk}/{verb}/", data).status_code == 404, verb
    assert AllocationRound.objects.get().status == AllocationRound.Status.PROPOSED
    assert not Placement.objects.exists()


def test_the_rounds_are_in_the_openapi_schema_with_french_summaries(client_for, coordination_member):
    paths = client_for(coordination_member).get("/api/schema/", {"format": "json"}).json()["paths"]

    for path in (
        "/api/measures/rounds/",
        "/api/measures/rounds/{id}/",
        "/api/measures/rounds/{id}/proposer/",
        "/api/measures/rounds/{id}/simuler/",
        "/api/measures/rounds/{id}/confirmer/",
    ):
        operations = paths[path].values()
        assert all(operation["summary"] and operation["description"] for operation in operations), path
    assert paths["/api/measures/rounds/{id}/confirmer/"]["post"]["summary"] == "Confirmer la proposition d'un tour"
