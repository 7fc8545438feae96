"""The demo activity: requests and placements on whatever measures exist, idempotent, figures this month."""

from decimal import Decimal

import pytest
from django.utils import timezone

from cii_platform.accounts.models import Role
from measures.demo_activity import load_demo_activity
from measures.models import MeasureCapacity, Placement, PlaceRequest
from measures.selectors.dashboard import dashboard_month
from tests.factories import open_case
from tests.measures.factories import budget, measure_with_places
from tests.measures.placement_builders import place_release_watched

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(make_account, services):  # type: ignore[no-untyped-def]
    people = {
        "orp": make_account("orp.conseiller", "semp", "orp-littoral", (Role.CASEWORKER,)),
        "ssr": make_account("ssr.assistante", "saso", "ssr-littoral-ouest", (Role.CASEWORKER,)),
        "smig": make_account("smig.conseiller", "smig", "osas", (Role.CASEWORKER,)),
        "coord": make_account("coord.lmmt", "semp", "lmmt", (Role.COORDINATION_GROUP,)),
    }
    for key, code in (("orp", "semp"), ("ssr", "saso"), ("smig", "smig")):
        for _number in range(4):
            open_case(lead_service=services[code], opened_by=people[key])
    return people


def test_it_does_nothing_without_measures(demo_people):
    assert load_demo_activity() == {"requests": 0, "placements": 0, "ended": 0}
    assert not PlaceRequest.objects.exists()


def test_it_loads_requests_and_placements_once_so_that_this_month_has_figures(demo_people):
    year = timezone.localdate().year
    for number in range(6):
        places = {"professional": 12, "socio_professional": 6} if number % 2 else {"occupation": 10}
        measure = measure_with_places(year=year, places=places, price=Decimal("1800.00"))
        for extra_year in (year - 1, year + 1):
            for kind, count in places.items():
                MeasureCapacity.objects.create(measure=measure, year=extra_year, place_kind=kind, places=count)
        budget(measure=measure, year=year, sector="laci", places=4, amount=Decimal("80000"), by=demo_people["coord"])

    with place_release_watched() as released:
        created = load_demo_activity()
        again = load_demo_activity()

    assert 50 <= created["requests"] <= 60
    assert 25 <= created["placements"] <= 45
    assert created["ended"] >= 5
    assert released.call_count == created["ended"]
    assert again == {"requests": 0, "placements": 0, "ended": 0}
    assert PlaceRequest.objects.count() == created["requests"]
    assert PlaceRequest.objects.filter(case__isnull=False).exists()
    assert PlaceRequest.objects.filter(case__isnull=True, pseudonym__startswith="SSR-").exists()
    assert set(PlaceRequest.objects.values_list("service__code", flat=True)) == {"semp", "saso", "smig"}
    ended = Placement.objects.filter(status="ended")
    assert ended.count() == created["ended"] and not ended.filter(exit_reason="").exists()
    assert dashboard_month(month=timezone.localdate()).total.occupied > 0
