"""Pages of the place requests: the form from a case or under a pseudonym, the list, a request."""

import pytest
from django.urls import reverse

from measures.models import PlaceRequest
from tests.factories import open_case
from tests.measures.placement_builders import ask, offer

pytestmark = pytest.mark.django_db


def _form(measure, **extra):  # type: ignore[no-untyped-def]
    return {
        "sector": "laci",
        "place_kind": "professional",
        "priority": "urgent",
        "desired_start": "02.03.2026",
        "first_choice": measure.pk,
        "remarks": "Mobilité réduite.",
        **extra,
    }


def test_a_caseworker_requests_a_place_from_a_case_page_link(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    measure = offer(name="Atelier horlogerie")
    client = client_for(orp_counsellor)
    url = f"{reverse('measures:request_new')}?dossier={case.reference}"

    page = client.get(url)
    assert page.status_code == 200
    assert case.reference in page.content.decode()
    assert "Pseudonyme" not in page.content.decode()

    answer = client.post(url, _form(measure))

    place_request = PlaceRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "measures:request_detail", args=[place_request.pk]
    )
    assert (place_request.case, place_request.priority) == (case, "urgent")
    detail = client.get(answer["Location"]).content.decode()
    assert case.person.last_name in detail and "Atelier horlogerie" in detail


def test_a_standalone_request_needs_a_pseudonym_and_saves_nothing_without(client_for, orp_counsellor):
    client = client_for(orp_counsellor)
    measure = offer()
    refused = client.post(reverse("measures:request_new"), _form(measure))
    assert refused.status_code == 200
    assert "indiquez un pseudonyme" in refused.content.decode()
    assert not PlaceRequest.objects.exists()

    client.post(reverse("measures:request_new"), _form(measure, pseudonym="ORP-01"))
    assert PlaceRequest.objects.get().pseudonym == "ORP-01"


def test_bad_input_shows_a_french_error_and_saves_nothing(client_for, orp_counsellor):
    measure = offer(kind="occupation")
    answer = client_for(orp_counsellor).post(reverse("measures:request_new"), _form(measure, pseudonym="ORP-01"))
    assert "n&#x27;offre pas de places" in answer.content.decode()
    assert not PlaceRequest.objects.exists()


def test_a_case_of_another_service_answers_404(client_for, orp_counsellor, ssr_social_worker, services):
    case = open_case(lead_service=services["saso"], opened_by=ssr_social_worker)
    url = f"{reverse('measures:request_new')}?dossier={case.reference}"
    client = client_for(orp_counsellor)
    assert client.get(url).status_code == 404
    assert client.post(url, _form(offer())).status_code == 404
    assert not PlaceRequest.objects.exists()


def test_accounts_without_a_role_on_places_get_404_everywhere(
    client_for, orp_counsellor, outsider, gp_cii_member, cnip_staff
):
    place_request = ask(orp_counsellor, offer(), pseudonym="ORP-01")
    for user in (outsider, gp_cii_member, cnip_staff):
        client = client_for(user)
        for url in (
            reverse("measures:request_new"),
            reverse("measures:request_list"),
            reverse("measures:request_detail", args=[place_request.pk]),
            reverse("measures:request_edit", args=[place_request.pk]),
        ):
            assert client.get(url).status_code == 404, (user.username, url)
        assert (
            client.post(reverse("measures:request_withdraw", args=[place_request.pk]), {"version": 1}).status_code
            == 404
        )


def test_a_member_of_another_service_sees_the_request_under_its_pseudonym(
    client_for, orp_counsellor, coordination_member, make_account, services
):
    from cii_platform.accounts.models import Role

    saso_member = make_account("coord.saso", "saso", "ssr-littoral-ouest", (Role.COORDINATION_GROUP,))
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    place_request = ask(orp_counsellor, offer(), case=case)

    listed = client_for(saso_member).get(reverse("measures:request_list")).content.decode()
    detail = client_for(saso_member).get(reverse("measures:request_detail", args=[place_request.pk])).content.decode()
    for content in (listed, detail):
        assert place_request.pseudonym in content
        assert case.person.last_name not in content and case.reference not in content
    assert (
        case.person.last_name in client_for(coordination_member).get(reverse("measures:request_list")).content.decode()
    )


def test_the_requesting_caseworker_edits_and_withdraws_a_request_and_a_stale_form_changes_nothing(
    client_for, orp_counsellor, smig_counsellor
):
    first, second = offer(), offer()
    place_request = ask(orp_counsellor, first, pseudonym="ORP-01")
    client = client_for(orp_counsellor)
    edit = reverse("measures:request_edit", args=[place_request.pk])
    assert client_for(smig_counsellor).get(edit).status_code == 404

    client.post(edit, _form(second, version=1, second_choice=first.pk))
    place_request.refresh_from_db()
    assert [p.measure for p in place_request.preferences.order_by("rank")] == [second, first]
    stale = client.post(edit, _form(first, version=1)).content.decode()
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in stale

    client.post(reverse("measures:request_withdraw", args=[place_request.pk]), {"version": 2})
    place_request.refresh_from_db()
    assert place_request.status == PlaceRequest.Status.WITHDRAWN
