"""Reading the common evaluation grid and the assessments of a case file.

Every function that takes a `case` expects a case file already read through
`cases.selectors.case_files.case_get_for_reading`, which checks that the user may
see it and audits the read; `high_scores_by_case` expects the ids of a page of case
files the caller got from a visible list. None of them checks access again.

Scales: a "score" dimension goes from 0 (no difficulty) to 3 (major difficulty),
so a higher value is worse; the "percent" dimension (work capacity) goes from 0 to
100, so a higher value is better. Assessments are ordered newest first by
(`assessed_on`, `id`).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _

from cases.models import Assessment, AssessmentScore, CaseFile, GridDimension, GridVersion
from cii_platform.access import Capability, access_can
from cii_platform.accounts.models import Role, User

PERCENT = GridDimension.Kind.PERCENT
HIGH_SCORE = 3
# Two services "diverge" on a 0–3 dimension when their latest scores are 2 or
# more points apart; on the work capacity, when they are 30 percentage points or
# more apart (the same share of the scale, roughly: 2 of 3 points would be 67 %,
# but a 30-point gap in work capacity already changes which measures fit).
DIVERGENCE_POINTS = 2
DIVERGENCE_PERCENT = 30
HISTORY_PAGE_SIZE = 10


# -- The grid ------------------------------------------------------------------


def grid_current() -> GridVersion | None:
    """The grid version in force (None if none is published)."""
    return GridVersion.objects.filter(is_current=True).first()


def grid_current_dimensions() -> list[GridDimension]:
    """The dimensions of the grid version in force, in their order (one query)."""
    return list(GridDimension.objects.filter(version__is_current=True).order_by("position", "id"))


def assessment_may_record(*, user: User | None, case: CaseFile) -> bool:
    """Whether `user` may record an assessment of `case`.

    Needs the caseworker role and a service that may change the case (the lead) or
    view it (a participating service, while its legal basis holds).
    """
    if user is None or not user.is_authenticated or user.service_id is None:
        return False
    if not user.has_role(Role.CASEWORKER):
        return False
    return access_can(user=user, obj=case, capability=Capability.VIEW) or access_can(
        user=user, obj=case, capability=Capability.CHANGE
    )


# -- Values and changes ----------------------------------------------------------


def score_value(score: AssessmentScore) -> int | None:
    """The value of a score row: the percentage for the percent dimension, the 0–3 score otherwise."""
    return score.percent if score.dimension.kind == PERCENT else score.score


def format_value(value: int | None, kind: str) -> str:
    """A value as the pages show it: "2", "60 %" or "" when not scored."""
    if value is None:
        return ""
    return f"{value} %" if kind == PERCENT else str(value)


@dataclass(frozen=True)
class ScoreChange:
    """How a value moved since the previous assessment of the same service."""

    delta: int
    kind: str
    since: dt.date

    @property
    def improved(self) -> bool:
        # Work capacity: more is better. Every other dimension: more is worse.
        return self.delta > 0 if self.kind == PERCENT else self.delta < 0

    @property
    def arrow(self) -> str:
        return "↑" if self.delta > 0 else "↓"

    @property
    def amount(self) -> str:
        sign = "+" if self.delta > 0 else "−"
        if self.kind == PERCENT:
            return _("%(sign)s%(n)d points") % {"sign": sign, "n": abs(self.delta)}
        return f"{sign}{abs(self.delta)}"

    @property
    def text(self) -> str:
        """The change in words, e.g. "s'améliore (−1 depuis le 03.02.2026)"."""
        words = _("s'améliore") if self.improved else _("s'aggrave")
        return _("%(words)s (%(amount)s depuis le %(date)s)") % {
            "words": words,
            "amount": self.amount,
            "date": formats.date_format(self.since, "SHORT_DATE_FORMAT"),
        }


# -- Loading assessments with their scores ---------------------------------------


def _with_scores(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Assessments with their author, service and grid version, and their scores prefetched."""
    return queryset.select_related("service", "author", "version").prefetch_related(
        Prefetch("scores", queryset=AssessmentScore.objects.select_related("dimension"))
    )


def _values_of(assessment: Assessment) -> dict[str, AssessmentScore]:
    """The score rows of a loaded assessment, by dimension code."""
    return {score.dimension.code: score for score in assessment.scores.all()}


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    label: str
    kind: str


def _dimension_specs(current: Sequence[GridDimension], assessments: Sequence[Assessment]) -> list[DimensionSpec]:
    """The rows of a table: the dimensions in force, then any dimension of older grid versions still scored.

    Dimensions are matched across versions by code; the label of the version in force wins.
    """
    specs = {dimension.code: DimensionSpec(dimension.code, dimension.label, dimension.kind) for dimension in current}
    older: dict[str, GridDimension] = {}
    for assessment in assessments:
        for score in assessment.scores.all():
            if score.dimension.code not in specs and score.dimension.code not in older:
                older[score.dimension.code] = score.dimension
    extra = sorted(older.values(), key=lambda dimension: (dimension.position, dimension.code))
    return [*specs.values(), *(DimensionSpec(d.code, d.label, d.kind) for d in extra)]


# -- The history -----------------------------------------------------------------


@dataclass(frozen=True)
class HistoryCell:
    value: int | None
    kind: str
    comment: str = ""
    change: ScoreChange | None = None

    @property
    def display(self) -> str:
        return format_value(self.value, self.kind)


@dataclass(frozen=True)
class HistoryRow:
    code: str
    label: str
    kind: str
    cells: list[HistoryCell]


@dataclass(frozen=True)
class ChartPoint:
    path: str  # an SVG path drawing the marker of the series at this point
    label: str  # the point in words (SVG <title>)


@dataclass(frozen=True)
class ChartSeries:
    service: str
    shape: str
    colour: str
    line: str  # the points of the SVG polyline
    points: list[ChartPoint]
    legend_path: str


@dataclass(frozen=True)
class ScoreChart:
    """A small line chart of the mean 0–3 score per assessment, one line per service."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    series: list[ChartSeries]
    x_labels: list[tuple[int, str]]
    y_ticks: list[tuple[int, str]]
    description: str


@dataclass(frozen=True)
class AssessmentHistory:
    """One page of a case's assessments (newest first) as a table dimensions × assessments."""

    assessments: list[Assessment]
    rows: list[HistoryRow]
    next_cursor: str | None
    chart: ScoreChart | None


def parse_history_cursor(cursor: str | None) -> tuple[dt.date, int] | None:
    """`"<YYYY-MM-DD>_<id>"` as (date, id), or None (first page, or a malformed cursor)."""
    if not cursor:
        return None
    day, _sep, pk = cursor.partition("_")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _older_than(position: tuple[dt.date, int]) -> Q:
    day, pk = position
    return Q(assessed_on__lt=day) | Q(assessed_on=day, id__lt=pk)


def assessment_history(
    *, case: CaseFile, cursor: str | None = None, size: int = HISTORY_PAGE_SIZE
) -> AssessmentHistory:
    """A page of `case`'s assessments after `cursor`, newest first, with each value's change.

    A change compares a value with the previous assessment of the same service (the
    evolution as one service sees it; differences between services are divergences,
    see `assessment_divergences`). Costs at most six queries, whatever the number
    of assessments: the page and its scores, the previous assessment of each
    service outside the page and its scores, the grid in force.
    """
    assessments_qs = _with_scores(Assessment.objects.filter(case=case)).order_by("-assessed_on", "-id")
    position = parse_history_cursor(cursor)
    if position is not None:
        assessments_qs = assessments_qs.filter(_older_than(position))
    page = list(assessments_qs[: size + 1])
    has_more = len(page) > size
    page = page[:size]
    next_cursor = f"{page[-1].assessed_on.isoformat()}_{page[-1].pk}" if has_more else None

    previous = _previous_by_service(case=case, page=page) if has_more else {}
    specs = _dimension_specs(grid_current_dimensions(), page)
    values = {assessment.pk: _values_of(assessment) for assessment in page}
    changes = _changes(page, values, previous)
    rows = []
    for spec in specs:
        cells = []
        for assessment in page:
            score = values[assessment.pk].get(spec.code)
            value = score_value(score) if score is not None else None
            cells.append(
                HistoryCell(
                    value=value,
                    kind=spec.kind,
                    comment=score.comment if score is not None else "",
                    change=changes.get((assessment.pk, spec.code)),
                )
            )
        rows.append(HistoryRow(code=spec.code, label=spec.label, kind=spec.kind, cells=cells))
    return AssessmentHistory(assessments=page, rows=rows, next_cursor=next_cursor, chart=_chart(page, values))


def _previous_by_service(*, case: CaseFile, page: list[Assessment]) -> dict[int, Assessment]:
    """For each service of the page, its latest assessment older than the page (one query, and its scores)."""
    if not page:
        return {}
    boundary = _older_than((page[-1].assessed_on, page[-1].pk))
    latest_older = (
        Assessment.objects.filter(boundary, case_id=case.pk, service_id=OuterRef("service_id"))
        .order_by("-assessed_on", "-id")
        .values("id")[:1]
    )
    rows = _with_scores(
        Assessment.objects.filter(
            boundary,
            case_id=case.pk,
            service_id__in={assessment.service_id for assessment in page},
            id=Subquery(latest_older),
        )
    )
    return {assessment.service_id: assessment for assessment in rows}


def _changes(
    page: list[Assessment], values: dict[int, dict[str, AssessmentScore]], previous: dict[int, Assessment]
) -> dict[tuple[int, str], ScoreChange]:
    """(assessment id, dimension code) → the change since the previous assessment of the same service."""
    last_seen: dict[int, tuple[dt.date, dict[str, AssessmentScore]]] = {
        service_id: (assessment.assessed_on, _values_of(assessment)) for service_id, assessment in previous.items()
    }
    changes: dict[tuple[int, str], ScoreChange] = {}
    for assessment in reversed(page):  # oldest first
        current = values[assessment.pk]
        before = last_seen.get(assessment.service_id)
        if before is not None:
            since, old = before
            for code, score in current.items():
                new_value = score_value(score)
                old_score = old.get(code)
                old_value = score_value(old_score) if old_score is not None else None
                if new_value is not None and old_value is not None and new_value != old_value:
                    changes[(assessment.pk, code)] = ScoreChange(
                        delta=new_value - old_value, kind=score.dimension.kind, since=since
                    )
        last_seen[assessment.service_id] = (assessment.assessed_on, current)
    return changes


# Marker shapes and colours of the chart's series: the shape tells the series
# apart without colour; the colours keep a 4.5:1 contrast on white.
_SERIES_STYLES = [("circle", "#0b4f8a"), ("square", "#7a1020"), ("triangle", "#1d6b33"), ("diamond", "#8a4b00")]
_CHART_WIDTH, _CHART_HEIGHT = 640, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 24, 16, 40


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "square":
        return f"M{x - 4:.1f},{y - 4:.1f}h8v8h-8z"
    if shape == "triangle":
        return f"M{x:.1f},{y - 5:.1f}L{x + 5:.1f},{y + 4:.1f}L{x - 5:.1f},{y + 4:.1f}z"
    if shape == "diamond":
        return f"M{x:.1f},{y - 5:.1f}L{x + 5:.1f},{y:.1f}L{x:.1f},{y + 5:.1f}L{x - 5:.1f},{y:.1f}z"
    return f"M{x - 4:.1f},{y:.1f}a4,4 0 1,0 8,0a4,4 0 1,0 -8,0z"


def _mean_score(scores: dict[str, AssessmentScore]) -> float | None:
    values = [score.score for score in scores.values() if score.dimension.kind != PERCENT and score.score is not None]
    return sum(values) / len(values) if values else None


def _chart(page: list[Assessment], values: dict[int, dict[str, AssessmentScore]]) -> ScoreChart | None:
    """The chart of the page, oldest on the left; None with fewer than two dates to compare."""
    dated: list[tuple[Assessment, float]] = []
    for assessment in reversed(page):
        mean = _mean_score(values[assessment.pk])
        if mean is not None:
            dated.append((assessment, mean))
    days = sorted({assessment.assessed_on for assessment, _mean in dated})
    if len(days) < 2:
        return None
    plot_width = _CHART_WIDTH - _LEFT - _RIGHT
    plot_height = _CHART_HEIGHT - _TOP - _BOTTOM
    x_of = {day: _LEFT + plot_width * index / (len(days) - 1) for index, day in enumerate(days)}

    def y_of(mean: float) -> float:
        return _TOP + plot_height * (HIGH_SCORE - mean) / HIGH_SCORE

    by_service: dict[int, list[tuple[Assessment, float]]] = {}
    for assessment, mean in dated:
        by_service.setdefault(assessment.service_id, []).append((assessment, mean))
    series = []
    described = []
    for index, points in enumerate(by_service.values()):
        shape, colour = _SERIES_STYLES[index % len(_SERIES_STYLES)]
        service = str(points[0][0].service)
        chart_points = []
        words = []
        for assessment, mean in points:
            x, y = x_of[assessment.assessed_on], y_of(mean)
            day = formats.date_format(assessment.assessed_on, "SHORT_DATE_FORMAT")
            mean_text = formats.number_format(mean, 1)
            chart_points.append(
                ChartPoint(
                    path=_marker(shape, x, y),
                    label=_("%(service)s, %(date)s : moyenne %(mean)s")
                    % {"service": service, "date": day, "mean": mean_text},
                )
            )
            words.append(f"{day} {mean_text}")
        series.append(
            ChartSeries(
                service=service,
                shape=shape,
                colour=colour,
                line=" ".join(f"{x_of[assessment.assessed_on]:.1f},{y_of(mean):.1f}" for assessment, mean in points),
                points=chart_points,
                legend_path=_marker(shape, 8, 8),
            )
        )
        described.append(_("%(service)s : %(values)s") % {"service": service, "values": ", ".join(words)})
    return ScoreChart(
        width=_CHART_WIDTH,
        height=_CHART_HEIGHT,
        plot_left=_LEFT,
        plot_right=_CHART_WIDTH - _RIGHT,
        series=series,
        x_labels=[(round(x_of[day]), formats.date_format(day, "SHORT_DATE_FORMAT")) for day in days],
        y_ticks=[(round(y_of(tick)), str(tick)) for tick in range(HIGH_SCORE + 1)],
        description=_("Moyenne des dimensions cotées de 0 à 3, par service et par date. %(series)s.")
        % {"series": " ; ".join(described)},
    )


def assessments_of_case(*, case: CaseFile) -> QuerySet[Assessment]:
    """Every assessment of `case`, newest recorded first, with its service, author, grid version and scores."""
    return _with_scores(Assessment.objects.filter(case=case)).order_by("-id")


def assessment_get(*, case: CaseFile, pk: int) -> Assessment:
    """The assessment `pk` of `case` with its scores (Http404 if it belongs to no such case)."""
    assessment = _with_scores(Assessment.objects.filter(case=case, pk=pk)).first()
    if assessment is None:
        raise Http404
    return assessment


def assessment_rows(*, assessment: Assessment) -> list[tuple[DimensionSpec, AssessmentScore | None]]:
    """Every dimension of the assessment's grid version with its score row (None when not scored)."""
    scores = _values_of(assessment)
    dimensions = GridDimension.objects.filter(version_id=assessment.version_id).order_by("position", "id")
    return [
        (DimensionSpec(dimension.code, dimension.label, dimension.kind), scores.get(dimension.code))
        for dimension in dimensions
    ]


# -- Joint assessment: latest per service and divergences ----------------------------


def _latest_per_service(case: CaseFile) -> list[Assessment]:
    """The latest assessment of each service that assessed `case`, newest first (two queries)."""
    latest = (
        Assessment.objects.filter(case_id=case.pk, service_id=OuterRef("service_id"))
        .order_by("-assessed_on", "-id")
        .values("id")[:1]
    )
    return list(
        _with_scores(Assessment.objects.filter(case_id=case.pk, id=Subquery(latest))).order_by("-assessed_on", "-id")
    )


@dataclass(frozen=True)
class ServiceScore:
    assessment: Assessment
    value: int
    kind: str

    @property
    def display(self) -> str:
        return format_value(self.value, self.kind)


@dataclass(frozen=True)
class Divergence:
    """A dimension on which the latest assessments of two or more services are far apart."""

    code: str
    label: str
    kind: str
    scores: list[ServiceScore]  # highest value first
    spread: int

    @property
    def same_date(self) -> bool:
        """Whether the services scored on the same day (a joint assessment in a network meeting)."""
        return len({score.assessment.assessed_on for score in self.scores}) == 1

    @property
    def spread_display(self) -> str:
        if self.kind == PERCENT:
            return _("%(n)d points de pourcentage") % {"n": self.spread}
        return _("%(n)d points sur 3") % {"n": self.spread}


def _divergences(latest: list[Assessment], specs: list[DimensionSpec]) -> list[Divergence]:
    if len(latest) < 2:
        return []
    values = {assessment.pk: _values_of(assessment) for assessment in latest}
    found = []
    for spec in specs:
        scores = []
        for assessment in latest:
            score = values[assessment.pk].get(spec.code)
            value = score_value(score) if score is not None else None
            if value is not None:
                scores.append(ServiceScore(assessment=assessment, value=value, kind=spec.kind))
        if len(scores) < 2:
            continue
        spread = max(score.value for score in scores) - min(score.value for score in scores)
        threshold = DIVERGENCE_PERCENT if spec.kind == PERCENT else DIVERGENCE_POINTS
        if spread >= threshold:
            scores.sort(key=lambda score: (-score.value, str(score.assessment.service)))
            found.append(Divergence(code=spec.code, label=spec.label, kind=spec.kind, scores=scores, spread=spread))
    return found


def assessment_divergences(*, case: CaseFile) -> list[Divergence]:
    """Dimensions on which the services' latest assessments of `case` diverge, in the grid's order.

    Each service counts with its latest assessment (when they scored together in a
    network meeting, those of the same date, see `Divergence.same_date`). A 0–3
    dimension diverges when two services are `DIVERGENCE_POINTS` or more apart, the
    work capacity when they are `DIVERGENCE_PERCENT` percentage points or more apart.
    Three queries.
    """
    latest = _latest_per_service(case)
    return _divergences(latest, _dimension_specs(grid_current_dimensions(), latest))


@dataclass(frozen=True)
class SummaryRow:
    code: str
    label: str
    kind: str
    cells: list[HistoryCell]  # one per service, in the order of `latest`
    divergent: bool


def assessment_summary_for(*, case: CaseFile, user: User | None = None) -> dict[str, Any]:
    """What the case page shows of the grid: the latest assessment of each service, side by side.

    Keys: `latest` (assessments, newest first), `rows` (dimensions × those
    assessments), `divergences` (see `assessment_divergences`), `can_record`
    (whether `user` may record an assessment). A constant number of queries.
    """
    latest = _latest_per_service(case)
    specs = _dimension_specs(grid_current_dimensions(), latest)
    divergences = _divergences(latest, specs)
    divergent = {divergence.code for divergence in divergences}
    values = {assessment.pk: _values_of(assessment) for assessment in latest}
    rows = []
    for spec in specs:
        cells = []
        for assessment in latest:
            score = values[assessment.pk].get(spec.code)
            cells.append(
                HistoryCell(
                    value=score_value(score) if score is not None else None,
                    kind=spec.kind,
                    comment=score.comment if score is not None else "",
                )
            )
        rows.append(SummaryRow(spec.code, spec.label, spec.kind, cells, spec.code in divergent))
    return {
        "latest": latest,
        "rows": rows,
        "divergences": divergences,
        "can_record": assessment_may_record(user=user, case=case),
    }


# -- For the triage queue ------------------------------------------------------------


def high_scores_by_case(*, case_ids: Sequence[int]) -> dict[int, int]:
    """For each of `case_ids`, the number of dimensions scored 3 in the case's latest assessment.

    One query for the whole page, portable to SQLite and PostgreSQL (a correlated
    sub-query picks each case's latest assessment). Every id given is in the result,
    with 0 for a case without assessment. The ids must come from a list the user may see.
    """
    if not case_ids:
        return {}
    latest = Assessment.objects.filter(case_id=OuterRef("case_id")).order_by("-assessed_on", "-id").values("id")[:1]
    rows = (
        Assessment.objects.filter(case_id__in=list(case_ids), id=Subquery(latest))
        .order_by()
        .values("case_id")
        .annotate(high=Count("scores", filter=Q(scores__score=HIGH_SCORE)))
        .values_list("case_id", "high")
    )
    counts = dict.fromkeys(case_ids, 0)
    counts.update({case_id: high for case_id, high in rows})
    return counts


__all__ = [
    "AssessmentHistory",
    "Divergence",
    "ScoreChange",
    "assessment_divergences",
    "assessment_get",
    "assessment_history",
    "assessment_may_record",
    "assessment_rows",
    "assessment_summary_for",
    "grid_current",
    "grid_current_dimensions",
    "high_scores_by_case",
]
