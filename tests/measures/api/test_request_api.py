"""Place request API: list, detail, create and withdraw under the pages' rules."""

import pytest
from rest_framework.test import APIClient

from cii_platform.accounts.models import Role
from measures.models import PlaceRequest
from tests.factories import open_case
from tests.measures.placement_builders import ask, offer

pytestmark = pytest.mark.django_db

URL = "/api/measures/requests/"


def _api(user):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_caseworker_creates_a_request_on_a_case_of_the_service(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    first, second = offer(), offer()
    answer = _api(orp_counsellor).post(
        URL,
        {
            "case": case.reference,
            "sector": "laci",
            "place_kind": "professional",
            "priority": "urgent",
            "desired_start": "2026-03-02",
            "preferences": [second.code, first.code],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["case_reference"] == case.reference and data["person_name"].endswith(case.person.last_name)
    assert [p["measure"] for p in data["preferences"]] == [second.code, first.code]


def test_bad_input_answers_400_in_french_and_saves_nothing(orp_counsellor):
    answer = _api(orp_counsellor).post(
        URL,
        {"sector": "laci", "place_kind": "professional", "desired_start": "2026-03-02", "preferences": ["inconnue"]},
        format="json",
    )
    assert answer.status_code == 400
    assert "Mesure inconnue" in answer.json()["preferences"][0]
    answer = _api(orp_counsellor).post(
        URL,
        {"sector": "laci", "place_kind": "professional", "desired_start": "2026-03-02", "preferences": [offer().code]},
        format="json",
    )
    assert answer.status_code == 400 and "pseudonyme" in answer.json()["pseudonym"][0]
    assert not PlaceRequest.objects.exists()


def test_a_case_of_another_service_and_an_account_without_role_answer_404(
    orp_counsellor, ssr_social_worker, outsider, services
):
    case = open_case(lead_service=services["saso"], opened_by=ssr_social_worker)
    body = {
        "case": case.reference,
        "sector": "laci",
        "place_kind": "professional",
        "desired_start": "2026-03-02",
        "preferences": [offer().code],
    }
    assert _api(orp_counsellor).post(URL, body, format="json").status_code == 404
    assert _api(outsider).post(URL, {**body, "case": "", "pseudonym": "X"}, format="json").status_code == 404
    assert not PlaceRequest.objects.exists()


def test_a_member_of_another_service_reads_the_pseudonym_only_and_outsiders_get_404(
    orp_counsellor, make_account, outsider, services
):
    saso_member = make_account("coord.saso", "saso", "ssr-littoral-ouest", (Role.COORDINATION_GROUP,))
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    place_request = ask(orp_counsellor, offer(), case=case)

    listed = _api(saso_member).get(URL).json()["results"]
    detail = _api(saso_member).get(f"{URL}{place_request.pk}/").json()
    for row in (listed[0], detail):
        assert (row["pseudonym"], row["person_name"], row["case_reference"]) == (place_request.pseudonym, "", "")
    assert _api(outsider).get(URL).json()["results"] == []
    assert _api(outsider).get(f"{URL}{place_request.pk}/").status_code == 404


def test_withdrawing_through_the_api_refuses_a_stale_version_with_409(orp_counsellor, smig_counsellor):
    place_request = ask(orp_counsellor, offer(), pseudonym="ORP-1")
    url = f"{URL}{place_request.pk}/withdraw/"
    assert _api(smig_counsellor).post(url, {"version": 1}, format="json").status_code == 404
    assert _api(orp_counsellor).post(url, {"version": 7}, format="json").status_code == 409
    answer = _api(orp_counsellor).post(url, {"version": 1}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
