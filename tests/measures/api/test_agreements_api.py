"""Service agreements API: each agreement with its indicators' targets and computed values; 404 for outsiders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from measures.models import AgreementMetric, ServiceAgreement
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_create
from tests.measures.factories import MeasureFactory
from tests.measures.review_builders import placement

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _agreement(user) -> ServiceAgreement:  # type: ignore[no-untyped-def]
    measure = MeasureFactory()
    placement(measure, by=user, starts_on=dt.date(2025, 1, 1), planned_end_on=dt.date(2025, 12, 31))
    return agreement_create(
        provider=measure.provider,
        terms=AgreementTerms(
            title=f"Convention {measure.code}",
            parties="SEMP ; prestataire",
            legal_bases="LACI",
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31),
            volume_places=2,
            price=Decimal("36000"),
        ),
        measures=[measure],
        indicators=[IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("80"))],
        created_by=user,
    )


def test_an_agreement_comes_with_its_indicator_values_against_their_targets(coordination_member, orp_counsellor):
    agreement = _agreement(coordination_member)

    body = _api(orp_counsellor).get(reverse("service-agreement-detail", args=[agreement.pk])).json()

    assert body["measures"] == [agreement.measures.get().code]
    assert body["indicators"] == [
        {
            "metric": "occupancy_rate",
            "label": "taux d'occupation des places (%)",
            "target": "80.00",
            "higher_is_better": True,
            "actual": "50.00",
            "met": False,
            "unit": "%",
        }
    ]


def test_the_list_costs_the_same_queries_for_2_and_20_agreements(coordination_member):
    client = _api(coordination_member)
    for _ in range(2):
        _agreement(coordination_member)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(reverse("service-agreement-list")).json()["results"]) == 2
    for _ in range(18):
        _agreement(coordination_member)
    with CaptureQueriesContext(connection) as many:
        results = client.get(reverse("service-agreement-list")).json()["results"]

    assert len(results) == 20
    assert len(many) == len(few)
    assert {row["indicators"][0]["actual"] for row in results} == {"50.00"}


@pytest.mark.parametrize("persona", ["outsider", "data_protection_officer", "cnip_staff"])
def test_users_without_a_role_get_404(request, coordination_member, persona):
    agreement = _agreement(coordination_member)
    client = _api(request.getfixturevalue(persona))

    assert client.get(reverse("service-agreement-list")).status_code == 404
    assert client.get(reverse("service-agreement-detail", args=[agreement.pk])).status_code == 404
