"""Reads of the inventory (cartographie): measures by branch and typology, providers and their NE-ESO checklist.

The inventory holds no personal data; it is read by caseworkers, coordination-group members and GP CII
members (`may_read_measures`). Anyone else gets the 404 of a missing page, as for a missing measure.
Every list costs a fixed number of queries whatever its length.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from measures.models import (
    Branch,
    EsoCriterion,
    EsoCriterionCheck,
    Measure,
    MeasureCapacity,
    PlaceKind,
    Provider,
    SectorBudget,
    Typology,
)
from measures.roles import is_coordination_member, may_read_measures

KINDS: tuple[str, ...] = tuple(PlaceKind.values)


def measures_reader_or_404(user: User | None) -> User:
    """`user` if they may read the measures app; otherwise the 404 of a missing page."""
    if user is None or not may_read_measures(user):
        raise Http404
    return user


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def active_during(year: int) -> Q:
    """Measures active on at least one day of `year`."""
    first, last = _year_bounds(year)
    return Q(active_from__lte=last) & (Q(active_until__isnull=True) | Q(active_until__gte=first))


def _with_capacity_of(measures: list[Measure], year: int) -> list[Measure]:
    """Set `capacity` (places per kind, every kind present) and `capacity_total` on the prefetched measures."""
    for measure in measures:
        places = dict.fromkeys(KINDS, 0)
        for capacity in getattr(measure, "capacities_of_year", []):
            places[capacity.place_kind] = capacity.places
        measure.capacity = places  # type: ignore[attr-defined]
        measure.capacity_total = sum(places.values())  # type: ignore[attr-defined]
        measure.capacity_in_order = [places[kind] for kind in KINDS]  # type: ignore[attr-defined]
    return measures


def inventory_list(
    *,
    user: User | None,
    year: int,
    branch: Branch | None = None,
    typology: str = "",
    place_kind: str = "",
    mixed: bool | None = None,
    active: bool | None = None,
) -> list[Measure]:
    """The measures of the inventory with their places per kind in `year`, filtered as asked.

    `place_kind`: only measures offering places of that kind in `year`. `active`: True for measures active
    on some day of `year`, False for the others. Two queries, whatever the number of measures.
    """
    measures_reader_or_404(user)
    queryset = Measure.objects.select_related("provider", "branch").prefetch_related(
        Prefetch("capacities", queryset=MeasureCapacity.objects.filter(year=year), to_attr="capacities_of_year")
    )
    if branch is not None:
        queryset = queryset.filter(branch=branch)
    if typology:
        queryset = queryset.filter(typology=typology)
    if place_kind:
        queryset = queryset.filter(capacities__year=year, capacities__place_kind=place_kind, capacities__places__gt=0)
    if mixed is not None:
        queryset = queryset.filter(is_mixed=mixed)
    if active is True:
        queryset = queryset.filter(active_during(year))
    elif active is False:
        queryset = queryset.exclude(active_during(year))
    return _with_capacity_of(list(queryset.order_by("branch__name", "name")), year)


@dataclass
class InventoryGroup:
    """The measures of one branch or one typology, with their places per kind summed."""

    key: str
    label: str
    measures: list[Measure] = field(default_factory=list)
    capacity: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def capacity_total(self) -> int:
        return sum(self.capacity.values())

    @property
    def capacity_in_order(self) -> list[int]:
        return [self.capacity[kind] for kind in KINDS]


def inventory_grouped(*, measures: list[Measure], by: Literal["branch", "typology"]) -> list[InventoryGroup]:
    """Group measures read by `inventory_list` by branch (pilot branches first) or by cantonal typology."""
    groups: dict[str, InventoryGroup] = {}
    for measure in measures:
        if by == "branch":
            key, label = measure.branch.code, measure.branch.name
        else:
            key, label = measure.typology, measure.get_typology_display()
        group = groups.setdefault(key, InventoryGroup(key=key, label=str(label)))
        group.measures.append(measure)
        for kind, places in measure.capacity.items():  # type: ignore[attr-defined]
            group.capacity[kind] += places
    if by == "branch":
        pilot = {measure.branch.code for measure in measures if measure.branch.is_pilot}
        return sorted(groups.values(), key=lambda group: (group.key not in pilot, group.label))
    order = list(Typology.values)
    return sorted(groups.values(), key=lambda group: order.index(group.key))


def branch_list() -> QuerySet[Branch]:
    """The branches of the SECO nomenclature, pilot branches first (reference data, for filters)."""
    return Branch.objects.order_by("-is_pilot", "name")


def measure_get_for_reading(*, user: User | None, code: str) -> Measure:
    """The measure `code` with its provider and branch, or 404 (also for a user who may not read measures)."""
    measures_reader_or_404(user)
    measure = Measure.objects.select_related("provider", "branch").filter(code=code).first()
    if measure is None:
        raise Http404
    measure.can_edit = is_coordination_member(user)  # type: ignore[attr-defined]
    return measure


@dataclass(frozen=True)
class CapacityYear:
    year: int
    places: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.places.values())

    @property
    def in_order(self) -> list[int]:
        return [self.places[kind] for kind in KINDS]


@dataclass(frozen=True)
class SectorPlaces:
    year: int
    sector: str
    sector_label: str
    places: int
    amount: object


def measure_capacities(*, measure: Measure) -> list[CapacityYear]:
    """The measure's places per kind, one line per year (oldest first)."""
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for year, kind, places in MeasureCapacity.objects.filter(measure=measure).values_list(
        "year", "place_kind", "places"
    ):
        by_year[year][kind] = places
    return [CapacityYear(year=year, places=places) for year, places in sorted(by_year.items())]


def measure_budgets(*, measure: Measure) -> list[SectorPlaces]:
    """What each sector buys of the measure, per year (newest first)."""
    rows = SectorBudget.objects.filter(measure=measure).select_related("year").order_by("-year__year", "sector")
    return [
        SectorPlaces(
            year=row.year.year,
            sector=row.sector,
            sector_label=str(row.get_sector_display()),
            places=row.places,
            amount=row.amount,
        )
        for row in rows
    ]


def provider_list(*, user: User | None) -> list[Provider]:
    """The providers with how many measures each runs (one query)."""
    measures_reader_or_404(user)
    return list(Provider.objects.annotate(measure_count=Count("measures")).order_by("name"))


def provider_get_for_reading(*, user: User | None, provider_id: int) -> Provider:
    """The provider `provider_id`, or 404 (also for a user who may not read measures)."""
    measures_reader_or_404(user)
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    provider.can_edit = is_coordination_member(user)  # type: ignore[attr-defined]
    return provider


@dataclass(frozen=True)
class EsoChecklistLine:
    criterion: str
    label: str
    check: EsoCriterionCheck | None

    @property
    def status(self) -> str:
        if self.check is None:
            return _("non vérifié")
        return _("rempli") if self.check.met else _("non rempli")


def provider_eso_checklist(*, provider: Provider) -> list[EsoChecklistLine]:
    """Every criterion of annexe 4, in its order, with the provider's check if there is one (one query)."""
    checks = {
        check.criterion: check
        for check in EsoCriterionCheck.objects.filter(provider=provider).select_related("checked_by")
    }
    return [
        EsoChecklistLine(criterion=criterion.value, label=str(criterion.label), check=checks.get(criterion.value))
        for criterion in EsoCriterion
    ]


def provider_measures(*, provider: Provider) -> list[Measure]:
    return list(Measure.objects.filter(provider=provider).select_related("branch").order_by("name"))


@dataclass(frozen=True)
class KindTotals:
    """Places per kind at the end of one year, summed over the measures."""

    year: int
    places: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.places.values())

    @property
    def occupation(self) -> int:
        return self.places[PlaceKind.OCCUPATION]

    @property
    def socio_professional(self) -> int:
        return self.places[PlaceKind.SOCIO_PROFESSIONAL]

    @property
    def professional(self) -> int:
        return self.places[PlaceKind.PROFESSIONAL]


def places_per_kind_by_year(*, user: User | None, mixed_only: bool = True) -> list[KindTotals]:
    """The places per kind of every year with capacities, oldest first (one query).

    With `mixed_only` (the default) only the mixed measures count, as in the documents' figures of the
    programmes shared by the services (end 2011: 142 + 14 + 48 = 204 places).
    """
    measures_reader_or_404(user)
    capacities = MeasureCapacity.objects.all()
    if mixed_only:
        capacities = capacities.filter(measure__is_mixed=True)
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for row in capacities.values("year", "place_kind").annotate(places_sum=Sum("places")).order_by():
        by_year[row["year"]][row["place_kind"]] = row["places_sum"] or 0
    return [KindTotals(year=year, places=places) for year, places in sorted(by_year.items())]
