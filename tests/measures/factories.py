"""Builders of the measures tests: providers, measures with their places, budgets (add your own beside them)."""

import datetime as dt
from decimal import Decimal

import factory

from measures.models import Branch, BudgetYear, Measure, MeasureCapacity, PlaceKind, Provider, SectorBudget, Typology


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Prestataire {n}")
    locality = "Neuchâtel"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"branche-{n}")
    name = factory.LazyAttribute(lambda o: f"Branche {o.code}")


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    code = factory.Sequence(lambda n: f"mesure-{n}")
    name = factory.LazyAttribute(lambda o: f"Atelier {o.code}")
    provider = factory.SubFactory(ProviderFactory)
    branch = factory.SubFactory(BranchFactory)
    typology = Typology.QUALIFICATION
    price_per_place_month = Decimal("1500.00")
    active_from = dt.date(2010, 1, 1)


def measure_with_places(
    *, year: int, places: dict[str, int] | None = None, price: Decimal = Decimal("1500.00"), **kwargs: object
) -> Measure:
    """A measure with its capacity per kind of place in `year` (default: 10 professional places)."""
    measure = MeasureFactory(price_per_place_month=price, **kwargs)
    for kind, count in (places or {PlaceKind.PROFESSIONAL: 10}).items():
        MeasureCapacity.objects.create(measure=measure, year=year, place_kind=kind, places=count)
    return measure


def budget(*, measure: Measure, year: int, sector: str, places: int, amount: Decimal, by) -> SectorBudget:  # type: ignore[no-untyped-def]
    """A sector's budget for `measure` in `year` (the budget year is created open if needed)."""
    budget_year, _created = BudgetYear.objects.get_or_create(year=year)
    return SectorBudget.objects.create(
        year=budget_year, measure=measure, sector=sector, places=places, amount=amount, updated_by=by
    )
