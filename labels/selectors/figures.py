"""The label's figures: internship days, interns, finished internships and hires, per company and per edition.

Definitions (shown next to the figures on the pages):

* **internship days** of an internship in a reference period: the weekdays (Monday to Friday) of
  the internship inside the period, both ends included; public holidays are not deducted (they
  differ by canton and by company);
* **interns** of a company: its internships that overlap the period;
* **finished**: those with `finished` whose (actual) end lies inside the period;
* **hired**: those of *finished* whose intern was employed on the last day;
* **reinsertion rate** = hired ÷ finished (None when nothing finished).

An internship across two reference periods counts its weekdays in each period separately; it
counts as an intern in both, and as finished (and hired) only in the period where it ended.

A published edition's figures are read from what was frozen at publication (`EditionFigures` and
the `RankingEntry` rows), never recomputed: editing an internship afterwards changes nothing there.
The figures of an edition not yet published are computed live from the internships.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from labels.models import Canton, Edition, EditionFigures, Internship, RankingEntry

ONE_DAY = dt.timedelta(days=1)
RATE_PLACES = Decimal("0.000001")
PERCENT_PLACES = Decimal("0.01")


def internship_days(starts_on: dt.date, ends_on: dt.date, period: tuple[dt.date, dt.date]) -> int:
    """The weekdays (Mon–Fri) of the internship [starts_on, ends_on] inside `period` (both ends included).

    0 when the internship and the period do not overlap.
    """
    first = max(starts_on, period[0])
    last = min(ends_on, period[1])
    if last < first:
        return 0
    # busday_count counts [begin, end): the day after `last` makes the end inclusive.
    return int(np.busday_count(first, last + ONE_DAY))


@dataclass(frozen=True)
class CompanyFigures:
    """A company's figures over a reference period (see the module's definitions)."""

    company_id: int
    internship_days: int = 0
    interns: int = 0
    finished: int = 0
    hired: int = 0

    @property
    def reinsertion_rate(self) -> Decimal | None:
        return rate(self.hired, self.finished)


def rate(hired: int, finished: int) -> Decimal | None:
    """hired ÷ finished to six decimals (half up), None when nothing finished."""
    if not finished:
        return None
    return (Decimal(hired) / Decimal(finished)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def company_figures(
    *, period_start: dt.date, period_end: dt.date, company_ids: Iterable[int] | None = None
) -> dict[int, CompanyFigures]:
    """The figures of each company that hosted an intern in the period, by company id (one query).

    With `company_ids`, only those companies (a company of the list without internship in the
    period is absent from the result, as it would be without the filter). The internships of the
    period are read in a single query whatever the number of companies.
    """
    internships = Internship.objects.filter(starts_on__lte=period_end, ends_on__gte=period_start)
    if company_ids is not None:
        internships = internships.filter(company_id__in=list(company_ids))
    period = (period_start, period_end)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    rows = internships.order_by().values_list("company_id", "starts_on", "ends_on", "finished", "employed_on_last_day")
    for company_id, starts_on, ends_on, finished, employed in rows:
        figures = totals[company_id]
        figures[0] += internship_days(starts_on, ends_on, period)
        figures[1] += 1
        if finished and period_start <= ends_on <= period_end:
            figures[2] += 1
            if employed:
                figures[3] += 1
    return {
        company_id: CompanyFigures(company_id, days, interns, finished, hired)
        for company_id, (days, interns, finished, hired) in sorted(totals.items())
    }


@dataclass(frozen=True)
class CantonCount:
    """How many labelled companies a canton has."""

    canton: str
    label: str
    count: int


@dataclass(frozen=True)
class HeadlineFigures:
    """An edition's headline figures. `frozen`: read from the publication, else computed live.

    `companies`: companies that hosted at least one intern in the period; `labelled` and
    `labelled_by_canton` (most first, then by canton code): from the ranking entries (0 and empty
    while no ranking is computed).
    """

    year: int
    period_start: dt.date
    period_end: dt.date
    frozen: bool
    companies: int
    labelled: int
    labelled_by_canton: tuple[CantonCount, ...]
    internship_days: int
    interns: int
    finished: int
    hired: int

    @property
    def reinsertion_rate(self) -> Decimal | None:
        """hired ÷ finished (six decimals), None when no internship finished in the period."""
        return rate(self.hired, self.finished)

    @property
    def reinsertion_percent(self) -> Decimal | None:
        """The reinsertion rate in percent to two decimals (41.67 for 5 of 12), None when nothing finished."""
        if not self.finished:
            return None
        value = Decimal(100 * self.hired) / Decimal(self.finished)
        return value.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EditionFiguresComparison:
    """An edition's figures next to the previous edition's (the edition of the year before, if any)."""

    current: HeadlineFigures
    previous: HeadlineFigures | None


def _by_canton(counts: dict[str, int]) -> tuple[CantonCount, ...]:
    labels = dict(Canton.choices)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(CantonCount(code, str(labels.get(code, code)), count) for code, count in ordered if count)


def _frozen(edition: Edition, figures: EditionFigures) -> HeadlineFigures:
    return HeadlineFigures(
        year=edition.year,
        period_start=edition.period_start,
        period_end=edition.period_end,
        frozen=True,
        companies=figures.companies,
        labelled=figures.labelled,
        labelled_by_canton=_by_canton({str(code): int(count) for code, count in figures.labelled_by_canton.items()}),
        internship_days=figures.internship_days,
        interns=figures.interns,
        finished=figures.finished,
        hired=figures.hired,
    )


def _live(edition: Edition) -> HeadlineFigures:
    per_company = company_figures(period_start=edition.period_start, period_end=edition.period_end)
    by_canton: dict[str, int] = defaultdict(int)
    for canton in RankingEntry.objects.filter(edition=edition, labelled=True).values_list("canton", flat=True):
        by_canton[canton] += 1
    return HeadlineFigures(
        year=edition.year,
        period_start=edition.period_start,
        period_end=edition.period_end,
        frozen=False,
        companies=len(per_company),
        labelled=sum(by_canton.values()),
        labelled_by_canton=_by_canton(by_canton),
        internship_days=sum(figures.internship_days for figures in per_company.values()),
        interns=sum(figures.interns for figures in per_company.values()),
        finished=sum(figures.finished for figures in per_company.values()),
        hired=sum(figures.hired for figures in per_company.values()),
    )


def headline_figures(*, edition: Edition) -> HeadlineFigures:
    """One edition's headline figures: frozen ones when published, live ones otherwise."""
    if edition.is_published:
        frozen = EditionFigures.objects.filter(edition=edition).first()
        if frozen is not None:
            return _frozen(edition, frozen)
    return _live(edition)


def edition_figures(*, edition: Edition) -> EditionFiguresComparison:
    """`edition`'s headline figures and those of the edition of the year before (None if there is none).

    The caller has reached `edition` through `labels.selectors.editions.edition_get` (the access gate).
    A published edition's figures are the frozen ones; an unpublished edition's are live. Costs a
    bounded number of queries (at most six), whatever the number of companies and internships.
    """
    previous_edition = Edition.objects.filter(year=edition.year - 1).first()
    return EditionFiguresComparison(
        current=headline_figures(edition=edition),
        previous=headline_figures(edition=previous_edition) if previous_edition is not None else None,
    )


def frozen_figures_from_entries(entries: Iterable[RankingEntry]) -> dict[str, object]:
    """The `EditionFigures` fields computed from a ranking's entries (what publication freezes).

    Companies count when they hosted an intern in the period (a company ranked only because the
    jury marked it is not one of them).
    """
    rows = list(entries)
    by_canton: dict[str, int] = defaultdict(int)
    for entry in rows:
        if entry.labelled:
            by_canton[entry.canton] += 1
    return {
        "companies": sum(1 for entry in rows if entry.interns > 0),
        "labelled": sum(by_canton.values()),
        "labelled_by_canton": dict(sorted(by_canton.items())),
        "internship_days": sum(entry.internship_days for entry in rows),
        "interns": sum(entry.interns for entry in rows),
        "finished": sum(entry.finished for entry in rows),
        "hired": sum(entry.hired for entry in rows),
    }
