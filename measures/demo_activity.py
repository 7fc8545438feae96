"""The demo canton's activity on the measures: place requests and placements, so that the dashboard has figures.

Run after the demo accounts and cases and after `measures.demo.load_demo_measures()`
(measures, capacities, budgets): it uses whatever measures offer places in the
year, and does nothing when there are none. Idempotent: once its requests exist,
it adds nothing. Everything goes through the services (validation, audit trail),
in a fixed pseudo-random order so that two loads give the same canton.

About 60 requests from the three demo caseworkers (orp.conseiller for LACI/MIP,
ssr.assistante for SAS, smig.conseiller for SMIG), half on their cases and half
under a pseudonym, with desired starts over the eleven months before today and
the next one; about 40 of them placed, the placements whose end has come ended
with an exit reason, a few earlier.
"""

import datetime as dt
import random
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import CaseFile
from cii_platform.access import Capability, access_filter_visible
from cii_platform.accounts.models import User
from measures.models import POSITIVE_EXITS, ExitReason, Measure, MeasureCapacity, PlaceKind, Placement, PlaceRequest
from measures.services.placements import placement_end, placement_start
from measures.services.requests import place_request_sectors_for, place_request_submit

DEMO_REMARK = "Demande de démonstration."
DEMO_SEED = 2026
DEMO_CASEWORKERS = ("orp.conseiller", "ssr.assistante", "smig.conseiller")
DEMO_COORDINATOR = "coord.lmmt"
REQUESTS_PER_CASEWORKER = 20
PLACED_SHARE = 2 / 3
PSEUDONYM_PREFIX = {"orp.conseiller": "ORP", "ssr.assistante": "SSR", "smig.conseiller": "OSAS"}
EARLY_EXITS = [
    ExitReason.FIRST_LABOUR_MARKET,
    ExitReason.TRAINING,
    ExitReason.OTHER_MEASURE,
    ExitReason.HEALTH,
    ExitReason.DROPPED_OUT,
    ExitReason.EXCLUDED,
    ExitReason.MOVED_AWAY,
]


def _offers(years: set[int]) -> dict[tuple[int, str], list[Measure]]:
    """The measures offering places of each kind in each year, by name."""
    offers: dict[tuple[int, str], list[Measure]] = defaultdict(list)
    capacities = (
        MeasureCapacity.objects.filter(year__in=years, places__gt=0)
        .select_related("measure")
        .order_by("measure__name", "measure_id", "place_kind")
    )
    for capacity in capacities:
        offers[(capacity.year, capacity.place_kind)].append(capacity.measure)
    return offers


@transaction.atomic
def load_demo_activity() -> dict[str, int]:
    """Create the demo requests and placements if they are not there yet; return how many were created."""
    created = {"requests": 0, "placements": 0, "ended": 0}
    if PlaceRequest.objects.filter(remarks=DEMO_REMARK).exists():
        return created
    today = timezone.localdate()
    window_start = max(dt.date(today.year, 1, 5), today - dt.timedelta(days=330))
    window_end = today + dt.timedelta(days=30)
    offers = _offers({window_start.year, window_end.year})
    if not offers:
        return created
    caseworkers = [user for user in User.objects.filter(username__in=DEMO_CASEWORKERS).order_by("username")]
    coordinator = User.objects.filter(username=DEMO_COORDINATOR).first()
    rng = random.Random(DEMO_SEED)  # noqa: S311  # demo data, not security
    planned: list[tuple[PlaceRequest, User]] = []
    for user in caseworkers:
        sectors = place_request_sectors_for(user=user)
        if not sectors:
            continue
        cases = list(
            access_filter_visible(user=user, queryset=CaseFile.objects.all(), capability=Capability.CHANGE)
            .filter(Q(closed_at__isnull=True))
            .order_by("id")[: REQUESTS_PER_CASEWORKER // 2]
        )
        for number in range(REQUESTS_PER_CASEWORKER):
            span = (window_end - window_start).days
            desired_start = window_start + dt.timedelta(days=rng.randrange(span + 1))
            kinds = [kind for kind in PlaceKind.values if offers.get((desired_start.year, kind))]
            if not kinds:
                continue
            kind = rng.choice(kinds)
            candidates = [m for m in offers[(desired_start.year, kind)] if m.is_active_on(desired_start)]
            if not candidates:
                continue
            preferences = rng.sample(candidates, k=min(len(candidates), rng.choice((1, 2, 3, 3))))
            case = cases[number] if number < len(cases) and number % 2 == 0 else None
            try:
                place_request = place_request_submit(
                    requested_by=user,
                    sector=rng.choice(sectors),
                    place_kind=kind,
                    priority="urgent" if rng.random() < 0.25 else "normal",
                    desired_start=desired_start,
                    preferences=preferences,
                    remarks=DEMO_REMARK,
                    case=case,
                    pseudonym="" if case else f"{PSEUDONYM_PREFIX.get(user.username, 'DEMO')}-{number + 1:02d}",
                )
            except ValidationError:
                continue
            created["requests"] += 1
            if rng.random() < PLACED_SHARE:
                planned.append((place_request, user))
    # Placements in order of start, so that each start finds the places its predecessors left.
    planned.sort(key=lambda item: (item[0].desired_start, item[0].pk))
    for place_request, user in planned:
        by = coordinator or user
        preferences = [preference.measure for preference in place_request.preferences.order_by("rank")]
        starts_on = place_request.desired_start
        months = rng.choice((3, 6, 6, 9, 12))
        planned_end_on = starts_on + dt.timedelta(days=30 * months)
        placement = None
        for measure in preferences:
            try:
                placement = placement_start(
                    place_request=PlaceRequest.objects.get(pk=place_request.pk),
                    measure=measure,
                    starts_on=starts_on,
                    planned_end_on=planned_end_on,
                    by=by,
                )
            except ValidationError:
                continue
            break
        if placement is None:
            continue
        created["placements"] += 1
        early_end = starts_on + dt.timedelta(days=rng.randrange(30, 30 * months))
        reason: str
        if rng.random() < 0.3 and early_end <= today:
            ended_on, reason = early_end, rng.choice(EARLY_EXITS)
        elif planned_end_on <= today:
            ended_on = planned_end_on
            reason = rng.choice([ExitReason.PLANNED_END, ExitReason.PLANNED_END, *POSITIVE_EXITS])
        else:
            continue
        placement_end(
            placement=Placement.objects.get(pk=placement.pk),
            ended_on=ended_on,
            exit_reason=reason,
            by=by,
            expected_version=placement.version,
        )
        created["ended"] += 1
    return created
