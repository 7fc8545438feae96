"""The triage priority of a case file, kept on the row so that the queue reads an index.

Priority = points + one point per 30 days of waiting. Points: benefits from two
(3 points) or three (5 points) of AC/AI/AS; one point per dimension scored 3 in
the latest assessment; two points per hand-off of the person between unemployment
insurance, disability insurance and social assistance in the last 12 months, as
the revolving-door index counts them (`cases.selectors.revolving_door`, the one
definition the queue's flag, the person's page and the indicators share).
Waiting time grows for every case at the same pace, so the
stored sort key `points × 30 − day the case was signalled` orders the queue
exactly as the priority does, without a daily recomputation; only the points are
refreshed when what they count changes (and daily, for transfers ageing out).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import CaseFile

DAYS_PER_POINT = 30
EPOCH = dt.date(2000, 1, 1)


def benefit_points(case: CaseFile) -> int:
    systems = sum((case.receives_unemployment, case.receives_disability, case.receives_social_assistance))
    return {2: 3, 3: 5}.get(systems, 0)


def high_dimension_count(case: CaseFile) -> int:
    """Dimensions scored 3 in the case's latest assessment (0 without assessment)."""
    from cases.selectors.assessments import high_scores_by_case  # the selectors import the services

    return high_scores_by_case(case_ids=[case.pk])[case.pk]


def transfers_last_12_months(case: CaseFile, *, today: dt.date | None = None) -> int:
    """Hand-offs of the case's person between AC, AI and AS in the 12 months up to `today`.

    The revolving-door index's `hops_last_12_months` (see `cases.selectors.revolving_door`).
    """
    from cases.selectors.revolving_door import revolving_door_by_person  # the selectors import the services

    return revolving_door_by_person(person_ids=[case.person_id], today=today)[case.person_id].hops_last_12_months


def priority_key(points: int, opened_at: dt.datetime) -> int:
    opened_day = (timezone.localtime(opened_at).date() - EPOCH).days
    return points * DAYS_PER_POINT - opened_day


@transaction.atomic
def case_priority_refresh(*, case: CaseFile) -> CaseFile:
    """Recompute the points and sort key of `case` from its benefits, latest assessment and transfers.

    Stores with them what they count (dimensions scored 3, transfers in 12 months)
    and the person's revolving-door flag, which the queue shows from the row.
    Does not change `version`: the priority is derived data, not an edit of the case.
    """
    from cases.selectors.revolving_door import revolving_door_by_person  # the selectors import the services

    door = revolving_door_by_person(person_ids=[case.person_id])[case.person_id]
    high = high_dimension_count(case)
    points = benefit_points(case) + high + 2 * door.hops_last_12_months
    values = {
        "priority_points": points,
        "priority_key": priority_key(points, case.opened_at),
        "priority_high_dimensions": high,
        "priority_transfers": door.hops_last_12_months,
        "revolving_door": door.flagged,
    }
    if any(getattr(case, field) != value for field, value in values.items()):
        CaseFile.objects.filter(pk=case.pk).update(**values)
        for field, value in values.items():
            setattr(case, field, value)
    return case


@transaction.atomic
def person_cases_priority_refresh(*, person_id: int, statuses: tuple[str, ...] = ("reported", "assessment")) -> int:
    """Refresh the waiting cases of person `person_id`: a new lead role changes the transfers of all of them."""
    refreshed = 0
    for case in CaseFile.objects.filter(person_id=person_id, status__in=statuses).order_by("id"):
        case_priority_refresh(case=case)
        refreshed += 1
    return refreshed


def cases_priority_refresh_all(*, statuses: tuple[str, ...] = ("reported", "assessment")) -> int:
    """Refresh every waiting case (the daily job, for transfers leaving the 12-month window)."""
    refreshed = 0
    for case in CaseFile.objects.filter(Q(status__in=statuses)).iterator(chunk_size=500):
        case_priority_refresh(case=case)
        refreshed += 1
    return refreshed
