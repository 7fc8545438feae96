"""Sectoral budgets: each delegate sets their own sector's places and CHF, in an open year, at the version read.

A delegate editing another sector's budget, a closed year, negative figures, a stale version or more
places than the measure offers are refused (French message) and change nothing; every change is audited.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import BudgetYear, PlaceLoan, Sector, SectorBudget
from measures.services.budgets import (
    StaleSectorBudget,
    budget_year_close,
    budget_year_open,
    place_loan_propose,
    sector_budget_set,
)
from tests.measures.budget_builders import closed_year, delegate, open_year
from tests.measures.factories import budget, measure_with_places

pytestmark = pytest.mark.django_db


def year_day(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


@pytest.fixture
def measure():  # type: ignore[no-untyped-def]
    return measure_with_places(year=2026, places={"professional": 20})


def _set(user, measure, *, sector: str = Sector.LACI, places: int = 6, amount: str = "108000.00", version: int = 0):  # type: ignore[no-untyped-def]
    return sector_budget_set(
        year=2026,
        measure=measure,
        sector=sector,
        places=places,
        amount=Decimal(amount),
        expected_version=version,
        set_by=user,
    )


def test_the_semp_delegate_sets_the_laci_budget_and_the_change_is_audited(coordination_member, measure):
    open_year(2026)

    created = _set(coordination_member, measure)
    changed = _set(coordination_member, measure, places=8, amount="144000.00", version=created.version)

    assert (changed.places, changed.amount, changed.version) == (8, Decimal("144000.00"), 2)
    events = AuditEvent.objects.filter(object_type="measures.sectorbudget").order_by("id")
    assert [event.action for event in events] == [AuditAction.CREATE, AuditAction.CHANGE]
    assert events[1].detail["places"] == [6, 8]
    assert events[1].detail["amount"] == ["108000.00", "144000.00"]


def test_a_delegate_cannot_edit_another_sectors_budget_and_nothing_changes(make_account, coordination_member, measure):
    open_year(2026)
    laci = _set(coordination_member, measure)
    sas_delegate = delegate(make_account, "saso")

    with pytest.raises(PermissionDenied):
        _set(sas_delegate, measure, sector=Sector.LACI, places=1, version=laci.version)
    with pytest.raises(PermissionDenied):
        _set(coordination_member, measure, sector=Sector.SAS, places=1)

    assert list(SectorBudget.objects.values_list("sector", "places")) == [(Sector.LACI, 6)]


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_only_delegates_set_budgets(request, persona, measure):
    open_year(2026)

    with pytest.raises(PermissionDenied):
        _set(request.getfixturevalue(persona), measure)

    assert not SectorBudget.objects.exists()


def test_a_budget_in_a_closed_year_is_refused_in_french_and_nothing_changes(coordination_member, measure):
    open_year(2026)
    line = _set(coordination_member, measure)
    closed_year(2026)

    with pytest.raises(ValidationError) as refused:
        _set(coordination_member, measure, places=2, version=line.version)

    assert refused.value.message_dict["year"] == [
        "L'année 2026 est clôturée : ses budgets et ses prêts ne changent plus."
    ]
    assert SectorBudget.objects.get().places == 6


def test_a_year_not_yet_opened_is_refused(coordination_member, measure):
    with pytest.raises(ValidationError) as refused:
        _set(coordination_member, measure)

    assert "n'est pas ouverte" in " ".join(refused.value.messages)
    assert not SectorBudget.objects.exists()


def test_negative_places_or_amount_are_refused_in_french(coordination_member, measure):
    open_year(2026)

    with pytest.raises(ValidationError) as refused:
        _set(coordination_member, measure, places=-1, amount="-5.00")

    assert refused.value.message_dict == {
        "places": ["Le nombre de places ne peut pas être négatif."],
        "amount": ["Le montant ne peut pas être négatif."],
    }
    assert not SectorBudget.objects.exists()


def test_a_stale_version_is_refused_and_the_other_edit_is_kept(coordination_member, measure):
    open_year(2026)
    read = _set(coordination_member, measure)
    _set(coordination_member, measure, places=7, version=read.version)

    with pytest.raises(StaleSectorBudget) as stale:
        _set(coordination_member, measure, places=3, version=read.version)

    assert "modifié par quelqu'un d'autre" in str(stale.value)
    assert SectorBudget.objects.get().places == 7


def test_all_sectors_together_cannot_buy_more_places_than_the_measure_offers(
    make_account, coordination_member, measure
):
    open_year(2026)
    _set(coordination_member, measure, places=15)

    with pytest.raises(ValidationError) as refused:
        _set(delegate(make_account, "saso"), measure, sector=Sector.SAS, places=6)

    assert refused.value.message_dict["places"] == [
        f"Les secteurs achèteraient ensemble 21 places de « {measure.name} » en 2026, mais la mesure n'en offre "
        "que 20 (dont 15 déjà achetées par les autres secteurs)."
    ]
    assert SectorBudget.objects.count() == 1


def test_a_budget_cannot_drop_below_the_places_it_lends(make_account, coordination_member, measure):
    year = open_year(2026)
    line = _set(coordination_member, measure, places=6)
    PlaceLoan.objects.create(
        year=year,
        measure=measure,
        from_sector=Sector.LACI,
        to_sector=Sector.SAS,
        proposer_sector=Sector.LACI,
        places=4,
        starts_on=year_day(3, 1),
        ends_on=year_day(6, 30),
        status=PlaceLoan.Status.AGREED,
        proposed_by=coordination_member,
        answered_by=delegate(make_account, "saso"),
        answered_at=line.updated_at,
    )

    with pytest.raises(ValidationError) as refused:
        _set(coordination_member, measure, places=3, version=line.version)

    assert "prête 4 places" in " ".join(refused.value.messages)
    assert SectorBudget.objects.get().places == 6


def test_a_measure_not_active_that_year_takes_no_budget(coordination_member):
    measure = measure_with_places(year=2026, active_from=dt.date(2027, 1, 1))
    open_year(2026)

    with pytest.raises(ValidationError) as refused:
        _set(coordination_member, measure)

    assert "n'est pas active en 2026" in " ".join(refused.value.messages)


# -- Budget years ------------------------------------------------------------------------


def test_a_member_opens_a_year_once_and_a_closed_year_is_not_reopened(coordination_member):
    opened = budget_year_open(year=2027, opened_by=coordination_member)
    again = budget_year_open(year=2027, opened_by=coordination_member)
    closed_year(2025)

    with pytest.raises(ValidationError) as refused:
        budget_year_open(year=2025, opened_by=coordination_member)

    assert opened == again
    assert "ne peut pas être rouverte" in " ".join(refused.value.messages)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="measures.budgetyear").count() == 1


def test_closing_a_year_cancels_the_loans_still_waiting(make_account, coordination_member, measure):
    open_year(2026)
    _set(coordination_member, measure, places=6)
    loan = place_loan_propose(
        year=2026,
        measure=measure,
        from_sector=Sector.LACI,
        to_sector=Sector.SAS,
        places=2,
        starts_on=year_day(3, 1),
        ends_on=year_day(4, 30),
        proposed_by=coordination_member,
    )

    closed = budget_year_close(budget_year=BudgetYear.objects.get(year=2026), closed_by=coordination_member)

    loan.refresh_from_db()
    assert closed.is_closed
    assert loan.status == PlaceLoan.Status.CANCELLED
    with pytest.raises(ValidationError):
        budget_year_close(budget_year=closed, closed_by=coordination_member)


def test_a_caseworker_cannot_open_or_close_a_year(orp_counsellor):
    year = open_year(2026)

    with pytest.raises(PermissionDenied):
        budget_year_open(year=2027, opened_by=orp_counsellor)
    with pytest.raises(PermissionDenied):
        budget_year_close(budget_year=year, closed_by=orp_counsellor)

    assert list(BudgetYear.objects.values_list("year", "closed_at")) == [(2026, None)]


def test_the_factory_budget_helper_and_the_service_agree_on_versions(coordination_member, measure):
    line = budget(
        measure=measure, year=2026, sector=Sector.LACI, places=4, amount=Decimal("1.00"), by=coordination_member
    )

    changed = _set(coordination_member, measure, places=5, version=line.version)

    assert changed.version == line.version + 1
