"""Pages of the placements: the list, ending a placement, cancelling one."""

import datetime as dt

import pytest
from django.urls import reverse

from measures.models import Placement
from tests.measures.placement_builders import ask, offer, place_release_watched, placement_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement(orp_counsellor):  # type: ignore[no-untyped-def]
    measure = offer(name="Atelier vente")
    return placement_row(
        ask(orp_counsellor, measure, pseudonym="ORP-01"),
        measure,
        starts_on=dt.date(2026, 3, 2),
        planned_end_on=dt.date(2026, 8, 31),
    )


def test_members_and_the_requesting_service_list_the_placements(
    client_for, placement, orp_counsellor, coordination_member, ssr_social_worker
):
    for user in (orp_counsellor, coordination_member):
        content = client_for(user).get(reverse("measures:placement_list")).content.decode()
        assert "Atelier vente" in content and placement.request.reference in content
    assert "Atelier vente" not in client_for(ssr_social_worker).get(reverse("measures:placement_list")).content.decode()


def test_ending_a_placement_from_its_page(client_for, placement, coordination_member):
    url = reverse("measures:placement_detail", args=[placement.pk])
    with place_release_watched() as released:
        answer = client_for(coordination_member).post(
            url, {"ended_on": "15.05.2026", "exit_reason": "training", "version": 1}
        )
    assert answer.status_code == 302
    placement.refresh_from_db()
    assert (placement.status, placement.ended_on) == ("ended", dt.date(2026, 5, 15))
    released.assert_called_once()


def test_an_end_before_the_start_shows_a_french_error_and_changes_nothing(client_for, placement, orp_counsellor):
    answer = client_for(orp_counsellor).post(
        reverse("measures:placement_detail", args=[placement.pk]),
        {"ended_on": "01.03.2026", "exit_reason": "training", "version": 1},
    )
    assert "ne peut pas précéder le début du placement" in answer.content.decode()
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ACTIVE


def test_cancelling_a_placement_from_its_page(client_for, placement, orp_counsellor):
    with place_release_watched():
        client_for(orp_counsellor).post(reverse("measures:placement_cancel", args=[placement.pk]), {"version": 1})
    placement.refresh_from_db()
    assert placement.status == Placement.Status.CANCELLED


def test_others_get_404_on_the_placement_pages(client_for, placement, outsider, gp_cii_member, smig_counsellor):
    for user in (outsider, gp_cii_member, smig_counsellor):
        client = client_for(user)
        assert client.get(reverse("measures:placement_detail", args=[placement.pk])).status_code == 404
        assert (
            client.post(
                reverse("measures:placement_detail", args=[placement.pk]),
                {"ended_on": "15.05.2026", "exit_reason": "training", "version": 1},
            ).status_code
            == 404
        )
        assert client.post(reverse("measures:placement_cancel", args=[placement.pk]), {"version": 1}).status_code == 404
    for user in (outsider, gp_cii_member):
        assert client_for(user).get(reverse("measures:placement_list")).status_code == 404
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ACTIVE
