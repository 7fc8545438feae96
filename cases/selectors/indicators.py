"""Result indicators of the case files over a period, and the follow-up checks after a positive exit.

Indicators
----------
Every figure describes one *cohort*: the case files signalled between `date_from`
and `date_to` (both included, Neuchâtel days), in their state today. This is how
the programme documents count ("383 CM FP files since 2009: 127 ongoing, 256
closed"), and it keeps the figures of a table consistent with each other:
signalled = ongoing + ended, ended = out of criteria + closed with an outcome.

Who sees what: a caseworker or a member of the coordination group sees the
figures of the case files their service may see (`cii_platform.access`); a member
of the GP CII sees the canton's; anyone else gets a 404 (`indicator_scope`). The
page shows aggregates only, never a name or a reference.

Small cells: a count of 1 or 2 is shown as "< 3" (`SUPPRESSED`), totals included
(a total of two cases tells as much about them as any cell). A cell hidden alone
in a sum would come back by subtraction (total − the other cells), so whenever a
sum (a row's total over its columns, or a parent row over its child rows) hides
exactly one of its cells, the smallest other non-zero cell is hidden as well
("masqué", not "< 3": it is not small itself), until no hidden cell can be
recomputed. A median, an average or a share computed over fewer than three cases
is hidden too. Zero is shown: it identifies nobody.

Cost: a fixed number of queries whatever the number of cases: one grouped query
for the counts, one for the hand-offs, one for the follow-up answers, two for
the persons the revolving-door index flags (`cases.selectors.revolving_door`, as
in the triage queue) and one window query per median and breakdown (the two
middle values of each group only).

Follow-up after exit
--------------------
`follow_up_due_page` lists the unanswered checks due (or due within two weeks) of
the case files the user's service may change, oldest first; `follow_up_get_for_recording`
reads one of them for its answer page.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import Http404, HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases.models import (
    POSITIVE_OUTCOMES,
    CaseFile,
    CaseStatus,
    FollowUpCheck,
    Meeting,
    Outcome,
    OutOfCriteriaReason,
    Participation,
    Programme,
    StatusChange,
)
from cases.selectors.revolving_door import revolving_door_flagged_persons
from cii_platform.access import Capability, access_filter_visible, access_get_or_404
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

THRESHOLD = 3
SUPPRESSED = "< 3"
ONGOING_STATUSES = (CaseStatus.REPORTED, CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN, CaseStatus.FOLLOW_UP)
# A case is "accepted" once it went past the signalement: into the evaluation or beyond.
ACCEPTED_STATUSES = (CaseStatus.ASSESSMENT, CaseStatus.ACTION_PLAN, CaseStatus.FOLLOW_UP, CaseStatus.CLOSED)
LASTING_MONTHS = (6, 12)
POSITIVE = [outcome for outcome in Outcome if outcome in POSITIVE_OUTCOMES]
OTHER_OUTCOMES = [outcome for outcome in Outcome if outcome not in POSITIVE_OUTCOMES]


# -- Who sees the indicators -------------------------------------------------------


class IndicatorScope(StrEnum):
    CANTON = "canton"  # every case file of the canton (GP CII: aggregates only)
    SERVICE = "service"  # the case files the user's service may see


def indicator_scope(*, user: User | None) -> IndicatorScope | None:
    """Which case files `user`'s indicators count, or None when the page is not for them (404)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.has_role(Role.GP_CII):
        return IndicatorScope.CANTON
    if user.has_role(Role.CASEWORKER) or user.has_role(Role.COORDINATION_GROUP):
        return IndicatorScope.SERVICE
    return None


def _scope_cases(*, user: User, scope: IndicatorScope) -> QuerySet[CaseFile]:
    if scope == IndicatorScope.CANTON:
        return CaseFile.objects.all()
    return access_filter_visible(user=user, queryset=CaseFile.objects.all())


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def indicator_cohort(
    *, user: User, scope: IndicatorScope, date_from: dt.date, date_to: dt.date, programme: Programme | None = None
) -> QuerySet[CaseFile]:
    """The case files of the scope signalled from `date_from` to `date_to` (included), unordered."""
    cohort = _scope_cases(user=user, scope=scope).filter(
        opened_at__gte=_start_of(date_from), opened_at__lt=_start_of(date_to + dt.timedelta(days=1))
    )
    if programme is not None:
        cohort = cohort.filter(programme=programme)
    return cohort.order_by()


# -- Raw figures -----------------------------------------------------------------------

GroupKey = tuple[int, int]  # (programme id, lead service id)


def _reason_key(reason: str) -> str:
    return f"reason_{reason}"


def _outcome_key(outcome: str) -> str:
    return f"outcome_{outcome}"


def _count_figures(cohort: QuerySet[CaseFile]) -> dict[GroupKey, dict[str, int]]:
    """The additive counts of `cohort` per (programme, lead service), in one grouped query."""
    accepted = Exists(StatusChange.objects.filter(case=OuterRef("pk"), to_status__in=ACCEPTED_STATUSES))
    closed = Q(status=CaseStatus.CLOSED)
    out = Q(status=CaseStatus.OUT_OF_CRITERIA)
    aggregates: dict[str, Any] = {
        "signalled": Count("id"),
        "accepted": Count("id", filter=Q(accepted)),
        "ongoing": Count("id", filter=Q(status__in=ONGOING_STATUSES)),
        "out_of_criteria": Count("id", filter=out),
        "closed": Count("id", filter=closed),
        **{_reason_key(r): Count("id", filter=out & Q(out_of_criteria_reason=r)) for r in OutOfCriteriaReason},
        **{_outcome_key(o): Count("id", filter=closed & Q(outcome=o)) for o in Outcome},
    }
    figures: dict[GroupKey, dict[str, int]] = {}
    for row in cohort.values("programme_id", "lead_service_id").annotate(**aggregates):
        key = (row.pop("programme_id"), row.pop("lead_service_id"))
        row["ended"] = row["out_of_criteria"] + row["closed"]
        row["solutions"] = sum(row[_outcome_key(o)] for o in POSITIVE)
        figures[key] = row
    return figures


def _revolving_door_figures(cohort: QuerySet[CaseFile], *, on: dt.date) -> dict[GroupKey, int]:
    """Case files of `cohort` whose person the revolving-door index flags on day `on`, per group (two queries)."""
    flagged = revolving_door_flagged_persons(cases=cohort, today=on)
    figures: dict[GroupKey, int] = defaultdict(int)
    for person_id, programme_id, lead_service_id in cohort.values_list("person_id", "programme_id", "lead_service_id"):
        if person_id in flagged:
            figures[(programme_id, lead_service_id)] += 1
    return dict(figures)


def _handoff_figures(cohort: QuerySet[CaseFile]) -> dict[GroupKey, int]:
    """Hand-offs of the lead (lead participations beyond each case's first) per group, in one query."""
    rows = (
        Participation.objects.filter(role=Participation.Role.LEAD, case__in=cohort.values("pk"))
        .order_by()
        .values("case__programme_id", "case__lead_service_id")
        .annotate(leads=Count("id"), cases=Count("case_id", distinct=True))
    )
    return {(row["case__programme_id"], row["case__lead_service_id"]): row["leads"] - row["cases"] for row in rows}


def _follow_up_figures(cohort: QuerySet[CaseFile]) -> dict[GroupKey, dict[str, int]]:
    """Answered 6- and 12-month checks, and how many say "still integrated", per group, in one query."""
    rows = (
        FollowUpCheck.objects.filter(
            case__in=cohort.values("pk"), months_after__in=LASTING_MONTHS, still_integrated__isnull=False
        )
        .order_by()
        .values("case__programme_id", "case__lead_service_id", "months_after")
        .annotate(answered=Count("id"), integrated=Count("id", filter=Q(still_integrated=True)))
    )
    figures: dict[GroupKey, dict[str, int]] = defaultdict(dict)
    for row in rows:
        key = (row["case__programme_id"], row["case__lead_service_id"])
        figures[key][f"answered_{row['months_after']}"] = row["answered"]
        figures[key][f"integrated_{row['months_after']}"] = row["integrated"]
    return figures


@dataclass(frozen=True)
class Median:
    days: float | None
    count: int  # how many cases the median is taken over


def _days_since_signalement(later: Any) -> ExpressionWrapper:
    return ExpressionWrapper(later - TruncDate("opened_at"), output_field=DurationField())


def _duration_values(cohort: QuerySet[CaseFile]) -> QuerySet[CaseFile]:
    """Closed cases with `value` = days from signalement to closure."""
    return cohort.filter(status=CaseStatus.CLOSED, closed_at__isnull=False).annotate(
        value=_days_since_signalement(TruncDate("closed_at"))
    )


def _first_meeting_values(cohort: QuerySet[CaseFile]) -> QuerySet[CaseFile]:
    """Cases with a network meeting, with `value` = days from signalement to the first one."""
    first_meeting = Meeting.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(first=Min("held_on"))
    return (
        cohort.annotate(first_meeting=Subquery(first_meeting.values("first")[:1], output_field=DateField()))
        .filter(first_meeting__isnull=False)
        .annotate(value=_days_since_signalement(F("first_meeting")))
    )


def _medians(values: QuerySet[CaseFile], partition: str | None) -> dict[int | None, Median]:
    """The median of `value` per `partition` (None: over everything), in one query.

    A window numbers the values of each group and counts them; only the one or two
    middle rows of each group leave the database (rows n/2 … n/2 + 1, integer halves).
    """
    partition_by = [F(partition)] if partition else []
    middle = (
        values.filter(Q(value__isnull=False))
        .annotate(
            position=Window(RowNumber(), partition_by=partition_by, order_by=[F("value").asc(), F("id").asc()]),
            size=Window(Count("id"), partition_by=partition_by),
        )
        .filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
        .values_list(partition or "id", "value", "size")
    )
    found: dict[int | None, list[dt.timedelta]] = defaultdict(list)
    sizes: dict[int | None, int] = {}
    for group, value, size in middle:
        key = group if partition else None
        found[key].append(value)
        sizes[key] = size
    return {
        key: Median(days=sum(value.days for value in middles) / len(middles), count=sizes[key])
        for key, middles in found.items()
    }


# -- Tables ----------------------------------------------------------------------------


class RowKind(StrEnum):
    COUNT = "count"
    DAYS = "days"
    RATIO = "ratio"
    SHARE = "share"


@dataclass
class Cell:
    """One figure of a table; `value` None means nothing to measure (shown as a dash)."""

    value: float | None
    kind: RowKind
    suppressed: bool = False
    # Hidden although not small itself: it would give a small cell away by subtraction.
    complementary: bool = False
    basis: int = 0  # for a median, an average or a share: how many cases or checks it is taken over

    @property
    def display(self) -> str:
        if self.complementary:
            return _("masqué")
        if self.suppressed:
            return SUPPRESSED
        if self.value is None:
            return "—"
        if self.kind == RowKind.COUNT:
            return formats.number_format(int(self.value), use_l10n=True, force_grouping=True)
        if self.kind == RowKind.DAYS:
            return _("%(days)s j") % {"days": formats.number_format(round(self.value), use_l10n=True)}
        if self.kind == RowKind.RATIO:
            return formats.number_format(self.value, 2, use_l10n=True)
        return _("%(percent)s %%") % {"percent": formats.number_format(round(self.value), use_l10n=True)}


@dataclass
class Row:
    key: str
    label: str
    kind: RowKind
    level: int  # 0 main figure, 1 part of the row above, 2 part of a part
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    key: int | None  # None: the total column
    label: str


@dataclass
class IndicatorTable:
    caption: str
    columns: list[Column]
    rows: list[Row]

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    def figure(self, key: str, column: int = 0) -> str:
        """What the page shows for row `key` in `column` (0 = total)."""
        return self.row(key).cells[column].display


@dataclass(frozen=True)
class IndicatorReport:
    scope: IndicatorScope
    date_from: dt.date
    date_to: dt.date
    programme: Programme | None
    by_service: IndicatorTable
    by_programme: IndicatorTable | None  # None when one programme is chosen


def _row_specs() -> list[tuple[str, str, RowKind, int]]:
    """(key, label, kind, level) of every row, in the order of the page."""
    return [
        ("signalled", _("Dossiers signalés"), RowKind.COUNT, 0),
        ("accepted", _("Admis (passés en évaluation ou au-delà)"), RowKind.COUNT, 0),
        ("ongoing", _("En cours"), RowKind.COUNT, 0),
        ("ended", _("Terminés (clôturés ou hors critères)"), RowKind.COUNT, 0),
        ("out_of_criteria", _("dont hors critères"), RowKind.COUNT, 1),
        *((_reason_key(r.value), str(r.label), RowKind.COUNT, 2) for r in OutOfCriteriaReason),
        ("closed", _("dont clôturés avec une issue"), RowKind.COUNT, 1),
        *((_outcome_key(o.value), str(o.label), RowKind.COUNT, 2) for o in Outcome),
        ("solutions", _("Solutions (issues positives)"), RowKind.COUNT, 0),
        ("median_duration", _("Durée médiane, du signalement à la clôture"), RowKind.DAYS, 0),
        ("median_first_meeting", _("Délai médian, du signalement à la première séance de réseau"), RowKind.DAYS, 0),
        ("handoffs_per_case", _("Transferts du pilotage par dossier (moyenne)"), RowKind.RATIO, 0),
        ("revolving_door", _("Dossiers dont la personne est prise dans l'effet tourniquet"), RowKind.COUNT, 0),
        ("lasting_6", _("Toujours en emploi ou en formation 6 mois après une solution"), RowKind.SHARE, 0),
        ("lasting_12", _("Toujours en emploi ou en formation 12 mois après une solution"), RowKind.SHARE, 0),
    ]


def _families() -> list[tuple[str, list[str]]]:
    """Rows that are the sum of other rows (parent, parts): hiding must hold across each sum."""
    return [
        ("signalled", ["ongoing", "ended"]),
        ("ended", ["out_of_criteria", "closed"]),
        ("out_of_criteria", [_reason_key(r.value) for r in OutOfCriteriaReason]),
        ("closed", [_outcome_key(o.value) for o in Outcome]),
        ("solutions", [_outcome_key(o.value) for o in POSITIVE]),
        ("closed", ["solutions", *(_outcome_key(o.value) for o in OTHER_OUTCOMES)]),
    ]


def suppress_small_counts(
    values: Sequence[Sequence[int]], sums: Iterable[tuple[tuple[int, int], list[tuple[int, int]]]]
) -> set[tuple[int, int]]:
    """The (row, column) cells of `values` to hide: counts of 1 or 2, and what would reveal them.

    `sums` lists (total cell, part cells) whose parts add up to the total. Whenever
    exactly one cell of such a sum is hidden, it could be recomputed from the
    others: the smallest non-zero visible part (or else the total) is hidden too.
    Repeated until no sum gives a hidden cell away; it ends, since each pass hides
    a cell more or stops.
    """
    hidden = {
        (row, column) for row, line in enumerate(values) for column, value in enumerate(line) if 0 < value < THRESHOLD
    }
    sums = list(sums)

    def value(cell: tuple[int, int]) -> int:
        return values[cell[0]][cell[1]]

    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            members = [total, *parts]
            if sum(cell in hidden for cell in members) != 1:
                continue
            candidates = [cell for cell in parts if cell not in hidden and value(cell) > 0]
            if not candidates and total not in hidden and value(total) > 0:
                candidates = [total]
            if candidates:
                hidden.add(min(candidates, key=lambda cell: (value(cell), cell)))
                changed = True
    return hidden


def _build_table(
    *,
    caption: str,
    columns: list[Column],
    counts: list[dict[str, int]],
    handoffs: list[int],
    follow_ups: list[dict[str, int]],
    durations: list[Median],
    first_meetings: list[Median],
) -> IndicatorTable:
    """A table from the figures of each column (index 0 = total), with small cells hidden."""
    specs = _row_specs()
    count_keys = [key for key, _label, kind, _level in specs if kind == RowKind.COUNT]
    index = {key: position for position, key in enumerate(count_keys)}
    matrix = [[column.get(key, 0) for column in counts] for key in count_keys]
    sums: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
    for row in range(len(count_keys)):  # each row: the total column is the sum of the others
        sums.append(((row, 0), [(row, column) for column in range(1, len(columns))]))
    for parent, parts in _families():  # each column: a parent row is the sum of its parts
        for column in range(len(columns)):
            sums.append(((index[parent], column), [(index[part], column) for part in parts]))
    hidden = suppress_small_counts(matrix, sums)

    rows = []
    for key, label, kind, level in specs:
        cells = []
        for column in range(len(columns)):
            if kind == RowKind.COUNT:
                value = matrix[index[key]][column]
                suppressed = (index[key], column) in hidden
                cells.append(
                    Cell(value=value, kind=kind, suppressed=suppressed, complementary=suppressed and value >= THRESHOLD)
                )
                continue
            cells.append(
                _derived_cell(
                    key=key,
                    signalled=counts[column].get("signalled", 0),
                    handoffs=handoffs[column],
                    follow_up=follow_ups[column],
                    duration=durations[column],
                    first_meeting=first_meetings[column],
                )
            )
        rows.append(Row(key=key, label=label, kind=kind, level=level, cells=cells))
    return IndicatorTable(caption=caption, columns=columns, rows=rows)


def _derived_cell(
    *,
    key: str,
    signalled: int,
    handoffs: int,
    follow_up: dict[str, int],
    duration: Median,
    first_meeting: Median,
) -> Cell:
    """A median, an average or a share; hidden when taken over fewer than three cases."""
    if key in ("median_duration", "median_first_meeting"):
        median = duration if key == "median_duration" else first_meeting
        return Cell(value=median.days, kind=RowKind.DAYS, basis=median.count, suppressed=0 < median.count < THRESHOLD)
    if key == "handoffs_per_case":
        if not signalled:
            return Cell(value=None, kind=RowKind.RATIO)
        return Cell(
            value=handoffs / signalled,
            kind=RowKind.RATIO,
            basis=signalled,
            suppressed=signalled < THRESHOLD,
        )
    months = key.removeprefix("lasting_")
    answered, integrated = follow_up.get(f"answered_{months}", 0), follow_up.get(f"integrated_{months}", 0)
    if not answered:
        return Cell(value=None, kind=RowKind.SHARE)
    return Cell(value=100 * integrated / answered, kind=RowKind.SHARE, basis=answered, suppressed=answered < THRESHOLD)


def _sum_groups(groups: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for figures in groups:
        for key, value in figures.items():
            total[key] += value
    return dict(total)


def _breakdown(
    *,
    caption: str,
    columns: list[Column],
    position: int,
    counts: dict[GroupKey, dict[str, int]],
    handoffs: dict[GroupKey, int],
    follow_ups: dict[GroupKey, dict[str, int]],
    durations: tuple[dict[int | None, Median], dict[int | None, Median]],
    first_meetings: tuple[dict[int | None, Median], dict[int | None, Median]],
) -> IndicatorTable:
    """The table whose columns are the total and each value of the group key at `position`."""

    def belongs(group: GroupKey, column: Column) -> bool:
        return column.key is None or group[position] == column.key

    no_median = Median(days=None, count=0)
    return _build_table(
        caption=caption,
        columns=columns,
        counts=[_sum_groups(v for k, v in counts.items() if belongs(k, column)) for column in columns],
        handoffs=[sum(v for k, v in handoffs.items() if belongs(k, column)) for column in columns],
        follow_ups=[_sum_groups(v for k, v in follow_ups.items() if belongs(k, column)) for column in columns],
        durations=[
            (durations[0] if column.key is None else durations[1]).get(column.key, no_median) for column in columns
        ],
        first_meetings=[
            (first_meetings[0] if column.key is None else first_meetings[1]).get(column.key, no_median)
            for column in columns
        ],
    )


def indicators_compute(
    *, user: User, date_from: dt.date, date_to: dt.date, programme: Programme | None = None
) -> IndicatorReport:
    """The indicators of the cases signalled from `date_from` to `date_to` that `user` may count.

    Raises Http404 for a user the indicators are not for (see `indicator_scope`).
    Columns: the total, then each lead service (and, unless `programme` is given,
    a second table by programme). See the module docstring for the definitions.
    """
    scope = indicator_scope(user=user)
    if scope is None:
        raise Http404
    cohort = indicator_cohort(user=user, scope=scope, date_from=date_from, date_to=date_to, programme=programme)
    counts = _count_figures(cohort)
    # The index at the end of the period: was the person caught in the revolving door then.
    for key, flagged in _revolving_door_figures(cohort, on=min(date_to, timezone.localdate())).items():
        counts.setdefault(key, {})["revolving_door"] = flagged
    handoffs = _handoff_figures(cohort)
    follow_ups = _follow_up_figures(cohort)
    durations, first_meetings = _duration_values(cohort), _first_meeting_values(cohort)
    total = Column(key=None, label=_("Total"))

    services = [Column(key=service.pk, label=service.code.upper()) for service in PartnerService.objects.all()]
    by_service = _breakdown(
        caption=_("Indicateurs par service pilote"),
        columns=[total, *services],
        position=1,
        counts=counts,
        handoffs=handoffs,
        follow_ups=follow_ups,
        durations=(_medians(durations, None), _medians(durations, "lead_service_id")),
        first_meetings=(_medians(first_meetings, None), _medians(first_meetings, "lead_service_id")),
    )
    by_programme = None
    if programme is None:
        programmes = [Column(key=item.pk, label=item.name) for item in Programme.objects.order_by("name")]
        by_programme = _breakdown(
            caption=_("Indicateurs par programme"),
            columns=[total, *programmes],
            position=0,
            counts=counts,
            handoffs=handoffs,
            follow_ups=follow_ups,
            durations=(_medians(durations, None), _medians(durations, "programme_id")),
            first_meetings=(_medians(first_meetings, None), _medians(first_meetings, "programme_id")),
        )
    return IndicatorReport(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        programme=programme,
        by_service=by_service,
        by_programme=by_programme,
    )


# -- Follow-up after exit ----------------------------------------------------------------

FOLLOW_UP_PAGE_SIZE = 50
FOLLOW_UP_HORIZON = dt.timedelta(days=14)


def follow_up_may_record(*, user: User | None) -> bool:
    """Whether the follow-up pages are for `user`: an active caseworker of a service."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.service_id is not None
        and user.has_role(Role.CASEWORKER)
    )


@dataclass
class FollowUpRow:
    check: FollowUpCheck
    overdue: bool


@dataclass(frozen=True)
class FollowUpPage:
    rows: list[FollowUpRow]
    next_cursor: str | None


def parse_follow_up_cursor(cursor: str | None) -> tuple[dt.date, int] | None:
    """`"<YYYY-MM-DD>_<id>"` as (due date, id), or None (first page, or a malformed cursor)."""
    if not cursor:
        return None
    day, _sep, pk = cursor.partition("_")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def follow_up_due_page(
    *, user: User | None, cursor: str | None = None, size: int = FOLLOW_UP_PAGE_SIZE
) -> FollowUpPage:
    """One page of the unanswered checks due by two weeks from today, of the cases `user`'s service may change.

    Oldest due first, by keyset on (due date, id): never counts the whole set; two
    queries whatever the number of checks (the user's groups, the page with its
    cases, persons and programmes). Empty for a user the page is not for.
    """
    if not follow_up_may_record(user=user):
        return FollowUpPage(rows=[], next_cursor=None)
    today = timezone.localdate()
    changeable = access_filter_visible(user=user, queryset=CaseFile.objects.all(), capability=Capability.CHANGE)
    checks = (
        FollowUpCheck.objects.filter(
            checked_on__isnull=True, due_on__lte=today + FOLLOW_UP_HORIZON, case__in=changeable.values("pk")
        )
        .select_related("case", "case__person", "case__programme")
        .order_by("due_on", "id")
    )
    position = parse_follow_up_cursor(cursor)
    if position is not None:
        checks = checks.filter(Q(due_on__gt=position[0]) | Q(due_on=position[0], id__gt=position[1]))
    rows = list(checks[: size + 1])
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = f"{last.due_on.isoformat()}_{last.pk}"
    return FollowUpPage(
        rows=[FollowUpRow(check=check, overdue=check.due_on < today) for check in rows[:size]], next_cursor=next_cursor
    )


def follow_up_get_for_recording(
    *, user: User | None, check_id: int, request: HttpRequest | None = None
) -> FollowUpCheck:
    """The check `check_id` if `user` may record its answer (caseworker, service may change the case), else 404.

    A missing check and a forbidden one answer alike; the refused attempt is
    audited. The read is audited with the person (the page shows their name).
    """
    if not follow_up_may_record(user=user):
        raise Http404
    case_id = FollowUpCheck.objects.filter(pk=check_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Http404
    case = access_get_or_404(
        user=user,
        queryset=CaseFile.objects.select_related("person", "programme", "lead_service"),
        capability=Capability.CHANGE,
        request=request,
        pk=case_id,
    )
    check = FollowUpCheck.objects.get(pk=check_id)
    check.case = case
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=case,
        person_id=str(case.person_id),
        request=request,
        detail={"follow_up_check": check.pk},
    )
    return check


@dataclass(frozen=True)
class FollowUpSection:
    """The follow-up part of a case page."""

    case: CaseFile
    checks: list[FollowUpCheck]
    can_record: bool


def follow_up_section_for(*, user: User | None, case: CaseFile) -> FollowUpSection:
    """The checks of `case` (already read through `case_get_for_reading`), and whether `user` may answer them."""
    checks = list(FollowUpCheck.objects.filter(case=case).select_related("checked_by").order_by("months_after"))
    can_record = bool(getattr(case, "can_change", False)) and follow_up_may_record(user=user)
    return FollowUpSection(case=case, checks=checks, can_record=can_record)
