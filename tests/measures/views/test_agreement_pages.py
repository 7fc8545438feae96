"""Service agreement pages: indicators with their target and actual value; edits for the coordination group."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import AgreementMetric, ServiceAgreement
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_create
from tests.measures.factories import MeasureFactory
from tests.measures.review_builders import placement

pytestmark = pytest.mark.django_db


def _agreement(user, measure=None) -> ServiceAgreement:  # type: ignore[no-untyped-def]
    measure = measure or MeasureFactory()
    return agreement_create(
        provider=measure.provider,
        terms=AgreementTerms(
            title=f"Convention {measure.code}",
            parties="SEMP, SASO ; prestataire",
            legal_bases="LACI ; LASoc",
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31),
            volume_places=1,
            price=Decimal("18000"),
        ),
        measures=[measure],
        indicators=[
            IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("80")),
            IndicatorTarget(AgreementMetric.POSITIVE_EXIT_RATE, Decimal("30")),
        ],
        created_by=user,
    )


def test_the_detail_shows_each_indicator_against_its_target(client_for, coordination_member, orp_counsellor):
    measure = MeasureFactory()
    agreement = _agreement(coordination_member, measure)
    placement(measure, by=coordination_member, starts_on=dt.date(2025, 1, 1), planned_end_on=dt.date(2025, 12, 31))

    page = client_for(orp_counsellor).get(reverse("measures:agreement_detail", args=[agreement.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "100.0 %" in html  # one place occupied all year, volume 1
    assert "atteinte" in html
    assert "pas encore calculable" in html  # no exit yet
    assert reverse("measures:agreement_edit", args=[agreement.pk]) not in html


def test_a_member_records_an_agreement_from_the_form(client_for, coordination_member):
    measure = MeasureFactory()
    client = client_for(coordination_member)

    response = client.post(
        reverse("measures:agreement_new"),
        {
            "provider": measure.provider.pk,
            "title": "Convention atelier vente",
            "parties": "SASO ; Espace des Solidarités",
            "legal_bases": "LASoc",
            "starts_on": "01.01.2026",
            "ends_on": "31.12.2026",
            "volume_places": "18",
            "price": "380000",
            "measures": [measure.pk],
            "target_occupancy_rate": "80",
            "higher_occupancy_rate": "on",
            "target_average_duration_days": "180",
        },
    )

    agreement = ServiceAgreement.objects.get()
    assert response["Location"] == reverse("measures:agreement_detail", args=[agreement.pk])
    indicators = {row.metric: row.higher_is_better for row in agreement.indicators.all()}
    assert indicators == {"occupancy_rate": True, "average_duration_days": False}


def test_a_bad_form_shows_the_french_error_and_saves_nothing(client_for, coordination_member):
    measure = MeasureFactory()

    response = client_for(coordination_member).post(
        reverse("measures:agreement_new"),
        {
            "provider": measure.provider.pk,
            "title": "Convention",
            "parties": "A ; B",
            "legal_bases": "LASoc",
            "starts_on": "01.01.2026",
            "ends_on": "31.12.2025",
            "volume_places": "18",
            "price": "1000",
            "target_positive_exit_rate": "150",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas précéder son début" in html
    assert "pourcentage" in html
    assert not ServiceAgreement.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "data_protection_officer", "platform_admin", "cnip_staff"])
def test_users_without_a_role_get_404(request, client_for, coordination_member, persona):
    agreement = _agreement(coordination_member)
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("measures:agreement_list")).status_code == 404
    assert client.get(reverse("measures:agreement_detail", args=[agreement.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member"])
def test_readers_may_not_edit(request, client_for, coordination_member, persona):
    agreement = _agreement(coordination_member)
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("measures:agreement_new")).status_code == 404
    assert client.get(reverse("measures:agreement_edit", args=[agreement.pk])).status_code == 404


def test_the_list_costs_the_same_queries_for_2_and_20_agreements(client_for, coordination_member):
    client = client_for(coordination_member)
    for _ in range(2):
        _agreement(coordination_member)
    client.get(reverse("measures:agreement_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("measures:agreement_list"))
    for _ in range(18):
        _agreement(coordination_member)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("measures:agreement_list"))

    assert len(many) == len(few)
    assert page.content.decode().count("/conventions/") >= 20
