"""Service agreements API: each agreement with its indicators' targets and computed values; 404 for outsiders.

The coordination group PATCHes an agreement with the version read: stale 409, others 404.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from measures.models import AgreementIndicator, AgreementMetric, ServiceAgreement
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_create
from tests.measures.factories import MeasureFactory, ProviderFactory
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


def _patch(client: APIClient, agreement: ServiceAgreement, **data: Any) -> Any:
    return client.patch(reverse("service-agreement-detail", args=[agreement.pk]), data, format="json")


def _stored(agreement: ServiceAgreement) -> tuple[dict[str, Any], list[int], list[tuple[str, Decimal, bool]]]:
    """The agreement as stored: its columns, its measures and its indicators, read again from the database."""
    row = ServiceAgreement.objects.filter(pk=agreement.pk).values().get()
    measures = sorted(ServiceAgreement.objects.get(pk=agreement.pk).measures.values_list("pk", flat=True))
    indicators = list(
        AgreementIndicator.objects.filter(agreement=agreement)
        .order_by("metric")
        .values_list("metric", "target", "higher_is_better")
    )
    return row, measures, indicators


def test_a_member_patches_an_agreement_with_the_version_read_and_gets_the_next_one(coordination_member):
    agreement = _agreement(coordination_member)
    client = _api(coordination_member)

    read = client.get(reverse("service-agreement-detail", args=[agreement.pk])).json()
    response = _patch(
        client,
        agreement,
        volume_places=3,
        indicators=[{"metric": "placements", "target": "12"}],
        version=read["version"],
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (read["version"], body["version"], body["volume_places"]) == (1, 2, 3)
    assert body["title"] == agreement.title  # left out: kept
    assert body["measures"] == read["measures"]  # left out: kept
    assert [(row["metric"], row["target"], row["higher_is_better"]) for row in body["indicators"]] == [
        ("placements", "12.00", True)
    ]
    row, _measures, _indicators = _stored(agreement)
    assert (row["volume_places"], row["version"]) == (3, 2)


def test_a_patch_leaving_out_the_indicators_keeps_them(coordination_member):
    agreement = _agreement(coordination_member)

    response = _patch(_api(coordination_member), agreement, title="Convention révisée", version=1)

    assert response.status_code == 200, response.content
    assert _stored(agreement)[2] == [(AgreementMetric.OCCUPANCY_RATE, Decimal("80.00"), True)]


def test_a_stale_agreement_version_answers_409_in_french_and_changes_nothing(coordination_member):
    agreement = _agreement(coordination_member)
    client = _api(coordination_member)
    assert _patch(client, agreement, price="40000.00", version=1).status_code == 200
    before = _stored(agreement)

    stale = _patch(
        client,
        agreement,
        title="Convention remplacée",
        measures=[],
        indicators=[{"metric": "placements", "target": "30"}],
        version=1,
    )
    without_version = _patch(client, agreement, title="Sans version")

    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "Cette convention a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
    )
    assert without_version.status_code == 400
    assert "version" in without_version.json()
    assert _stored(agreement) == before
    row, measures, indicators = before
    assert (row["price"], row["version"], len(measures)) == (Decimal("40000.00"), 2, 1)
    assert indicators == [(AgreementMetric.OCCUPANCY_RATE, Decimal("80.00"), True)]


def test_a_refused_patch_answers_400_in_french_and_changes_nothing(coordination_member):
    agreement = _agreement(coordination_member)
    before = _stored(agreement)
    foreign = MeasureFactory(provider=ProviderFactory(name="Autre prestataire"))

    response = _patch(
        _api(coordination_member),
        agreement,
        ends_on="2024-12-31",
        measures=[foreign.code],
        indicators=[{"metric": "occupancy_rate", "target": "120"}],
        version=1,
    )

    assert response.status_code == 400
    body = response.json()
    assert body["ends_on"] == ["La fin de la convention ne peut pas précéder son début."]
    assert body["measures"] == ["Une convention ne porte que sur des mesures du prestataire qui la signe."]
    assert any("pourcentage" in message for message in body["indicators"])
    assert _stored(agreement) == before


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider", "cnip_staff"])
def test_anyone_but_a_member_patching_gets_404_and_nothing_changes(request, coordination_member, persona):
    agreement = _agreement(coordination_member)
    before = _stored(agreement)
    client = _api(request.getfixturevalue(persona))

    responses = [
        _patch(client, agreement, title="Détournée", version=1),
        _patch(client, agreement, volume_places=-1, version="x"),  # bad input: still the 404
    ]

    assert [response.status_code for response in responses] == [404, 404]
    assert _stored(agreement) == before


def test_patching_a_missing_agreement_answers_404(coordination_member):
    response = _api(coordination_member).patch(
        reverse("service-agreement-detail", args=[999]), {"title": "X", "version": 1}, format="json"
    )

    assert response.status_code == 404
