"""Service agreement pages: indicators with their target and actual value; edits for the coordination group."""

import datetime as dt
import html
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import AgreementIndicator, AgreementMetric, ServiceAgreement
from measures.services.agreements import AgreementTerms, IndicatorTarget, agreement_create, agreement_update
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


STALE_AGREEMENT = (
    "Cette convention a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
)


def _edit_post(agreement: ServiceAgreement, **changes: Any) -> dict[str, Any]:
    """The edit form of `agreement` as its page fills it, with `changes` (strings as typed in the browser)."""
    data: dict[str, Any] = {
        "title": agreement.title,
        "parties": agreement.parties,
        "legal_bases": agreement.legal_bases,
        "target_groups": agreement.target_groups,
        "starts_on": agreement.starts_on.strftime("%d.%m.%Y"),
        "ends_on": agreement.ends_on.strftime("%d.%m.%Y"),
        "volume_places": str(agreement.volume_places),
        "price": str(agreement.price),
        "data_protection": agreement.data_protection,
        "measures": [measure.pk for measure in agreement.measures.all()],
        "version": agreement.version,
    }
    for indicator in agreement.indicators.all():
        data[f"target_{indicator.metric}"] = str(indicator.target)
        if indicator.higher_is_better:
            data[f"higher_{indicator.metric}"] = "on"
    data.update(changes)
    return data


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


def _saved_meanwhile_by_someone_else(agreement: ServiceAgreement, user: Any) -> None:
    """Another member changes the agreement's volume and targets: it goes to version 2."""
    agreement_update(
        agreement=agreement,
        terms=AgreementTerms(
            title=agreement.title,
            parties=agreement.parties,
            legal_bases=agreement.legal_bases,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            volume_places=4,
            price=agreement.price,
        ),
        measures=list(agreement.measures.all()),
        indicators=[IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("90"))],
        expected_version=1,
        updated_by=user,
    )


def test_the_edit_form_carries_the_version_it_shows(client_for, coordination_member):
    agreement = _agreement(coordination_member)
    _saved_meanwhile_by_someone_else(agreement, coordination_member)
    client = client_for(coordination_member)

    edit = client.get(reverse("measures:agreement_edit", args=[agreement.pk])).content.decode()
    new = client.get(reverse("measures:agreement_new")).content.decode()

    assert '<input type="hidden" name="version" value="2" id="id_version">' in edit
    assert 'name="version"' not in new


def test_an_agreement_saved_with_the_version_read_increments_it(client_for, coordination_member):
    agreement = _agreement(coordination_member)

    response = client_for(coordination_member).post(
        reverse("measures:agreement_edit", args=[agreement.pk]), _edit_post(agreement, volume_places="3")
    )

    assert response.status_code == 302
    row, _measures, _indicators = _stored(agreement)
    assert (row["volume_places"], row["version"]) == (3, 2)


def test_a_stale_agreement_form_shows_the_french_message_keeps_the_input_and_changes_nothing(
    client_for, coordination_member
):
    agreement = _agreement(coordination_member)
    typed = _edit_post(
        agreement,
        title="Convention révisée",
        parties="SEMP ; SASO ; prestataire révisé",
        volume_places="7",
        target_occupancy_rate="75",
        target_placements="40",
    )
    _saved_meanwhile_by_someone_else(agreement, coordination_member)
    before = _stored(agreement)

    response = client_for(coordination_member).post(reverse("measures:agreement_edit", args=[agreement.pk]), typed)

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert STALE_AGREEMENT in text
    assert 'value="Convention révisée"' in text
    assert "SEMP ; SASO ; prestataire révisé</textarea>" in text
    assert 'name="volume_places" value="7"' in text
    assert 'name="target_occupancy_rate" value="75"' in text
    assert 'name="target_placements" value="40"' in text
    assert _stored(agreement) == before
    row, _measures, indicators = before
    assert (row["title"], row["volume_places"], row["version"]) == (agreement.title, 4, 2)
    assert indicators == [(AgreementMetric.OCCUPANCY_RATE, Decimal("90.00"), True)]


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_anyone_but_a_member_posting_the_right_version_gets_404_and_nothing_changes(
    request, client_for, coordination_member, persona
):
    agreement = _agreement(coordination_member)
    before = _stored(agreement)

    response = client_for(request.getfixturevalue(persona)).post(
        reverse("measures:agreement_edit", args=[agreement.pk]), _edit_post(agreement, title="Détournée")
    )

    assert response.status_code == 404
    assert _stored(agreement) == before
