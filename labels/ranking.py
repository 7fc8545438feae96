"""The ranking engine of the Label Intégration: figures and marks in, an ordered, explained ranking out.

Pure Python (and SciPy for the Wilson interval), no Django: `labels.services.editions` builds the
inputs from the database (`CompanyInput`, `CriterionInput`) and writes the `RankingRow`s as
`RankingEntry` rows; `labels.selectors.editions` rebuilds the sensitivity of a frozen ranking from
those rows with `sensitivity` (the normalised values are stored with each entry).

How a company's score is made
-----------------------------
Each criterion gives a *value* per company:

* quantitative criteria measure the internships of the reference period: internship days, interns,
  interns hired on their last day, or the reinsertion rate *corrected for small numbers*: the lower
  bound of the 95 % Wilson score interval of hired ÷ finished (0 when no internship finished), so
  that one hire out of one intern (0.21) does not outrank eight out of ten (0.49);
* qualitative criteria are the jury's marks for the company, already averaged over the members who
  are not recused (0 when nobody marked it: the row says so, `CriterionResult.no_marks`).

The value becomes a share between 0 and 1 (the *normalisation* of the criterion), computed over
all the companies ranked together:

* ``share_of_max``: value ÷ best value;
* ``min_max``: (value − minimum) ÷ (maximum − minimum), 1 when every company has the same value;
* ``rank``: (n − rank) ÷ (n − 1), rank 1 for the best value, equal values sharing the better rank
  (1 when only one company is ranked);
* ``scale``: mark ÷ the criterion's maximal mark; a rate as it is (only rates and marks have a scale).

Whatever the normalisation, a value of 0 (no days, no hire, no mark) earns 0 points. The share times
the criterion's weight gives the criterion's points; the score is the sum of the points.

Rank, label and prizes
----------------------
Companies are ordered by score, best first; scores equal to 10⁻⁹ are tied and ordered by the
written tie rule `TIE_RULE` (corrected rate, internship days, hires, name, then company id); every
row of a tie says which of these decided (`tie_note`). Ranks are 1..n without gaps. A company is
*labelled* when its score reaches the threshold and it hosted at least one intern in the period;
the first `prizes` labelled companies get the excellence prizes 1, 2, 3.

Sensitivity
-----------
For each criterion with a weight, the ranking is computed again with that weight at −20 % and at
+20 % (the other weights unchanged). Each row gets its best and worst rank over these runs and the
base one (`rank_low`, `rank_high`); each criterion says whether the set of labelled companies or
the set of prize winners changes (`SensitivityCheck`, with a French summary for the page).

Same input, same output: companies and criteria are read in the order given, sums are exact
(`math.fsum`), and the tie rule ends on the company id.

The French sentences here are marked with `gettext_noop` (a local identity, for `makemessages`):
the interface's source language is French.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scipy.stats import binomtest


def gettext_noop(message: str) -> str:
    """Mark a French interface string for translation without translating it here (no Django in this module)."""
    return message


QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"

INTERNSHIP_DAYS = "internship_days"
INTERNS = "interns"
HIRED = "hired"
REINSERTION_RATE = "reinsertion_rate"
METRICS = (INTERNSHIP_DAYS, INTERNS, HIRED, REINSERTION_RATE)

SHARE_OF_MAX = "share_of_max"
MIN_MAX = "min_max"
RANK = "rank"
SCALE = "scale"
NORMALISATIONS = (SHARE_OF_MAX, MIN_MAX, RANK, SCALE)

SCORE_TOLERANCE = 1e-9
"""Scores closer than this are equal (floating-point sums of the same points may differ in the last bits)."""

SENSITIVITY_FACTORS = (0.8, 1.2)
"""Each weight moves by −20 % and +20 % in the sensitivity analysis."""

WILSON_CONFIDENCE = 0.95

TIE_RULE = gettext_noop(
    "À score égal (à 10⁻⁹ près), l'entreprise dont le taux de réinsertion corrigé (borne inférieure "
    "de l'intervalle de Wilson à 95 %) est le plus élevé passe devant ; puis celle qui a offert le plus "
    "de jours de stage ; puis celle qui a engagé le plus de stagiaires ; puis l'ordre alphabétique de la "
    "raison sociale (sans distinction de majuscules ni d'accents) ; enfin l'ordre d'enregistrement des "
    "entreprises sur la plateforme."
)

# The tie rule's steps, in order: a code (`RankingRow.tie_decided_by`) and how a tie note names it.
TIE_CORRECTED_RATE = "corrected_rate"
TIE_INTERNSHIP_DAYS = "internship_days"
TIE_HIRED = "hired"
TIE_NAME = "name"
TIE_COMPANY_ID = "company_id"
TIE_STEPS: tuple[tuple[str, str], ...] = (
    (TIE_CORRECTED_RATE, gettext_noop("le taux de réinsertion corrigé")),
    (TIE_INTERNSHIP_DAYS, gettext_noop("les jours de stage")),
    (TIE_HIRED, gettext_noop("les stagiaires engagés")),
    (TIE_NAME, gettext_noop("la raison sociale (ordre alphabétique)")),
    (TIE_COMPANY_ID, gettext_noop("l'ordre d'enregistrement")),
)
_TIE_LABELS = dict(TIE_STEPS)


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    """A criterion of the edition. `metric` only for a quantitative one; `max_score` only matters for marks."""

    id: int
    name: str
    kind: str
    weight: float
    normalisation: str
    metric: str = ""
    max_score: float = 10.0

    def check(self) -> None:
        """Raise ValueError when the criterion cannot be computed (the services refuse such input first)."""
        if self.kind not in (QUANTITATIVE, QUALITATIVE):
            raise ValueError(f"unknown criterion kind {self.kind!r}")
        if self.kind == QUANTITATIVE and self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}")
        if self.kind == QUALITATIVE and self.metric:
            raise ValueError("a qualitative criterion has no metric")
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"unknown normalisation {self.normalisation!r}")
        if not scale_allowed(self.kind, self.metric) and self.normalisation == SCALE:
            raise ValueError(f"the {self.metric!r} metric has no scale")
        if not (self.weight >= 0 and math.isfinite(self.weight)):
            raise ValueError("a weight is a finite number >= 0")
        if self.max_score <= 0:
            raise ValueError("a maximal mark is > 0")


@dataclass(frozen=True)
class CompanyInput:
    """A company's figures over the reference period and its jury marks.

    `marks` maps a qualitative criterion's id to the average of the marks of the members who are not
    recused; `marks_count` to how many marks that average is made of (a criterion missing from both
    means nobody marked the company on it: value 0).
    """

    id: int
    name: str
    internship_days: int = 0
    interns: int = 0
    finished: int = 0
    hired: int = 0
    marks: Mapping[int, float] = field(default_factory=dict)
    marks_count: Mapping[int, int] = field(default_factory=dict)

    @property
    def raw_rate(self) -> float | None:
        """hired ÷ finished, None when no internship finished in the period."""
        return self.hired / self.finished if self.finished else None

    @property
    def corrected_rate(self) -> float:
        """The lower bound of the 95 % Wilson interval of hired ÷ finished (0 when none finished)."""
        return wilson_lower_bound(self.hired, self.finished)


@dataclass(frozen=True)
class Contender:
    """What ordering a company needs: its normalised shares per criterion id and the tie rule's keys.

    Built by `compute_ranking` from the inputs, or by a selector from frozen `RankingEntry` rows
    (the shares are stored with each entry) to rebuild a published ranking's sensitivity.
    """

    company_id: int
    name: str
    interns: int
    internship_days: int
    hired: int
    corrected_rate: float
    normalised: Mapping[int, float]


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    """A company's result on one criterion: its value, its share (0..1), its points (share × weight).

    `marks` is the number of jury marks averaged (qualitative criteria; None for quantitative ones):
    0 means nobody marked the company and it got 0 on this criterion, which the page must say.
    """

    criterion_id: int
    value: float
    normalised: float
    points: float
    marks: int | None = None

    @property
    def no_marks(self) -> bool:
        return self.marks == 0


@dataclass(frozen=True)
class RankingRow:
    """A company's place in the ranking, with everything the page shows next to it.

    `rank` runs 1..n without gaps. `corrected_rate` is the value the reinsertion criterion uses (0
    when no internship finished); `raw_rate` is None then. `tie_decided_by` is the tie rule's step
    (`TIE_STEPS` code) that put this company after the one above it when their scores were equal,
    None otherwise; `tie_note` is the French sentence for the page (empty without a tie).
    `rank_low` / `rank_high` are the best and the worst rank under the ±20 % weights.
    """

    company_id: int
    name: str
    rank: int
    score: float
    labelled: bool
    prize: int | None
    internship_days: int
    interns: int
    finished: int
    hired: int
    raw_rate: float | None
    corrected_rate: float
    criteria: tuple[CriterionResult, ...]
    tie_note: str
    tie_decided_by: str | None
    rank_low: int
    rank_high: int

    @property
    def unmarked_criteria(self) -> tuple[int, ...]:
        """Ids of the qualitative criteria on which nobody marked this company."""
        return tuple(result.criterion_id for result in self.criteria if result.no_marks)


@dataclass(frozen=True)
class Standing:
    """One company's place in one run of the ordering."""

    company_id: int
    rank: int
    score: float
    labelled: bool
    prize: int | None


@dataclass(frozen=True)
class WeightVariant:
    """The ranking with one criterion's weight multiplied by `factor`, compared with the base ranking."""

    factor: float
    labelled_gained: tuple[int, ...]
    labelled_lost: tuple[int, ...]
    prizes_changed: bool
    ranks: Mapping[int, int]

    @property
    def labelled_changed(self) -> bool:
        return bool(self.labelled_gained or self.labelled_lost)


@dataclass(frozen=True)
class SensitivityCheck:
    """How one criterion's weight at −20 % and +20 % moves the ranking (`summary`: French, for the page)."""

    criterion_id: int
    criterion_name: str
    weight: float
    variants: tuple[WeightVariant, ...]
    max_rank_shift: int
    summary: str

    @property
    def labelled_changes(self) -> bool:
        return any(variant.labelled_changed for variant in self.variants)

    @property
    def prizes_change(self) -> bool:
        return any(variant.prizes_changed for variant in self.variants)


@dataclass(frozen=True)
class Sensitivity:
    """Per criterion with a weight, its check; per company, (best rank, worst rank) over all runs."""

    checks: tuple[SensitivityCheck, ...]
    rank_range: Mapping[int, tuple[int, int]]

    @property
    def stable(self) -> bool:
        """Whether no ±20 % weight changes the labelled companies or the prize winners."""
        return not any(check.labelled_changes or check.prizes_change for check in self.checks)


@dataclass(frozen=True)
class Ranking:
    """The rows best first, the sensitivity analysis and the tie rule they were ordered by."""

    rows: tuple[RankingRow, ...]
    sensitivity: Sensitivity
    tie_rule: str = TIE_RULE


# --- computation --------------------------------------------------------------------------------


def wilson_lower_bound(successes: int, trials: int) -> float:
    """The lower bound of the 95 % Wilson score interval of successes ÷ trials; 0 when there is no trial."""
    if trials <= 0:
        return 0.0
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie between 0 and trials")
    interval = binomtest(successes, trials).proportion_ci(confidence_level=WILSON_CONFIDENCE, method="wilson")
    return max(0.0, float(interval.low))


def scale_allowed(kind: str, metric: str) -> bool:
    """Only marks (qualitative criteria) and the rate have a natural scale; counts need a relative normalisation."""
    return kind == QUALITATIVE or metric == REINSERTION_RATE


def name_key(name: str) -> str:
    """The alphabetical key of a company name: case and accents ignored, independent of the server's locale."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _metric_value(company: CompanyInput, metric: str) -> float:
    if metric == INTERNSHIP_DAYS:
        return float(company.internship_days)
    if metric == INTERNS:
        return float(company.interns)
    if metric == HIRED:
        return float(company.hired)
    return company.corrected_rate


def _normalise(values: Sequence[float], criterion: CriterionInput) -> list[float]:
    """Each value's share (0..1) under the criterion's normalisation, computed over all the values."""
    if not values:
        return []
    method = criterion.normalisation
    if method == SCALE:
        ceiling = criterion.max_score if criterion.kind == QUALITATIVE else 1.0
        shares = [value / ceiling for value in values]
    elif method == SHARE_OF_MAX:
        best = max(values)
        shares = [value / best if best > 0 else 0.0 for value in values]
    elif method == MIN_MAX:
        low, high = min(values), max(values)
        shares = [(value - low) / (high - low) if high > low else 1.0 for value in values]
    else:  # RANK: equal values share the better rank
        count = len(values)
        shares = []
        for value in values:
            rank = 1 + sum(1 for other in values if other > value)
            shares.append((count - rank) / (count - 1) if count > 1 else 1.0)
    # A value of 0 earns nothing, whatever the normalisation; shares stay within 0..1.
    return [0.0 if value <= 0 else min(1.0, max(0.0, share)) for value, share in zip(values, shares, strict=True)]


def _tie_keys(contender: Contender) -> tuple[float, int, int, str, int]:
    return (
        -contender.corrected_rate,
        -contender.internship_days,
        -contender.hired,
        name_key(contender.name),
        contender.company_id,
    )


def _score(contender: Contender, weights: Mapping[int, float]) -> float:
    return math.fsum(contender.normalised.get(criterion_id, 0.0) * weight for criterion_id, weight in weights.items())


def _ordered(contenders: Sequence[Contender], weights: Mapping[int, float]) -> list[tuple[Contender, float, int]]:
    """(contender, score, tie group) best first: by score, then, among equal scores, by the tie rule.

    Scores are equal when a chain of neighbours differs by at most `SCORE_TOLERANCE`; each such chain
    is a tie group (numbered in order), ordered by the tie rule's keys alone.
    """
    scored = sorted(((c, _score(c, weights)) for c in contenders), key=lambda item: (-item[1], _tie_keys(item[0])))
    ordered: list[tuple[Contender, float, int]] = []
    group: list[tuple[Contender, float]] = []
    number = 0

    def flush() -> None:
        for contender, score in sorted(group, key=lambda item: _tie_keys(item[0])):
            ordered.append((contender, score, number))

    for item in scored:
        if group and group[-1][1] - item[1] > SCORE_TOLERANCE:
            flush()
            group = []
            number += 1
        group.append(item)
    if group:
        flush()
    return ordered


def _standings(ordered: Sequence[tuple[Contender, float, int]], threshold: float, prizes: int) -> list[Standing]:
    standings = []
    awarded = 0
    for position, (contender, score, _group) in enumerate(ordered, start=1):
        labelled = contender.interns >= 1 and score >= threshold - SCORE_TOLERANCE
        prize = None
        if labelled and awarded < prizes:
            awarded += 1
            prize = awarded
        standings.append(Standing(contender.company_id, position, score, labelled, prize))
    return standings


def order_contenders(
    contenders: Sequence[Contender], weights: Mapping[int, float], *, threshold: float, prizes: int
) -> list[Standing]:
    """The standings (rank, score, label, prize) of `contenders` under `weights` (criterion id → weight)."""
    return _standings(_ordered(contenders, weights), threshold, prizes)


def tie_step_between(upper: Contender, lower: Contender) -> str:
    """The first step of the tie rule (a `TIE_STEPS` code) on which two tied companies differ: the one that decided."""
    for (code, _label), upper_key, lower_key in zip(TIE_STEPS, _tie_keys(upper), _tie_keys(lower), strict=True):
        if upper_key != lower_key:
            return code
    return TIE_COMPANY_ID  # pragma: no cover - two contenders never share a company id


def _tie_part(other_rank: int, code: str) -> str:
    return gettext_noop("Ex æquo avec le rang %(rank)d, départagé par %(step)s.") % {
        "rank": other_rank,
        "step": _TIE_LABELS[code],
    }


def _percent(factor: float) -> str:
    return f"{round((factor - 1) * 100):+d} %".replace("-", "−")


def _variant_summary(variant: WeightVariant) -> str | None:
    changes = []
    if variant.labelled_changed:
        changes.append(
            gettext_noop("entreprises labellisées modifiées (%(lost)d en moins, %(gained)d en plus)")
            % {"lost": len(variant.labelled_lost), "gained": len(variant.labelled_gained)}
        )
    if variant.prizes_changed:
        changes.append(gettext_noop("lauréates des prix modifiées"))
    if not changes:
        return None
    return gettext_noop("à %(percent)s : %(changes)s") % {
        "percent": _percent(variant.factor),
        "changes": gettext_noop(" et ").join(changes),
    }


def _check_summary(name: str, variants: Sequence[WeightVariant], max_shift: int) -> str:
    parts = [part for part in (_variant_summary(variant) for variant in variants) if part]
    if not parts:
        return gettext_noop(
            "« %(name)s » à −20 %% ou +20 %% : mêmes entreprises labellisées, mêmes lauréates des prix ; "
            "les rangs bougent de %(shift)d au plus."
        ) % {"name": name, "shift": max_shift}
    return gettext_noop("« %(name)s » %(changes)s ; les rangs bougent de %(shift)d au plus.") % {
        "name": name,
        "changes": " ; ".join(parts),
        "shift": max_shift,
    }


def sensitivity(
    contenders: Sequence[Contender],
    criteria: Sequence[CriterionInput],
    *,
    threshold: float,
    prizes: int,
) -> Sensitivity:
    """Move each weighted criterion's weight by −20 % and +20 % and compare with the base ranking.

    Only the contenders' normalised shares, tie keys and interns are used, so that a selector can
    rebuild a frozen ranking's analysis from its `RankingEntry` rows.
    """
    weights = {criterion.id: criterion.weight for criterion in criteria}
    base = order_contenders(contenders, weights, threshold=threshold, prizes=prizes)
    base_ranks = {standing.company_id: standing.rank for standing in base}
    base_labelled = {standing.company_id for standing in base if standing.labelled}
    base_prizes = {standing.company_id for standing in base if standing.prize is not None}
    best = dict(base_ranks)
    worst = dict(base_ranks)
    checks = []
    for criterion in criteria:
        if criterion.weight <= 0:
            continue
        variants = []
        max_shift = 0
        for factor in SENSITIVITY_FACTORS:
            run = order_contenders(
                contenders, {**weights, criterion.id: criterion.weight * factor}, threshold=threshold, prizes=prizes
            )
            ranks = {standing.company_id: standing.rank for standing in run}
            labelled = {standing.company_id for standing in run if standing.labelled}
            prize_winners = {standing.company_id for standing in run if standing.prize is not None}
            for company_id, rank in ranks.items():
                best[company_id] = min(best[company_id], rank)
                worst[company_id] = max(worst[company_id], rank)
                max_shift = max(max_shift, abs(rank - base_ranks[company_id]))
            variants.append(
                WeightVariant(
                    factor=factor,
                    labelled_gained=tuple(sorted(labelled - base_labelled)),
                    labelled_lost=tuple(sorted(base_labelled - labelled)),
                    prizes_changed=prize_winners != base_prizes,
                    ranks=ranks,
                )
            )
        checks.append(
            SensitivityCheck(
                criterion_id=criterion.id,
                criterion_name=criterion.name,
                weight=criterion.weight,
                variants=tuple(variants),
                max_rank_shift=max_shift,
                summary=_check_summary(criterion.name, variants, max_shift),
            )
        )
    return Sensitivity(
        checks=tuple(checks),
        rank_range={company_id: (best[company_id], worst[company_id]) for company_id in base_ranks},
    )


def compute_ranking(
    *,
    companies: Sequence[CompanyInput],
    criteria: Sequence[CriterionInput],
    threshold: float,
    prizes: int,
) -> Ranking:
    """Rank `companies` by `criteria` (see the module's docstring for every rule).

    `threshold` is the score (points) a company must reach to be labelled; `prizes` how many of the
    first labelled companies get an excellence prize. Raises ValueError for an impossible criterion,
    a company or criterion given twice, or a negative number of prizes.
    """
    if prizes < 0:
        raise ValueError("prizes must be >= 0")
    if len({company.id for company in companies}) != len(companies):
        raise ValueError("a company is given twice")
    if len({criterion.id for criterion in criteria}) != len(criteria):
        raise ValueError("a criterion is given twice")
    for criterion in criteria:
        criterion.check()

    results: dict[int, list[CriterionResult]] = {company.id: [] for company in companies}
    for criterion in criteria:
        if criterion.kind == QUANTITATIVE:
            values = [_metric_value(company, criterion.metric) for company in companies]
            counts: list[int | None] = [None] * len(companies)
        else:
            values = [float(company.marks.get(criterion.id, 0.0)) for company in companies]
            counts = [int(company.marks_count.get(criterion.id, 0)) for company in companies]
        shares = _normalise(values, criterion)
        for company, value, share, count in zip(companies, values, shares, counts, strict=True):
            results[company.id].append(
                CriterionResult(
                    criterion_id=criterion.id,
                    value=value,
                    normalised=share,
                    points=share * criterion.weight,
                    marks=count,
                )
            )

    contenders = [
        Contender(
            company_id=company.id,
            name=company.name,
            interns=company.interns,
            internship_days=company.internship_days,
            hired=company.hired,
            corrected_rate=company.corrected_rate,
            normalised={result.criterion_id: result.normalised for result in results[company.id]},
        )
        for company in companies
    ]
    weights = {criterion.id: criterion.weight for criterion in criteria}
    ordered = _ordered(contenders, weights)
    standings = _standings(ordered, threshold, prizes)
    analysis = sensitivity(contenders, criteria, threshold=threshold, prizes=prizes)
    by_id = {company.id: company for company in companies}

    rows = []
    for index, ((contender, _score_value, group), standing) in enumerate(zip(ordered, standings, strict=True)):
        company = by_id[contender.company_id]
        parts = []
        decided_by = None
        if index > 0 and ordered[index - 1][2] == group:
            decided_by = tie_step_between(ordered[index - 1][0], contender)
            parts.append(_tie_part(standing.rank - 1, decided_by))
        if index + 1 < len(ordered) and ordered[index + 1][2] == group:
            parts.append(_tie_part(standing.rank + 1, tie_step_between(contender, ordered[index + 1][0])))
        low, high = analysis.rank_range[company.id]
        rows.append(
            RankingRow(
                company_id=company.id,
                name=company.name,
                rank=standing.rank,
                score=standing.score,
                labelled=standing.labelled,
                prize=standing.prize,
                internship_days=company.internship_days,
                interns=company.interns,
                finished=company.finished,
                hired=company.hired,
                raw_rate=company.raw_rate,
                corrected_rate=company.corrected_rate,
                criteria=tuple(results[company.id]),
                tie_note=" ".join(parts),
                tie_decided_by=decided_by,
                rank_low=low,
                rank_high=high,
            )
        )
    return Ranking(rows=tuple(rows), sensitivity=analysis)
