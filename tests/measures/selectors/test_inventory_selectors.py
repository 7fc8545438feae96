"""The inventory selectors: filters, grouping by branch and typology, totals per kind, constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from measures.models import PlaceKind, Typology
from measures.selectors.inventory import (
    inventory_grouped,
    inventory_list,
    places_per_kind_by_year,
    provider_eso_checklist,
)
from tests.measures.factories import BranchFactory, ProviderFactory, measure_with_places

pytestmark = pytest.mark.django_db


@pytest.fixture
def branches():  # type: ignore[no-untyped-def]
    return {
        "horlogerie": BranchFactory(code="horlogerie-test", name="Horlogerie", is_pilot=True),
        "vente": BranchFactory(code="vente", name="Commerce et vente"),
    }


def test_the_inventory_lists_each_measures_places_per_kind_in_the_year(gp_cii_member, branches):
    measure_with_places(
        year=2026, places={PlaceKind.SOCIO_PROFESSIONAL: 4, PlaceKind.PROFESSIONAL: 14}, branch=branches["vente"]
    )

    (measure,) = inventory_list(user=gp_cii_member, year=2026)

    assert measure.capacity == {"occupation": 0, "socio_professional": 4, "professional": 14}
    assert measure.capacity_total == 18
    assert inventory_list(user=gp_cii_member, year=2011)[0].capacity_total == 0


def test_the_filters_select_by_branch_typology_kind_mixed_and_activity(orp_counsellor, branches):
    watch = measure_with_places(year=2026, branch=branches["horlogerie"], code="horlogerie")
    shop = measure_with_places(
        year=2026,
        places={PlaceKind.OCCUPATION: 5},
        branch=branches["vente"],
        typology=Typology.STABILISATION,
        is_mixed=False,
        code="vente",
    )
    ended = measure_with_places(
        year=2026, branch=branches["vente"], active_until=dt.date(2025, 12, 31), code="ancienne"
    )

    def codes(**filters):  # type: ignore[no-untyped-def]
        return [m.code for m in inventory_list(user=orp_counsellor, year=2026, **filters)]

    assert codes(branch=branches["horlogerie"]) == [watch.code]
    assert codes(typology=Typology.STABILISATION) == [shop.code]
    assert codes(place_kind=PlaceKind.OCCUPATION) == [shop.code]
    assert codes(mixed=False) == [shop.code]
    assert sorted(codes(active=True)) == sorted([watch.code, shop.code])
    assert codes(active=False) == [ended.code]


def test_grouping_puts_pilot_branches_first_and_typologies_in_their_order(orp_counsellor, branches):
    measure_with_places(year=2026, branch=branches["vente"], typology=Typology.PLACEMENT)
    measure_with_places(year=2026, branch=branches["horlogerie"], typology=Typology.PREVENTIVE)
    measure_with_places(year=2026, branch=branches["horlogerie"], typology=Typology.PLACEMENT)
    measures = inventory_list(user=orp_counsellor, year=2026)

    by_branch = inventory_grouped(measures=measures, by="branch")
    by_typology = inventory_grouped(measures=measures, by="typology")

    assert [(group.label, len(group.measures), group.capacity_total) for group in by_branch] == [
        ("Horlogerie", 2, 20),
        ("Commerce et vente", 1, 10),
    ]
    assert [group.key for group in by_typology] == [Typology.PREVENTIVE, Typology.PLACEMENT]


def test_the_inventory_costs_the_same_queries_for_2_and_for_20_measures(orp_counsellor, branches):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            inventory_list(user=orp_counsellor, year=2026)
        return len(queries)

    for _ in range(2):
        measure_with_places(year=2026, places={PlaceKind.PROFESSIONAL: 3, PlaceKind.OCCUPATION: 2})
    two = count()
    for _ in range(18):
        measure_with_places(year=2026, places={PlaceKind.PROFESSIONAL: 3, PlaceKind.OCCUPATION: 2})

    assert count() == two == 2  # the measures, then their places of the year (the roles are cached)


def test_places_per_kind_count_the_mixed_measures_by_default(coordination_member):
    measure_with_places(year=2011, places={PlaceKind.OCCUPATION: 20, PlaceKind.PROFESSIONAL: 4})
    measure_with_places(year=2011, places={PlaceKind.OCCUPATION: 7}, is_mixed=False)

    (mixed,) = places_per_kind_by_year(user=coordination_member)
    (everything,) = places_per_kind_by_year(user=coordination_member, mixed_only=False)

    assert (mixed.year, mixed.occupation, mixed.professional, mixed.total) == (2011, 20, 4, 24)
    assert everything.occupation == 27


@pytest.mark.parametrize("persona", ["cnip_staff", "data_protection_officer", "platform_admin", "outsider"])
def test_users_who_may_not_read_measures_get_404(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(Http404):
        inventory_list(user=user, year=2026)
    with pytest.raises(Http404):
        places_per_kind_by_year(user=user)


def test_the_checklist_shows_every_criterion_of_annexe_4_checked_or_not():
    checklist = provider_eso_checklist(provider=ProviderFactory())

    assert len(checklist) == 14
    assert {line.status for line in checklist} == {"non vérifié"}
