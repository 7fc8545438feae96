"""Builders of the allocation tests: place requests with their ranked preferences, a small canton of places."""

import datetime as dt
import itertools
from decimal import Decimal

from cii_platform.accounts.models import User
from measures.models import Measure, PlaceKind, PlacePreference, PlaceRequest, RequestPriority
from tests.measures.factories import budget, measure_with_places

YEAR = 2026
PERIOD = (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
_numbers = itertools.count(1)


def place_request(
    *,
    by: User,
    preferences: list[Measure],
    sector: str = "laci",
    kind: str = PlaceKind.PROFESSIONAL,
    urgent: bool = False,
    desired_start: dt.date = dt.date(YEAR, 1, 1),
    case=None,  # type: ignore[no-untyped-def]
) -> PlaceRequest:
    """A waiting request of `by`'s service; requests built later are younger."""
    number = next(_numbers)
    request = PlaceRequest.objects.create(
        reference=f"DP-T-{number:05d}",
        case=case,
        pseudonym=f"Personne T{number}",
        requested_by=by,
        service=by.service,
        sector=sector,
        place_kind=kind,
        priority=RequestPriority.URGENT if urgent else RequestPriority.NORMAL,
        desired_start=desired_start,
    )
    for rank, measure in enumerate(preferences, start=1):
        PlacePreference.objects.create(request=request, rank=rank, measure=measure)
    return request


def measure_with_budget(
    *, by: User, places: int = 2, sector_places: dict[str, int] | None = None, price: Decimal = Decimal("1000.00")
) -> Measure:
    """A measure with `places` professional places in YEAR and a budget line per sector (enough CHF by default)."""
    measure = measure_with_places(year=YEAR, places={PlaceKind.PROFESSIONAL: places}, price=price)
    for sector, count in (sector_places or {"laci": places}).items():
        budget(measure=measure, year=YEAR, sector=sector, places=count, amount=price * 12 * count, by=by)
    return measure
