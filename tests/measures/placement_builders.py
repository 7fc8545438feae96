"""Builders of the request, placement and dashboard tests (beside `tests/measures/factories.py`)."""

import datetime as dt
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from unittest.mock import MagicMock, patch

from cases.models import CaseFile
from cii_platform.accounts.models import User
from measures.models import Measure, PlaceKind, Placement, PlaceRequest, RequestPriority
from measures.services.requests import place_request_submit
from tests.measures.factories import measure_with_places

YEAR = 2026


def offer(*, places: int = 10, kind: str = PlaceKind.PROFESSIONAL, price: str = "1500.00", **kwargs: object) -> Measure:
    """A measure offering `places` places of `kind` in 2026."""
    return measure_with_places(year=YEAR, places={kind: places}, price=Decimal(price), **kwargs)


def ask(
    user: User,
    *measures: Measure,
    sector: str = "laci",
    kind: str = PlaceKind.PROFESSIONAL,
    case: CaseFile | None = None,
    pseudonym: str = "",
    desired_start: dt.date = dt.date(YEAR, 3, 2),
    priority: str = RequestPriority.NORMAL,
) -> PlaceRequest:
    """A request through the service; without a case, under the pseudonym "Personne test" unless one is given."""
    return place_request_submit(
        requested_by=user,
        sector=sector,
        place_kind=kind,
        priority=priority,
        desired_start=desired_start,
        preferences=list(measures),
        case=case,
        pseudonym=pseudonym or ("" if case else "Personne test"),
    )


def placement_row(
    place_request: PlaceRequest,
    measure: Measure,
    *,
    starts_on: dt.date,
    planned_end_on: dt.date,
    ended_on: dt.date | None = None,
    status: str = Placement.Status.ACTIVE,
    price: str = "1500.00",
    sector: str | None = None,
    kind: str | None = None,
) -> Placement:
    """A placement written directly, for figures prepared by hand (the services are tested on their own)."""
    return Placement.objects.create(
        request=place_request,
        measure=measure,
        sector=sector or place_request.sector,
        place_kind=kind or place_request.place_kind,
        starts_on=starts_on,
        planned_end_on=planned_end_on,
        ended_on=ended_on,
        status=Placement.Status.ENDED if ended_on else status,
        exit_reason="planned_end" if ended_on else "",
        price_per_month=Decimal(price),
        created_by=place_request.requested_by,
    )


@contextmanager
def place_release_watched() -> Iterator[MagicMock]:
    """Replace `measures.services.allocation.place_released_propose` (written by the allocation part) by a mock."""
    try:
        import measures.services.allocation  # noqa: F401
    except ImportError:
        # Not written yet: a stand-in module, so that the placements' lazy import finds the function.
        module = types.ModuleType("measures.services.allocation")
        with (
            patch.dict(sys.modules, {"measures.services.allocation": module}),
            patch.object(module, "place_released_propose", create=True) as fake,
        ):
            yield fake
        return
    with patch("measures.services.allocation.place_released_propose") as fake:
        yield fake
