"""Recording service agreements with their indicators and targets; the actual values come from the placements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import AgreementIndicator, AgreementMetric, ServiceAgreement
from measures.services.agreements import (
    AgreementTerms,
    IndicatorTarget,
    StaleAgreement,
    agreement_create,
    agreement_update,
)
from tests.measures.factories import MeasureFactory, ProviderFactory

pytestmark = pytest.mark.django_db

TERMS = AgreementTerms(
    title="Convention 2025 · atelier",
    parties="Mandant : SEMP et SASO. Mandataire : Alfaset.",
    legal_bases="LACI ; LASoc.",
    target_groups="Demandeur·euse·s d'emploi, bénéficiaires de l'aide sociale.",
    starts_on=dt.date(2025, 1, 1),
    ends_on=dt.date(2025, 12, 31),
    volume_places=2,
    price=Decimal("36000.00"),
)


def test_a_member_records_an_agreement_with_its_indicators_and_it_is_audited(coordination_member):
    measure = MeasureFactory()

    agreement = agreement_create(
        provider=measure.provider,
        terms=TERMS,
        measures=[measure],
        indicators=[
            IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("85")),
            IndicatorTarget(AgreementMetric.COST_PER_POSITIVE_EXIT, Decimal("20000"), higher_is_better=False),
        ],
        created_by=coordination_member,
    )

    assert list(agreement.measures.all()) == [measure]
    rows = {row.metric: row for row in agreement.indicators.all()}
    assert rows[AgreementMetric.OCCUPANCY_RATE].target == Decimal("85.00")
    assert rows[AgreementMetric.COST_PER_POSITIVE_EXIT].higher_is_better is False
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="measures.serviceagreement")
    assert event.detail["indicators"] == {"occupancy_rate": "85", "cost_per_positive_exit": "20000"}


def test_an_update_replaces_the_indicators_and_the_measures(coordination_member):
    first, second = MeasureFactory(), MeasureFactory()
    second.provider = first.provider
    second.save()
    agreement = agreement_create(
        provider=first.provider,
        terms=TERMS,
        measures=[first],
        indicators=[IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("85"))],
        created_by=coordination_member,
    )

    agreement_update(
        agreement=agreement,
        terms=TERMS,
        measures=[second],
        indicators=[IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("30"))],
        expected_version=1,
        updated_by=coordination_member,
    )

    assert list(agreement.measures.all()) == [second]
    assert list(AgreementIndicator.objects.values_list("metric", flat=True)) == [AgreementMetric.PLACEMENTS]


def _stored(agreement: ServiceAgreement) -> tuple[dict[str, object], list[int], list[tuple[str, Decimal, bool]]]:
    """The agreement as stored: its columns, its measures and its indicators, read again from the database."""
    row = ServiceAgreement.objects.filter(pk=agreement.pk).values().get()
    measures = sorted(ServiceAgreement.objects.get(pk=agreement.pk).measures.values_list("pk", flat=True))
    indicators = list(
        AgreementIndicator.objects.filter(agreement=agreement)
        .order_by("metric")
        .values_list("metric", "target", "higher_is_better")
    )
    return row, measures, indicators


def test_a_new_agreement_starts_at_version_1(coordination_member):
    measure = MeasureFactory()

    agreement = agreement_create(
        provider=measure.provider, terms=TERMS, measures=[measure], indicators=[], created_by=coordination_member
    )

    agreement.refresh_from_db()
    assert agreement.version == 1


def test_an_agreement_saved_with_the_version_read_is_changed_and_its_version_incremented(coordination_member):
    measure = MeasureFactory()
    agreement = agreement_create(
        provider=measure.provider, terms=TERMS, measures=[measure], indicators=[], created_by=coordination_member
    )

    updated = agreement_update(
        agreement=agreement,
        terms=TERMS.__class__(**{**TERMS.__dict__, "volume_places": 3}),
        measures=[measure],
        indicators=[IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("12"))],
        expected_version=1,
        updated_by=coordination_member,
    )

    agreement.refresh_from_db()
    assert (updated.version, agreement.version, agreement.volume_places) == (2, 2, 3)
    assert list(agreement.indicators.values_list("metric", flat=True)) == [AgreementMetric.PLACEMENTS]


def test_it_refuses_a_stale_agreement_version_in_french_and_changes_nothing(coordination_member):
    first, second = MeasureFactory(), MeasureFactory()
    second.provider = first.provider
    second.save()
    agreement = agreement_create(
        provider=first.provider,
        terms=TERMS,
        measures=[first],
        indicators=[IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("85"))],
        created_by=coordination_member,
    )
    read_by_two = ServiceAgreement.objects.get(pk=agreement.pk)  # the second member's form, read at version 1
    agreement_update(
        agreement=agreement,
        terms=TERMS.__class__(**{**TERMS.__dict__, "price": Decimal("40000.00")}),
        measures=[first],
        indicators=[IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("90"))],
        expected_version=1,
        updated_by=coordination_member,
    )
    before = _stored(agreement)
    events = AuditEvent.objects.count()

    with pytest.raises(StaleAgreement) as refused:
        agreement_update(
            agreement=read_by_two,
            terms=TERMS.__class__(**{**TERMS.__dict__, "title": "Convention remplacée", "volume_places": 9}),
            measures=[second],
            indicators=[IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("30"))],
            expected_version=1,
            updated_by=coordination_member,
        )

    assert str(refused.value) == (
        "Cette convention a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
    )
    assert _stored(agreement) == before
    row, measures, indicators = before
    assert (row["version"], row["title"], row["price"]) == (2, TERMS.title, Decimal("40000.00"))
    assert measures == [first.pk]
    assert indicators == [(AgreementMetric.OCCUPANCY_RATE, Decimal("90.00"), True)]
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("terms", "indicators", "field", "message"),
    [
        (
            TERMS.__class__(**{**TERMS.__dict__, "ends_on": dt.date(2024, 12, 31)}),
            [],
            "ends_on",
            "ne peut pas précéder",
        ),
        (TERMS.__class__(**{**TERMS.__dict__, "legal_bases": " "}), [], "legal_bases", "obligatoire"),
        (TERMS, [IndicatorTarget(AgreementMetric.OCCUPANCY_RATE, Decimal("120"))], "indicators", "pourcentage"),
        (
            TERMS,
            [
                IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("10")),
                IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("12")),
            ],
            "indicators",
            "deux fois",
        ),
        (TERMS, [IndicatorTarget(AgreementMetric.PLACEMENTS, Decimal("-1"))], "indicators", "négative"),
    ],
)
def test_bad_input_gets_a_french_error_and_saves_nothing(coordination_member, terms, indicators, field, message):
    measure = MeasureFactory()

    with pytest.raises(ValidationError) as refused:
        agreement_create(
            provider=measure.provider,
            terms=terms,
            measures=[measure],
            indicators=indicators,
            created_by=coordination_member,
        )

    assert message in " ".join(refused.value.message_dict[field])
    assert not ServiceAgreement.objects.exists()


def test_an_agreement_covers_only_measures_of_its_provider(coordination_member):
    measure = MeasureFactory()

    with pytest.raises(ValidationError, match="mesures du prestataire"):
        agreement_create(
            provider=ProviderFactory(name="Autre"),
            terms=TERMS,
            measures=[measure],
            indicators=[],
            created_by=coordination_member,
        )


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_it_refuses_anyone_outside_the_coordination_group(request, persona):
    measure = MeasureFactory()

    with pytest.raises(PermissionDenied):
        agreement_create(
            provider=measure.provider,
            terms=TERMS,
            measures=[measure],
            indicators=[],
            created_by=request.getfixturevalue(persona),
        )

    assert not ServiceAgreement.objects.exists()
