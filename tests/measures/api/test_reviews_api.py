"""Yearly reviews API: read with the figures (frozen once final); 404 for who may not read them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from measures.services.reviews import yearly_review_finalise, yearly_review_save
from tests.measures.factories import measure_with_places
from tests.measures.review_builders import year_2025_placements

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _review(user, *, assessment: str = "Bonne année."):  # type: ignore[no-untyped-def]
    measure = measure_with_places(year=2025, places={"professional": 10})
    return yearly_review_save(
        measure=measure,
        year=2025,
        assessment=assessment,
        prospects="",
        proposed_places=10,
        proposed_budget=None,
        expected_version=None,
        saved_by=user,
    )


def test_a_review_is_read_with_its_frozen_figures(coordination_member, gp_cii_member):
    review = _review(coordination_member)
    year_2025_placements(review.measure, by=coordination_member)
    yearly_review_finalise(review=review, expected_version=1, finalised_by=coordination_member)

    response = _api(gp_cii_member).get(reverse("measure-review-detail", args=[review.pk]))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "final"
    assert body["measure"] == review.measure.code
    assert body["figures"]["cost"] == "22500.00"
    assert body["figures"]["occupancy_rate"] == "10.4"


def test_the_list_costs_the_same_queries_for_2_and_20_reviews(coordination_member):
    client = _api(coordination_member)
    for _ in range(2):
        _review(coordination_member)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(reverse("measure-review-list")).json()["results"]) == 2
    for _ in range(18):
        _review(coordination_member)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("measure-review-list")).json()["results"]) == 20

    assert len(many) == len(few)


@pytest.mark.parametrize("persona", ["outsider", "data_protection_officer", "platform_admin"])
def test_users_without_a_role_get_404(request, coordination_member, persona):
    review = _review(coordination_member)
    client = _api(request.getfixturevalue(persona))

    assert client.get(reverse("measure-review-list")).status_code == 404
    assert client.get(reverse("measure-review-detail", args=[review.pk])).status_code == 404
