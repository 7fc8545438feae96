"""Reading the network meetings (séances de réseau) of a case file.

Every function that takes a `case` expects a case file already read through
`cases.selectors.case_files.case_get_for_reading` or
`cases.selectors.action_plans.action_plan_case_get`; none checks access again.
`first_meeting_dates` serves the indicators: its caller passes the ids of case
files it has already restricted to what the user may see.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Min, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cases.models import Assessment, CaseFile, Meeting, Task
from cases.selectors.action_plans import action_plan_may_write, task_sort_key, tasks_mark
from cases.selectors.assessments import assessment_may_record
from cii_platform.accounts.models import User
from cii_platform.core.pagination import KeysetPage, keyset_page
from cii_platform.partners.models import PartnerService

MEETING_PAGE_SIZE = 20


def first_meeting_dates(*, case_ids: Iterable[int] | QuerySet[Any]) -> dict[int, dt.date]:
    """The date of the first network meeting of each case of `case_ids` that had one (one query).

    `case_ids` may be a list or a queryset of ids (then used as a sub-query, so a
    large population is never pulled into Python). Cases without a meeting are absent.
    """
    ids = case_ids if isinstance(case_ids, QuerySet) else list(case_ids)
    rows = (
        Meeting.objects.filter(case_id__in=ids)
        .order_by()  # the model's default ordering would join the GROUP BY
        .values("case_id")
        .annotate(first=Min("held_on"))
        .values_list("case_id", "first")
    )
    return dict(rows)


def _meetings_of(case: CaseFile) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(case=case)
        .annotate(commitment_count=Count("commitments"))
        .prefetch_related(
            Prefetch("services", queryset=PartnerService.objects.order_by("name"), to_attr="service_list")
        )
    )


def meetings_recent(*, case: CaseFile, limit: int) -> tuple[list[Meeting], bool]:
    """The `limit` latest meetings of `case` (by date held), and whether there are older ones (two queries).

    Each meeting carries `service_list` and `commitment_count`.
    """
    rows = list(_meetings_of(case).order_by("-held_on", "-id")[: limit + 1])
    return rows[:limit], len(rows) > limit


def meeting_page_for_case(*, case: CaseFile, after: str | None, size: int = MEETING_PAGE_SIZE) -> KeysetPage[Meeting]:
    """One page of the meetings of `case`, in the order they were recorded, newest first (keyset, no count)."""
    return keyset_page(_meetings_of(case), after=after, size=size)


def meeting_get_for_case(*, case: CaseFile, pk: int) -> Meeting:
    """The meeting `pk` of `case` with who recorded it and its attending staff, or Http404."""
    meeting = (
        Meeting.objects.filter(case=case, pk=pk)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=User.objects.select_related("service").order_by("last_name", "first_name", "id"),
                to_attr="participant_list",
            )
        )
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def meeting_detail_for(*, user: User | None, case: CaseFile, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows: the meeting, its commitments and the joint assessment.

    Keys: `case`, `meeting`, `may_write`; `commitments` (the tasks taken in the
    meeting, each with `is_overdue`, `days_late`, `can_settle`); `joint` (one row per
    service present: `service`, `latest_id` and `latest_on` of its latest assessment
    of the case, `since_meeting` when that assessment is dated on or after the
    meeting, `can_record` when the user may record the assessment of that service
    now). A fixed number of queries whatever the number of services and tasks.
    """
    today = timezone.localdate()
    may_write = getattr(case, "may_write", None)
    if may_write is None:
        may_write = action_plan_may_write(user=user, case=case)
    commitments = sorted(
        Task.objects.filter(meeting=meeting).select_related("assigned_service", "assigned_to", "goal"),
        key=task_sort_key,
    )
    tasks_mark(commitments, user=user, case=case, may_write=may_write, today=today)
    latest = Assessment.objects.filter(case=case, service=OuterRef("pk")).order_by("-assessed_on", "-id")
    services = list(
        meeting.services.annotate(
            latest_id=Subquery(latest.values("id")[:1]), latest_on=Subquery(latest.values("assessed_on")[:1])
        ).order_by("name")
    )
    user_service = user.service_id if user is not None and user.is_authenticated else None
    may_record = user_service is not None and assessment_may_record(user=user, case=case)
    joint = [
        {
            "service": service,
            "latest_id": service.latest_id,  # type: ignore[attr-defined]
            "latest_on": service.latest_on,  # type: ignore[attr-defined]
            "since_meeting": service.latest_on is not None  # type: ignore[attr-defined]
            and service.latest_on >= meeting.held_on,  # type: ignore[attr-defined]
            "can_record": may_record and service.pk == user_service,
        }
        for service in services
    ]
    return {
        "case": case,
        "meeting": meeting,
        "may_write": may_write,
        "commitments": commitments,
        "joint": joint,
        "service_list": services,
    }
