"""Builders of the inventory, budget and loan tests: delegates of each service, budget years, placements."""

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from cii_platform.accounts.models import Role, User
from cii_platform.partners.models import PartnerService
from measures.models import BudgetYear, Measure, PlaceKind, Placement, PlaceRequest

_references = itertools.count(1)


def delegate(make_account: Callable[..., User], service: str) -> User:
    """A coordination-group member of `service` (SASO: the SAS delegate, SMIG: the SMIG delegate …)."""
    return make_account(f"delegate.{service}", service, None, (Role.COORDINATION_GROUP,))


def open_year(year: int) -> BudgetYear:
    budget_year, _created = BudgetYear.objects.get_or_create(year=year)
    return budget_year


def closed_year(year: int) -> BudgetYear:
    budget_year, _created = BudgetYear.objects.get_or_create(year=year)
    budget_year.closed_at = timezone.now()
    budget_year.save(update_fields=["closed_at"])
    return budget_year


def placement(
    *,
    measure: Measure,
    sector: str,
    service: PartnerService,
    by: User,
    starts_on: dt.date,
    planned_end_on: dt.date,
    status: str = Placement.Status.ACTIVE,
) -> Placement:
    """A person placed in `measure` on `sector`'s budget (under a pseudonym; no case needed here)."""
    number = next(_references)
    request = PlaceRequest.objects.create(
        reference=f"TEST-{number:05d}",
        pseudonym=f"Personne {number}",
        requested_by=by,
        service=service,
        sector=sector,
        place_kind=PlaceKind.PROFESSIONAL,
        desired_start=starts_on,
        status=PlaceRequest.Status.PLACED,
    )
    return Placement.objects.create(
        request=request,
        measure=measure,
        sector=sector,
        place_kind=PlaceKind.PROFESSIONAL,
        starts_on=starts_on,
        planned_end_on=planned_end_on,
        status=status,
        price_per_month=Decimal("1500.00"),
        created_by=by,
    )
