"""The demo canton's measures: the figures of the documents, budgets within capacities, idempotent."""

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Sum

from cii_platform.accounts.models import User
from cii_platform.accounts.services import account_create
from cii_platform.core.demo import ACCOUNTS, DEMO_PASSWORD, load_partner_services
from cii_platform.partners.models import Office, PartnerService
from measures.demo import CLOSED_UNTIL, load_demo_measures, split_places
from measures.models import (
    BudgetYear,
    EsoStatus,
    Measure,
    MeasureCapacity,
    PlaceLoan,
    Provider,
    Sector,
    SectorBudget,
)
from measures.selectors.budgets import budget_places_by_sector, sector_unused_places
from measures.selectors.inventory import places_per_kind_by_year

pytestmark = pytest.mark.django_db

DELEGATES = ("coord.lmmt", "coord.odas", "coord.osas")


def _load_delegates() -> None:
    """The three delegates of the demo canton, as `load_demo_canton` creates them (without its case files)."""
    load_partner_services()
    services = {service.code: service for service in PartnerService.objects.all()}
    offices = {office.code: office for office in Office.objects.all()}
    for spec in ACCOUNTS:
        if spec.username in DELEGATES:
            account_create(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@demo.cii-ne.ch",
                service=services[spec.service],
                office=offices[spec.office] if spec.office else None,
                roles=spec.roles,
                password=DEMO_PASSWORD,
            )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:  # type: ignore[no-untyped-def]
    """The demo measures, loaded once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        _load_delegates()
        yield load_demo_measures()
        transaction.set_rollback(True)


@pytest.fixture
def reader(demo) -> User:  # type: ignore[no-untyped-def]
    return User.objects.get(username="coord.odas")


def test_the_mixed_measures_reproduce_the_places_of_the_documents(demo, reader):
    rows = {row.year: row for row in places_per_kind_by_year(user=reader)}

    assert (rows[2011].occupation, rows[2011].socio_professional, rows[2011].professional) == (142, 14, 48)
    assert rows[2011].total == 204
    assert (rows[2012].occupation, rows[2012].socio_professional, rows[2012].professional) == (91, 22, 86)
    assert (rows[2014].occupation, rows[2014].socio_professional, rows[2014].professional) == (0, 58, 136)
    assert rows[2014].total == 194


def test_the_current_years_have_places_and_budgets_per_sector(demo, reader):
    by_sector = {row.year: row for row in budget_places_by_sector(user=reader)}

    assert set(by_sector) == {2026, 2027}
    for year in (2026, 2027):
        for sector in (Sector.LACI, Sector.MIP, Sector.SAS, Sector.SMIG):
            assert by_sector[year].of(sector) > 0
        assert by_sector[year].of(Sector.OAI) > 0
        assert by_sector[year].of(Sector.SFPO) > 0
    assert MeasureCapacity.objects.filter(year=2026).exists()
    assert MeasureCapacity.objects.filter(year=2027).exists()


def test_no_measure_sells_more_places_than_it_offers_and_amounts_follow_the_price(demo):
    for measure in Measure.objects.all():
        for year in (2026, 2027):
            capacity = MeasureCapacity.objects.filter(measure=measure, year=year).aggregate(total=Sum("places"))
            budgets = SectorBudget.objects.filter(measure=measure, year__year=year)
            assert sum(budget.places for budget in budgets) <= (capacity["total"] or 0)
            for budget in budgets:
                assert budget.amount == measure.price_per_place_month * budget.places * 12


def test_the_delegates_recorded_their_own_sectors_budgets(demo):
    by_sector = dict(SectorBudget.objects.values_list("sector", "updated_by__username").distinct())

    assert by_sector[Sector.SAS] == "coord.odas"
    assert by_sector[Sector.SMIG] == "coord.osas"
    assert by_sector[Sector.LACI] == "coord.lmmt"


def test_past_years_are_closed_and_the_current_ones_open(demo):
    assert not BudgetYear.objects.filter(year__lte=CLOSED_UNTIL, closed_at__isnull=True).exists()
    assert BudgetYear.objects.filter(year__lte=CLOSED_UNTIL).count() == CLOSED_UNTIL - 2011 + 1
    assert not BudgetYear.objects.get(year=2026).is_closed
    assert not BudgetYear.objects.get(year=2027).is_closed


def test_alfaset_and_the_espace_des_solidarites_are_recognised_and_evologia_is_not(demo):
    statuses = dict(Provider.objects.values_list("name", "eso_status"))

    assert statuses["Alfaset"] == statuses["Espace des Solidarités"] == EsoStatus.RECOGNISED
    assert statuses["Evologia"] == EsoStatus.NOT_RECOGNISED
    assert statuses["Fondation La Joliette"] == EsoStatus.NOT_ASSESSED


def test_the_loans_carry_both_agreements_and_leave_the_lender_within_its_budget(demo):
    agreed = PlaceLoan.objects.get(status=PlaceLoan.Status.AGREED)

    assert (agreed.proposed_by.username, agreed.answered_by.username) == ("coord.osas", "coord.odas")
    assert (
        sector_unused_places(
            year=agreed.year,
            measure=agreed.measure,
            sector=agreed.from_sector,
            starts_on=agreed.starts_on,
            ends_on=agreed.ends_on,
        )
        >= 0
    )
    assert PlaceLoan.objects.filter(status=PlaceLoan.Status.PROPOSED).count() == 1
    assert PlaceLoan.objects.filter(status=PlaceLoan.Status.REFUSED).count() == 1


def test_loading_it_again_creates_nothing(demo):
    counts = (Measure.objects.count(), MeasureCapacity.objects.count(), SectorBudget.objects.count())

    again = load_demo_measures()

    assert again == dict.fromkeys(again, 0)
    assert (Measure.objects.count(), MeasureCapacity.objects.count(), SectorBudget.objects.count()) == counts


def test_split_places_shares_the_whole_capacity_by_weight():
    assert split_places(24, {"laci": 10, "mip": 3, "sas": 6, "smig": 3, "sfpo": 2}) == {
        "laci": 10,
        "mip": 3,
        "sas": 6,
        "smig": 3,
        "sfpo": 2,
    }
    assert sum(split_places(20, {"laci": 10, "mip": 3, "sas": 4, "smig": 2, "oai": 1}).values()) == 20
