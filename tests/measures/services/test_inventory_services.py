"""Inventory services: providers, NE-ESO checks and assessment, measures and their places.

Only coordination-group members edit the inventory; bad input gets a French error and changes nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import EsoCriterion, EsoStatus, Measure, MeasureCapacity, PlaceKind, Provider, Typology
from measures.services.inventory import (
    StaleMeasure,
    StaleProvider,
    eso_criterion_record,
    measure_capacity_set,
    measure_create,
    measure_update,
    provider_create,
    provider_eso_assess,
    provider_update,
)
from tests.measures.budget_builders import closed_year, open_year
from tests.measures.factories import BranchFactory, MeasureFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def _measure_values(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "code": "atelier-test",
        "name": "Atelier test",
        "provider": ProviderFactory(),
        "branch": BranchFactory(),
        "typology": Typology.QUALIFICATION,
        "price_per_place_month": Decimal("1800.00"),
        "active_from": dt.date(2026, 1, 1),
    }
    return {**values, **overrides}


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def _provider_values(provider: Provider, **overrides: object) -> dict[str, object]:
    """The provider's details as its form would post them back, with `overrides`."""
    values: dict[str, object] = {
        field: getattr(provider, field) for field in ("name", "locality", "contact", "email", "phone", "active")
    }
    return {**values, **overrides}


def _measure_sheet(measure: Measure, **overrides: object) -> dict[str, object]:
    """The measure's sheet as its form would post it back, with `overrides`."""
    fields = (
        "name",
        "provider",
        "branch",
        "typology",
        "price_per_place_month",
        "active_from",
        "active_until",
        "is_mixed",
        "description",
    )
    return {**{field: getattr(measure, field) for field in fields}, **overrides}


def _row(obj: Provider | Measure) -> dict[str, object]:
    """Every stored column of `obj`, read again from the database."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


# -- Providers ---------------------------------------------------------------------------


def test_a_coordination_member_adds_a_provider_and_the_creation_is_audited(coordination_member):
    provider = provider_create(name="  Alfaset ", locality="La Chaux-de-Fonds", created_by=coordination_member)

    assert provider.name == "Alfaset"
    assert provider.eso_status == EsoStatus.NOT_ASSESSED
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="measures.provider", object_id=str(provider.pk)
    ).exists()


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "platform_admin", "outsider"])
def test_anyone_outside_the_coordination_group_is_refused_and_nothing_is_saved(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        provider_create(name="Alfaset", created_by=user)

    assert not Provider.objects.exists()


def test_a_second_provider_of_the_same_name_is_refused_in_french(coordination_member):
    provider_create(name="Alfaset", created_by=coordination_member)

    with pytest.raises(ValidationError) as refused:
        provider_create(name="alfaset", created_by=coordination_member)

    assert "Un prestataire porte déjà ce nom." in _messages(refused.value)
    assert Provider.objects.count() == 1


def test_updating_a_provider_replaces_its_details_and_records_which_changed(coordination_member):
    provider = ProviderFactory(name="Evologia", locality="Cernier")

    updated = provider_update(
        provider=provider,
        name="Evologia",
        locality="Cernier",
        contact="Coordination",
        email="ateliers@evologia.example.ch",
        phone="",
        active=True,
        expected_version=1,
        changed_by=coordination_member,
    )

    assert updated.contact == "Coordination"
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(provider.pk))
    assert event.detail == {"changed": ["contact", "email"]}


def test_a_new_provider_starts_at_version_1(coordination_member):
    provider = provider_create(name="Alfaset", created_by=coordination_member)

    provider.refresh_from_db()
    assert provider.version == 1


def test_a_provider_saved_with_the_version_read_is_changed_and_its_version_incremented(coordination_member):
    provider = ProviderFactory(name="Evologia", locality="Cernier")

    updated = provider_update(
        provider=provider,
        expected_version=1,
        changed_by=coordination_member,
        **_provider_values(provider, locality="Le Locle"),
    )

    provider.refresh_from_db()
    assert (updated.version, provider.version, provider.locality) == (2, 2, "Le Locle")


def test_it_refuses_a_stale_provider_version_in_french_and_changes_nothing(coordination_member):
    provider = ProviderFactory(name="Evologia", locality="Cernier")
    read_by_two = Provider.objects.get(pk=provider.pk)  # the second member's form, read at version 1
    provider_update(
        provider=provider, expected_version=1, changed_by=coordination_member, **_provider_values(provider, phone="032")
    )
    before = _row(provider)
    events = AuditEvent.objects.count()

    with pytest.raises(StaleProvider) as refused:
        provider_update(
            provider=read_by_two,
            expected_version=1,
            changed_by=coordination_member,
            **_provider_values(read_by_two, name="Evologia SA", locality="Le Locle", active=False),
        )

    assert str(refused.value) == (
        "Ce prestataire a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
        "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
    )
    assert _row(provider) == before
    assert before["version"] == 2 and before["phone"] == "032" and before["locality"] == "Cernier"
    assert AuditEvent.objects.count() == events


def test_a_stale_provider_version_is_refused_even_with_a_bad_name(coordination_member):
    provider = ProviderFactory(name="Evologia", version=3)

    with pytest.raises(StaleProvider):
        provider_update(
            provider=provider, expected_version=2, changed_by=coordination_member, **_provider_values(provider, name="")
        )

    assert _row(provider)["name"] == "Evologia"


def test_a_provider_save_changing_nothing_keeps_its_version(coordination_member):
    provider = ProviderFactory(name="Evologia")

    provider_update(provider=provider, expected_version=1, changed_by=coordination_member, **_provider_values(provider))

    assert _row(provider)["version"] == 1
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE, object_type="measures.provider").exists()


def test_a_provider_is_refused_to_anyone_outside_the_group_even_with_the_right_version(orp_counsellor):
    provider = ProviderFactory(name="Evologia")

    with pytest.raises(PermissionDenied):
        provider_update(
            provider=provider, expected_version=1, changed_by=orp_counsellor, **_provider_values(provider, phone="1")
        )

    assert (_row(provider)["phone"], _row(provider)["version"]) == ("", 1)


# -- NE-ESO ------------------------------------------------------------------------------


def _check_all(provider: Provider, user, failing: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    for criterion in EsoCriterion:
        eso_criterion_record(
            provider=provider, criterion=criterion, met=criterion.value not in failing, checked_by=user
        )


def test_a_provider_meeting_every_criterion_is_recognised_on_the_day_of_the_assessment(coordination_member):
    provider = ProviderFactory(name="Alfaset")
    _check_all(provider, coordination_member)

    assessment = provider_eso_assess(
        provider=provider, assessed_by=coordination_member, assessed_on=dt.date(2026, 3, 2)
    )

    provider.refresh_from_db()
    assert assessment.recognised
    assert (provider.eso_status, provider.eso_assessed_on) == (EsoStatus.RECOGNISED, dt.date(2026, 3, 2))
    assert assessment.explanation == "Reconnue NE-ESO : les 14 critères du GP CII sont remplis."


def test_one_failing_criterion_refuses_the_recognition_and_the_explanation_names_it(coordination_member):
    provider = ProviderFactory(name="Evologia")
    _check_all(provider, coordination_member, failing=(EsoCriterion.INDEPENDENT_GOVERNANCE,))

    assessment = provider_eso_assess(provider=provider, assessed_by=coordination_member)

    provider.refresh_from_db()
    assert not assessment.recognised
    assert provider.eso_status == EsoStatus.NOT_RECOGNISED
    assert provider.eso_assessed_on is not None
    assert assessment.explanation == (
        "Non reconnue NE-ESO, critères non remplis : "
        "Direction indépendante des collectivités et administrations publiques."
    )


def test_criteria_not_yet_checked_also_refuse_the_recognition_and_are_listed(coordination_member):
    provider = ProviderFactory()
    eso_criterion_record(
        provider=provider, criterion=EsoCriterion.MARKET_RULES, met=True, checked_by=coordination_member
    )

    assessment = provider_eso_assess(provider=provider, assessed_by=coordination_member)

    assert not assessment.recognised
    assert len(assessment.unchecked) == 13
    assert "critères pas encore vérifiés : Contrats de travail de durée indéterminée" in assessment.explanation


def test_recording_a_criterion_again_replaces_the_earlier_check(coordination_member):
    provider = ProviderFactory()
    eso_criterion_record(
        provider=provider, criterion=EsoCriterion.USUAL_WAGES, met=False, checked_by=coordination_member
    )

    check = eso_criterion_record(
        provider=provider,
        criterion=EsoCriterion.USUAL_WAGES,
        met=True,
        evidence="CCT de la branche appliquée.",
        checked_by=coordination_member,
    )

    assert provider.eso_checks.get() == check
    assert check.met and check.evidence == "CCT de la branche appliquée."


def test_an_unknown_criterion_or_a_future_date_is_refused_in_french(coordination_member):
    provider = ProviderFactory()

    with pytest.raises(ValidationError) as unknown:
        eso_criterion_record(provider=provider, criterion="charity", met=True, checked_by=coordination_member)
    with pytest.raises(ValidationError) as future:
        eso_criterion_record(
            provider=provider,
            criterion=EsoCriterion.MARKET_RULES,
            met=True,
            checked_on=dt.date(2100, 1, 1),
            checked_by=coordination_member,
        )

    assert "ne figure pas parmi les critères NE-ESO" in _messages(unknown.value)
    assert "ne peut pas être dans le futur" in _messages(future.value)
    assert not provider.eso_checks.exists()


# -- Measures ----------------------------------------------------------------------------


def test_a_measure_is_created_with_its_descriptive_sheet_and_audited(coordination_member):
    measure = measure_create(
        created_by=coordination_member, description="Atelier de visitage.", is_mixed=True, **_measure_values()
    )

    assert Measure.objects.get() == measure
    assert measure.description == "Atelier de visitage."
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(measure.pk)).exists()


def test_a_measure_ending_before_it_starts_is_refused_in_french_and_not_saved(coordination_member):
    with pytest.raises(ValidationError) as refused:
        measure_create(created_by=coordination_member, **_measure_values(active_until=dt.date(2025, 12, 31)))

    assert refused.value.message_dict["active_until"] == [
        "La fin de la période d'activité (31.12.2025) ne peut pas précéder son début (01.01.2026)."
    ]
    assert not Measure.objects.exists()


def test_a_code_differing_only_by_its_case_is_the_same_code(coordination_member):
    measure_create(created_by=coordination_member, **_measure_values(code="Vente"))

    with pytest.raises(ValidationError) as refused:
        measure_create(created_by=coordination_member, **_measure_values(code="vente"))

    assert refused.value.message_dict["code"] == ["Une mesure porte déjà ce code."]
    assert list(Measure.objects.values_list("code", flat=True)) == ["vente"]


def test_an_inactive_provider_gets_no_new_measure(coordination_member):
    provider = ProviderFactory(active=False)

    with pytest.raises(ValidationError) as refused:
        measure_create(created_by=coordination_member, **_measure_values(provider=provider))

    assert "inactif" in refused.value.message_dict["provider"][0]
    assert not Measure.objects.exists()


def test_a_negative_price_is_refused_in_french(coordination_member):
    with pytest.raises(ValidationError) as refused:
        measure_create(created_by=coordination_member, **_measure_values(price_per_place_month=Decimal("-1.00")))

    assert refused.value.message_dict["price_per_place_month"] == [
        "Le prix par place et par mois ne peut pas être négatif."
    ]
    assert not Measure.objects.exists()


def test_updating_a_measure_with_end_before_start_changes_nothing(coordination_member):
    measure = MeasureFactory(active_from=dt.date(2020, 1, 1))
    values = {
        "name": "Nouveau nom",
        "provider": measure.provider,
        "branch": measure.branch,
        "typology": measure.typology,
        "price_per_place_month": measure.price_per_place_month,
        "active_from": dt.date(2020, 1, 1),
        "is_mixed": True,
        "description": "",
    }

    with pytest.raises(ValidationError):
        measure_update(
            measure=measure,
            active_until=dt.date(2019, 1, 1),
            expected_version=1,
            changed_by=coordination_member,
            **values,
        )
    updated = measure_update(
        measure=measure,
        active_until=dt.date(2027, 12, 31),
        expected_version=1,
        changed_by=coordination_member,
        **values,
    )

    assert updated.name == "Nouveau nom"
    assert Measure.objects.get().active_until == dt.date(2027, 12, 31)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(measure.pk))
    assert event.detail == {"changed": ["active_until", "name"]}


def test_a_new_measure_starts_at_version_1(coordination_member):
    measure = measure_create(created_by=coordination_member, **_measure_values())

    measure.refresh_from_db()
    assert measure.version == 1


def test_a_measure_saved_with_the_version_read_is_changed_and_its_version_incremented(coordination_member):
    measure = MeasureFactory(price_per_place_month=Decimal("1500.00"))

    updated = measure_update(
        measure=measure,
        expected_version=1,
        changed_by=coordination_member,
        **_measure_sheet(measure, price_per_place_month=Decimal("1600.00")),
    )

    measure.refresh_from_db()
    assert (updated.version, measure.version, measure.price_per_place_month) == (2, 2, Decimal("1600.00"))
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(measure.pk))
    assert event.detail == {"changed": ["price_per_place_month"]}


def test_it_refuses_a_stale_measure_version_in_french_and_changes_nothing(coordination_member):
    measure = MeasureFactory(name="Atelier vente", price_per_place_month=Decimal("1500.00"))
    read_by_two = Measure.objects.get(pk=measure.pk)  # the second member's form, read at version 1
    measure_update(
        measure=measure,
        expected_version=1,
        changed_by=coordination_member,
        **_measure_sheet(measure, description="Boutique de seconde main."),
    )
    before = _row(measure)
    events = AuditEvent.objects.count()

    with pytest.raises(StaleMeasure) as refused:
        measure_update(
            measure=read_by_two,
            expected_version=1,
            changed_by=coordination_member,
            **_measure_sheet(read_by_two, name="Atelier boutique", price_per_place_month=Decimal("1900.00")),
        )

    assert str(refused.value) == (
        "Cette mesure a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
    )
    assert _row(measure) == before
    assert (before["version"], before["name"], before["price_per_place_month"]) == (
        2,
        "Atelier vente",
        Decimal("1500.00"),
    )
    assert before["description"] == "Boutique de seconde main."
    assert AuditEvent.objects.count() == events


def test_a_measure_save_changing_nothing_keeps_its_version(coordination_member):
    measure = MeasureFactory()

    measure_update(measure=measure, expected_version=1, changed_by=coordination_member, **_measure_sheet(measure))

    assert _row(measure)["version"] == 1


def test_a_caseworker_cannot_create_a_measure(orp_counsellor):
    with pytest.raises(PermissionDenied):
        measure_create(created_by=orp_counsellor, **_measure_values())

    assert not Measure.objects.exists()


# -- Places ------------------------------------------------------------------------------


def test_the_places_of_a_kind_are_set_then_changed_and_both_are_audited(coordination_member):
    measure = MeasureFactory()

    measure_capacity_set(
        measure=measure, year=2026, place_kind=PlaceKind.PROFESSIONAL, places=12, set_by=coordination_member
    )
    capacity = measure_capacity_set(
        measure=measure, year=2026, place_kind=PlaceKind.PROFESSIONAL, places=14, set_by=coordination_member
    )

    assert MeasureCapacity.objects.get() == capacity
    assert capacity.places == 14
    details = [
        event.detail["places"]
        for event in AuditEvent.objects.filter(object_type="measures.measurecapacity").order_by("id")
    ]
    assert details == [[None, 12], [12, 14]]


def test_a_negative_capacity_is_refused_in_french_and_nothing_changes(coordination_member):
    measure = MeasureFactory()
    measure_capacity_set(
        measure=measure, year=2026, place_kind=PlaceKind.PROFESSIONAL, places=10, set_by=coordination_member
    )

    with pytest.raises(ValidationError) as refused:
        measure_capacity_set(
            measure=measure, year=2026, place_kind=PlaceKind.PROFESSIONAL, places=-3, set_by=coordination_member
        )

    assert refused.value.message_dict["places"] == ["Le nombre de places ne peut pas être négatif."]
    assert MeasureCapacity.objects.get().places == 10


def test_the_places_of_a_closed_year_no_longer_change(coordination_member):
    measure = MeasureFactory()
    open_year(2024)
    measure_capacity_set(
        measure=measure, year=2024, place_kind=PlaceKind.OCCUPATION, places=8, set_by=coordination_member
    )
    closed_year(2024)

    with pytest.raises(ValidationError) as refused:
        measure_capacity_set(
            measure=measure, year=2024, place_kind=PlaceKind.OCCUPATION, places=0, set_by=coordination_member
        )

    assert refused.value.message_dict["year"] == ["L'année 2024 est clôturée : ses places ne changent plus."]
    assert MeasureCapacity.objects.get().places == 8


def test_an_unknown_kind_of_place_is_refused(coordination_member):
    with pytest.raises(ValidationError) as refused:
        measure_capacity_set(
            measure=MeasureFactory(), year=2026, place_kind="stage", places=1, set_by=coordination_member
        )

    assert "place_kind" in refused.value.message_dict
    assert not MeasureCapacity.objects.exists()
