"""Builders of the review, corrective-measure and agreement tests: requests and placements written directly.

The figures are prepared by hand, so placements are written as rows (the placement
services are tested on their own).
"""

import datetime as dt
import itertools
from decimal import Decimal

from cii_platform.accounts.models import User
from measures.models import Measure, PlaceKind, Placement, PlaceRequest

_numbers = itertools.count(1)


def place_request(by: User, *, sector: str = "laci") -> PlaceRequest:
    """A pseudonymous place request of `by`'s service (a distinct person each time)."""
    number = next(_numbers)
    assert by.service is not None
    return PlaceRequest.objects.create(
        reference=f"TEST-{number:05d}",
        pseudonym=f"Personne {number}",
        requested_by=by,
        service=by.service,
        sector=sector,
        place_kind=PlaceKind.PROFESSIONAL,
        desired_start=dt.date(2025, 1, 1),
        status=PlaceRequest.Status.PLACED,
    )


def placement(
    measure: Measure,
    *,
    by: User,
    starts_on: dt.date,
    planned_end_on: dt.date,
    ended_on: dt.date | None = None,
    exit_reason: str = "",
    cancelled: bool = False,
    price: str = "1500.00",
    request: PlaceRequest | None = None,
) -> Placement:
    """A placement of a new person (or of `request`'s), ended with `exit_reason` when `ended_on` is given."""
    if ended_on is not None:
        status = Placement.Status.ENDED
    elif cancelled:
        status = Placement.Status.CANCELLED
    else:
        status = Placement.Status.ACTIVE
    request = request or place_request(by)
    return Placement.objects.create(
        request=request,
        measure=measure,
        sector=request.sector,
        place_kind=request.place_kind,
        starts_on=starts_on,
        planned_end_on=planned_end_on,
        ended_on=ended_on,
        status=status,
        exit_reason=exit_reason if ended_on else "",
        price_per_month=Decimal(price),
        created_by=by,
    )


def year_2025_placements(measure: Measure, *, by: User) -> list[Placement]:
    """The placements of the hand-computed 2025 figures (see `tests/measures/selectors/test_review_figures.py`)."""
    first = placement(
        measure,
        by=by,
        starts_on=dt.date(2024, 11, 1),
        planned_end_on=dt.date(2025, 4, 30),
        ended_on=dt.date(2025, 3, 31),
        exit_reason="first_labour_market",
    )
    return [
        first,
        placement(
            measure,
            by=by,
            starts_on=dt.date(2025, 4, 1),
            planned_end_on=dt.date(2025, 9, 30),
            ended_on=dt.date(2025, 6, 15),
            exit_reason="training",
            price="3000.00",
        ),
        placement(measure, by=by, starts_on=dt.date(2025, 7, 1), planned_end_on=dt.date(2026, 6, 30)),
        placement(
            measure,
            by=by,
            request=first.request,
            starts_on=dt.date(2025, 10, 1),
            planned_end_on=dt.date(2025, 12, 31),
            ended_on=dt.date(2025, 10, 31),
            exit_reason="dropped_out",
        ),
        # Not counted: cancelled, ended before 2025, starting after 2025.
        placement(measure, by=by, starts_on=dt.date(2025, 2, 1), planned_end_on=dt.date(2025, 5, 31), cancelled=True),
        placement(
            measure,
            by=by,
            starts_on=dt.date(2023, 1, 1),
            planned_end_on=dt.date(2024, 12, 31),
            ended_on=dt.date(2024, 12, 31),
            exit_reason="planned_end",
        ),
        placement(measure, by=by, starts_on=dt.date(2026, 1, 5), planned_end_on=dt.date(2026, 6, 30)),
    ]
