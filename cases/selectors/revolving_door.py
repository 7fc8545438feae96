"""The revolving-door index ("effet tourniquet") of a person.

Over the last N months (24 by default), the moves of a person between the three
systems, as the lead roles of the person's case files show them: unemployment
insurance (SEMP), disability insurance (OAI) and social assistance (SASO). A lead
role is a `Participation` with the role *lead*, from `started_at` to `ended_at`
(still running when empty); a new case file led by another system and the
hand-over of a case's lead both start one.

- a **hop** (hand-off) is a lead role of one system following a lead role of
  another system; it dates from the start of the new role;
- the **days in each system** are the days of the window covered by its lead
  roles (overlapping roles of one system are counted once);
- a **return** is a hop into a system whose earlier lead role, in the window, had
  already been left;
- the person is **flagged** with two or more hops in the last 12 months, or a
  return in the window.

Lead roles of other services (SMIG, SFPO …) are not moves between these systems
and are left out. Every function reads the lead roles in one query, whatever the
number of persons or roles.
"""

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseFile, Participation, Person

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

# The systems between which moves count, by the code of the service that runs them.
SYSTEMS: dict[str, "StrOrPromise"] = {
    "semp": _("assurance-chômage (AC)"),
    "oai": _("assurance-invalidité (AI)"),
    "saso": _("aide sociale (AS)"),
}
SYSTEM_SHORT: dict[str, str] = {"semp": "AC", "oai": "AI", "saso": "AS"}
DEFAULT_MONTHS = 24
FLAG_WINDOW_MONTHS = 12
FLAG_HOPS = 2


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Stay:
    """One lead role of a system, as dates in Neuchâtel (`ended_on` None while it runs)."""

    system: str
    case_id: int
    started_on: dt.date
    ended_on: dt.date | None

    @property
    def label(self) -> "StrOrPromise":
        return SYSTEMS[self.system]

    @property
    def short(self) -> str:
        return SYSTEM_SHORT[self.system]


@dataclass(frozen=True)
class Hop:
    """A move from one system to another on `on`; `is_return` when the person had already left `to_system`."""

    from_system: str
    to_system: str
    on: dt.date
    is_return: bool

    @property
    def from_short(self) -> str:
        return SYSTEM_SHORT[self.from_system]

    @property
    def to_short(self) -> str:
        return SYSTEM_SHORT[self.to_system]


@dataclass(frozen=True)
class RevolvingDoor:
    """The index of one person over `months` months up to `today` (window starting `since`)."""

    months: int
    today: dt.date
    since: dt.date
    stays: list[Stay] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    hops_last_12_months: int = 0
    days_by_system: dict[str, int] = field(default_factory=dict)

    @property
    def hop_count(self) -> int:
        return len(self.hops)

    @property
    def returns(self) -> int:
        return sum(1 for hop in self.hops if hop.is_return)

    @property
    def flagged(self) -> bool:
        """Two or more hand-offs in the last 12 months, or a return to a system already left."""
        return self.hops_last_12_months >= FLAG_HOPS or self.returns > 0

    @property
    def days(self) -> list[tuple[str, "StrOrPromise", int]]:
        """(code, label, days) of each system the person spent time in during the window, in a fixed order."""
        return [
            (code, label, self.days_by_system[code]) for code, label in SYSTEMS.items() if code in self.days_by_system
        ]


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _days_in_window(stays: list[Stay], since: dt.date, today: dt.date) -> dict[str, int]:
    intervals: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for stay in stays:
        start, end = max(stay.started_on, since), min(stay.ended_on or today, today)
        if end >= start:  # a role started today counts, with 0 days
            intervals[stay.system].append((start, end))
    days: dict[str, int] = {}
    for system, spans in intervals.items():
        total, reach = 0, dt.date.min
        for start, end in sorted(spans):
            start = max(start, reach)
            if end > start:
                total += (end - start).days
                reach = end
        days[system] = total
    return days


def _index(stays: list[Stay], *, months: int, today: dt.date) -> RevolvingDoor:
    since = months_before(today, months)
    flag_since = months_before(today, FLAG_WINDOW_MONTHS)
    hops: list[Hop] = []
    hops_last_12_months = 0
    for position in range(1, len(stays)):
        previous, stay = stays[position - 1], stays[position]
        if stay.system == previous.system:
            continue
        if stay.started_on >= flag_since:
            hops_last_12_months += 1
        if stay.started_on < since:
            continue
        # A return: this system led an earlier role in the window, which had ended by now.
        is_return = any(
            earlier.system == stay.system
            and earlier.ended_on is not None
            and earlier.ended_on >= since
            and earlier.ended_on <= stay.started_on
            for earlier in stays[:position]
        )
        hops.append(Hop(from_system=previous.system, to_system=stay.system, on=stay.started_on, is_return=is_return))
    in_window = [stay for stay in stays if stay.ended_on is None or stay.ended_on >= since]
    return RevolvingDoor(
        months=months,
        today=today,
        since=since,
        stays=in_window,
        hops=hops,
        hops_last_12_months=hops_last_12_months,
        days_by_system=_days_in_window(in_window, since, today),
    )


def lead_stays_by_person(
    *, person_ids: Iterable[int] | QuerySet[CaseFile], case_ids: Iterable[int] | None = None
) -> dict[int, list[Stay]]:
    """The lead roles of the three systems of each person, in the order they started (one query).

    `person_ids` may be a queryset of case files, whose persons are then read in the
    same query (for the indicators' cohorts); only persons with lead roles in the
    three systems are keys then. With `case_ids`, only the lead roles of those case
    files (e.g. the ones a user may see).
    """
    if isinstance(person_ids, QuerySet):
        persons: Any = person_ids.values("person_id")
        stays: dict[int, list[Stay]] = defaultdict(list)
    else:
        persons = set(person_ids)
        if not persons:
            return {}
        stays = {person_id: [] for person_id in persons}
    rows = Participation.objects.filter(
        case__person_id__in=persons, role=Participation.Role.LEAD, service__code__in=list(SYSTEMS)
    )
    if case_ids is not None:
        rows = rows.filter(case_id__in=list(case_ids))
    for person_id, case_id, code, started_at, ended_at in rows.order_by("started_at", "id").values_list(
        "case__person_id", "case_id", "service__code", "started_at", "ended_at"
    ):
        stays[person_id].append(
            Stay(
                system=code,
                case_id=case_id,
                started_on=_local_day(started_at),
                ended_on=_local_day(ended_at) if ended_at is not None else None,
            )
        )
    return dict(stays)


def revolving_door_from_stays(
    *, stays: list[Stay], months: int = DEFAULT_MONTHS, today: dt.date | None = None
) -> RevolvingDoor:
    """The index computed from lead roles already read (see `lead_stays_by_person`)."""
    return _index(stays, months=months, today=today or timezone.localdate())


def revolving_door_by_person(
    *, person_ids: Iterable[int], months: int = DEFAULT_MONTHS, today: dt.date | None = None
) -> dict[int, RevolvingDoor]:
    """The index of each of `person_ids` (for a page of a list, or the indicators): one query in all."""
    day = today or timezone.localdate()
    return {
        person_id: _index(stays, months=months, today=day)
        for person_id, stays in lead_stays_by_person(person_ids=person_ids).items()
    }


def person_revolving_door(
    *, person: Person, months: int = DEFAULT_MONTHS, today: dt.date | None = None
) -> RevolvingDoor:
    """The revolving-door index of `person` over the last `months` months up to `today` (Neuchâtel).

    Counts every lead role of the person's case files, whoever may see them: the
    caller decides what of it to show (see `cases.selectors.journal.case_collaboration_for`).
    """
    return revolving_door_by_person(person_ids=[person.pk], months=months, today=today)[person.pk]


def revolving_door_flagged_persons(*, cases: QuerySet[CaseFile], today: dt.date | None = None) -> set[int]:
    """The persons of `cases` flagged by their revolving-door index today (one query, for the indicators)."""
    day = today or timezone.localdate()
    return {
        person_id
        for person_id, stays in lead_stays_by_person(person_ids=cases).items()
        if _index(stays, months=DEFAULT_MONTHS, today=day).flagged
    }
