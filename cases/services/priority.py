"""The triage priority of a case file, kept on the row so that the queue reads an index.

Priority = points + one point per 30 days of waiting. Points: benefits from two
(3 points) or three (5 points) of AC/AI/AS; one point per dimension scored 3 in
the latest assessment; two points per transfer of the person between services in
the last 12 months. Waiting time grows for every case at the same pace, so the
stored sort key `points × 30 − day the case was signalled` orders the queue
exactly as the priority does, without a daily recomputation; only the points are
refreshed when what they count changes (and daily, for transfers ageing out).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import CaseFile, Participation

DAYS_PER_POINT = 30
TRANSFER_WINDOW = dt.timedelta(days=365)
EPOCH = dt.date(2000, 1, 1)


def benefit_points(case: CaseFile) -> int:
    systems = sum((case.receives_unemployment, case.receives_disability, case.receives_social_assistance))
    return {2: 3, 3: 5}.get(systems, 0)


def high_dimension_count(case: CaseFile) -> int:
    """Dimensions scored 3 in the case's latest assessment (0 without assessment)."""
    from cases.selectors.assessments import high_scores_by_case  # the selectors import the services

    return high_scores_by_case(case_ids=[case.pk])[case.pk]


def transfers_last_12_months(case: CaseFile, *, today: dt.date | None = None) -> int:
    """Hand-offs of the person between services in the last 12 months.

    Every lead role taken for this person (a new case file in another service, or a
    hand-over of the lead) after the first one counts as one transfer.
    """
    since = timezone.now() - TRANSFER_WINDOW if today is None else _start_of(today - TRANSFER_WINDOW)
    leads = Participation.objects.filter(
        case__person_id=case.person_id, role=Participation.Role.LEAD, started_at__gte=since
    ).aggregate(count=Count("id"))
    earlier = Participation.objects.filter(
        case__person_id=case.person_id, role=Participation.Role.LEAD, started_at__lt=since
    ).exists()
    return max(leads["count"] - (0 if earlier else 1), 0)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def priority_key(points: int, opened_at: dt.datetime) -> int:
    opened_day = (timezone.localtime(opened_at).date() - EPOCH).days
    return points * DAYS_PER_POINT - opened_day


@transaction.atomic
def case_priority_refresh(*, case: CaseFile) -> CaseFile:
    """Recompute the points and sort key of `case` from its benefits, latest assessment and transfers.

    Does not change `version`: the priority is derived data, not an edit of the case.
    """
    points = benefit_points(case) + high_dimension_count(case) + 2 * transfers_last_12_months(case)
    key = priority_key(points, case.opened_at)
    if (case.priority_points, case.priority_key) != (points, key):
        CaseFile.objects.filter(pk=case.pk).update(priority_points=points, priority_key=key)
        case.priority_points, case.priority_key = points, key
    return case


def cases_priority_refresh_all(*, statuses: tuple[str, ...] = ("reported", "assessment")) -> int:
    """Refresh every waiting case (the daily job, for transfers leaving the 12-month window)."""
    refreshed = 0
    for case in CaseFile.objects.filter(Q(status__in=statuses)).iterator(chunk_size=500):
        case_priority_refresh(case=case)
        refreshed += 1
    return refreshed
