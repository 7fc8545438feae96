"""The ranking engine: normalisations, the Wilson-corrected rate, the written tie rule, labels, prizes, sensitivity."""

import random

import pytest

from labels.ranking import (
    HIRED,
    INTERNS,
    INTERNSHIP_DAYS,
    MIN_MAX,
    QUALITATIVE,
    QUANTITATIVE,
    RANK,
    REINSERTION_RATE,
    SCALE,
    SHARE_OF_MAX,
    TIE_COMPANY_ID,
    TIE_CORRECTED_RATE,
    TIE_HIRED,
    TIE_INTERNSHIP_DAYS,
    TIE_NAME,
    TIE_RULE,
    CompanyInput,
    Contender,
    CriterionInput,
    compute_ranking,
    order_contenders,
    tie_step_between,
    wilson_lower_bound,
)

RATE = CriterionInput(
    id=1, name="Taux corrigé", kind=QUANTITATIVE, metric=REINSERTION_RATE, weight=3, normalisation=SCALE
)
DAYS = CriterionInput(
    id=2, name="Jours de stage", kind=QUANTITATIVE, metric=INTERNSHIP_DAYS, weight=5, normalisation=SHARE_OF_MAX
)
MARK = CriterionInput(id=3, name="Engagement", kind=QUALITATIVE, weight=5, normalisation=SCALE, max_score=10)


def company(company_id: int, name: str = "", **figures: int | dict[int, float]) -> CompanyInput:
    marks = figures.pop("marks", {})
    assert isinstance(marks, dict)
    counts = {criterion_id: 3 for criterion_id in marks}
    return CompanyInput(
        id=company_id,
        name=name or f"Entreprise {company_id}",
        marks=marks,
        marks_count=counts,
        **{key: int(value) for key, value in figures.items() if isinstance(value, int)},
    )


def by_name(ranking_rows):  # type: ignore[no-untyped-def]
    return {row.name: row for row in ranking_rows}


# --- the corrected rate ----------------------------------------------------------------------------


def test_the_wilson_lower_bound_matches_scipy_s_values_and_is_zero_without_trials():
    assert wilson_lower_bound(1, 1) == pytest.approx(0.20654931, abs=1e-8)
    assert wilson_lower_bound(8, 10) == pytest.approx(0.49016247, abs=1e-8)
    assert wilson_lower_bound(0, 5) == 0.0
    assert wilson_lower_bound(0, 0) == 0.0


def test_one_hire_out_of_one_does_not_outrank_eight_out_of_ten():
    lucky = company(1, "Un sur un", interns=1, finished=1, hired=1, internship_days=40)
    steady = company(2, "Huit sur dix", interns=10, finished=10, hired=8, internship_days=40)

    ranking = compute_ranking(companies=[lucky, steady], criteria=[RATE], threshold=0, prizes=3)

    rows = by_name(ranking.rows)
    assert lucky.raw_rate == 1.0 and steady.raw_rate == 0.8  # the raw rate would have put the lucky one first
    assert rows["Huit sur dix"].rank == 1
    assert rows["Un sur un"].rank == 2
    assert rows["Huit sur dix"].corrected_rate == pytest.approx(0.4902, abs=1e-4)
    assert rows["Un sur un"].corrected_rate == pytest.approx(0.2065, abs=1e-4)
    assert rows["Huit sur dix"].score == pytest.approx(3 * 0.49016247, abs=1e-7)


def test_a_company_whose_interns_did_not_finish_has_no_raw_rate_and_a_corrected_rate_of_zero():
    ranking = compute_ranking(
        companies=[company(1, interns=2, internship_days=30)], criteria=[RATE, DAYS], threshold=0, prizes=3
    )

    row = ranking.rows[0]
    assert row.raw_rate is None
    assert row.corrected_rate == 0.0
    assert row.criteria[0].points == 0.0
    assert row.criteria[1].points == 5.0


# --- normalisations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("normalisation", "expected"),
    [
        (SHARE_OF_MAX, [1.0, 0.5, 0.25, 0.0]),
        (MIN_MAX, [1.0, 0.5, 0.25, 0.0]),
        (RANK, [1.0, 2 / 3, 1 / 3, 0.0]),
    ],
)
def test_each_normalisation_turns_values_into_shares_and_zero_earns_nothing(normalisation, expected):
    criterion = CriterionInput(
        id=9, name="Jours", kind=QUANTITATIVE, metric=INTERNSHIP_DAYS, weight=1, normalisation=normalisation
    )
    companies = [company(i, interns=1, internship_days=days) for i, days in enumerate([40, 20, 10, 0], start=1)]

    ranking = compute_ranking(companies=companies, criteria=[criterion], threshold=0, prizes=0)

    shares = {row.company_id: row.criteria[0].normalised for row in ranking.rows}
    assert [shares[i] for i in (1, 2, 3, 4)] == pytest.approx(expected)


def test_min_max_measures_from_the_minimum_and_equal_values_share_the_better_rank():
    companies = [company(i, interns=1, internship_days=days) for i, days in enumerate([30, 20, 20, 10], start=1)]
    min_max = CriterionInput(id=1, name="a", kind=QUANTITATIVE, metric=INTERNSHIP_DAYS, weight=1, normalisation=MIN_MAX)
    rank = CriterionInput(id=2, name="b", kind=QUANTITATIVE, metric=INTERNSHIP_DAYS, weight=1, normalisation=RANK)

    ranking = compute_ranking(companies=companies, criteria=[min_max, rank], threshold=0, prizes=0)

    shares = {row.company_id: [result.normalised for result in row.criteria] for row in ranking.rows}
    assert shares[1] == pytest.approx([1.0, 1.0])
    assert shares[2] == pytest.approx([0.5, 2 / 3])  # ranks 1, 2, 2, 4 among four
    assert shares[3] == pytest.approx([0.5, 2 / 3])
    assert shares[4] == pytest.approx([0.0, 0.0])


def test_a_mark_is_scaled_by_the_maximal_mark_and_a_company_nobody_marked_gets_zero_and_says_so():
    marked = company(1, interns=1, marks={3: 7.5})
    unmarked = company(2, interns=1)

    ranking = compute_ranking(companies=[marked, unmarked], criteria=[MARK], threshold=0, prizes=0)

    rows = {row.company_id: row for row in ranking.rows}
    assert rows[1].criteria[0].points == pytest.approx(5 * 0.75)
    assert rows[1].criteria[0].marks == 3
    assert rows[1].unmarked_criteria == ()
    assert rows[2].criteria[0].points == 0.0
    assert rows[2].criteria[0].no_marks is True
    assert rows[2].unmarked_criteria == (3,)


def test_a_count_cannot_be_put_on_a_scale():
    criterion = CriterionInput(id=1, name="Engagés", kind=QUANTITATIVE, metric=HIRED, weight=1, normalisation=SCALE)

    with pytest.raises(ValueError, match="no scale"):
        compute_ranking(companies=[company(1)], criteria=[criterion], threshold=0, prizes=0)


# --- label and prizes ------------------------------------------------------------------------------


def test_labelled_companies_reach_the_threshold_with_an_intern_and_the_first_labelled_get_the_prizes():
    companies = [
        # marked highest but hosted nobody in the period: ranked, never labelled nor awarded
        company(1, "Sans stagiaire", marks={3: 10}),
        company(2, "B", interns=1, marks={3: 9}),
        company(3, "C", interns=1, marks={3: 8}),
        company(4, "D", interns=1, marks={3: 7}),
        company(5, "E", interns=1, marks={3: 6}),
        company(6, "F", interns=1, marks={3: 2}),
    ]

    ranking = compute_ranking(companies=companies, criteria=[MARK], threshold=2.5, prizes=3)

    summary = [(row.rank, row.name, row.labelled, row.prize) for row in ranking.rows]
    assert summary == [
        (1, "Sans stagiaire", False, None),
        (2, "B", True, 1),
        (3, "C", True, 2),
        (4, "D", True, 3),
        (5, "E", True, None),
        (6, "F", False, None),  # 2 × 5 ÷ 10 = 1 point, under the threshold
    ]


def test_a_score_equal_to_the_threshold_is_labelled():
    ranking = compute_ranking(companies=[company(1, interns=1, marks={3: 5})], criteria=[MARK], threshold=2.5, prizes=1)

    assert ranking.rows[0].labelled is True
    assert ranking.rows[0].prize == 1


# --- the tie rule ----------------------------------------------------------------------------------


def _tied(*companies: CompanyInput):  # type: ignore[no-untyped-def]
    """Rank on one mark that every company has equal: every score ties."""
    marked = [
        CompanyInput(
            id=c.id,
            name=c.name,
            internship_days=c.internship_days,
            interns=c.interns,
            finished=c.finished,
            hired=c.hired,
            marks={3: 5.0},
            marks_count={3: 1},
        )
        for c in companies
    ]
    return compute_ranking(companies=marked, criteria=[MARK], threshold=0, prizes=0).rows


def test_equal_scores_go_first_to_the_higher_corrected_rate():
    rows = _tied(
        company(1, "Alpha", interns=3, finished=3, hired=1, internship_days=90),
        company(2, "Zêta", interns=3, finished=3, hired=3, internship_days=10),
    )

    assert [row.name for row in rows] == ["Zêta", "Alpha"]
    assert rows[1].tie_decided_by == TIE_CORRECTED_RATE
    assert rows[0].tie_decided_by is None
    assert "départagé par le taux de réinsertion corrigé" in rows[1].tie_note
    assert "rang 1" in rows[1].tie_note and "rang 2" in rows[0].tie_note


def test_then_to_more_internship_days_then_to_the_name_then_to_the_company_id():
    rows = _tied(
        company(7, "Beta", interns=1, internship_days=10),
        company(4, "beta", interns=1, internship_days=10),
        company(3, "Émile SA", interns=1, internship_days=10),
        company(9, "emballages SA", interns=1, internship_days=10),
        company(8, "Zoo", interns=1, internship_days=20),
    )

    # Zoo: more days. Then by name without case or accents: beta (4) = Beta (7) < emballages < Émile.
    assert [(row.company_id, row.name) for row in rows] == [
        (8, "Zoo"),
        (4, "beta"),
        (7, "Beta"),
        (9, "emballages SA"),
        (3, "Émile SA"),
    ]
    assert [row.tie_decided_by for row in rows] == [None, TIE_INTERNSHIP_DAYS, TIE_COMPANY_ID, TIE_NAME, TIE_NAME]
    assert all(row.tie_note for row in rows)
    assert all(len(row.tie_note) <= 200 for row in rows)


def test_more_hires_decide_when_the_corrected_rates_are_equal():
    contenders = [
        Contender(1, "A", interns=4, internship_days=10, hired=1, corrected_rate=0.3, normalised={1: 0.5}),
        Contender(2, "B", interns=4, internship_days=10, hired=2, corrected_rate=0.3, normalised={1: 0.5}),
    ]

    standings = order_contenders(contenders, {1: 2.0}, threshold=0, prizes=0)

    assert [standing.company_id for standing in standings] == [2, 1]

    assert tie_step_between(contenders[1], contenders[0]) == TIE_HIRED


def test_scores_equal_to_a_billionth_are_tied_and_larger_differences_are_not():
    close = [
        Contender(1, "A", interns=1, internship_days=5, hired=0, corrected_rate=0.0, normalised={1: 0.5}),
        Contender(2, "B", interns=1, internship_days=9, hired=0, corrected_rate=0.0, normalised={1: 0.5 + 1e-12}),
    ]
    apart = [
        Contender(1, "A", interns=1, internship_days=5, hired=0, corrected_rate=0.0, normalised={1: 0.5 + 1e-6}),
        Contender(2, "B", interns=1, internship_days=9, hired=0, corrected_rate=0.0, normalised={1: 0.5}),
    ]

    assert [s.company_id for s in order_contenders(close, {1: 1.0}, threshold=0, prizes=0)] == [2, 1]
    assert [s.company_id for s in order_contenders(apart, {1: 1.0}, threshold=0, prizes=0)] == [1, 2]


def test_rows_without_a_tie_have_no_tie_note_and_the_rule_is_written_in_french():
    ranking = compute_ranking(
        companies=[company(1, interns=1, internship_days=10), company(2, interns=1, internship_days=20)],
        criteria=[DAYS],
        threshold=0,
        prizes=1,
    )

    assert [row.tie_note for row in ranking.rows] == ["", ""]
    assert ranking.tie_rule == TIE_RULE
    assert TIE_RULE.startswith("À score égal")
    assert "taux de réinsertion corrigé" in TIE_RULE and "jours de stage" in TIE_RULE


def test_the_ranking_does_not_depend_on_the_order_the_companies_are_given_in():
    companies = [
        company(i, f"Entreprise {i % 4}", interns=1 + i % 3, finished=i % 3, hired=i % 2, internship_days=10 * (i % 5))
        for i in range(1, 30)
    ]
    shuffled = list(companies)
    random.Random(7).shuffle(shuffled)
    criteria = [RATE, DAYS, MARK]

    first = compute_ranking(companies=companies, criteria=criteria, threshold=3, prizes=3)
    second = compute_ranking(companies=shuffled, criteria=criteria, threshold=3, prizes=3)

    assert first == second


# --- sensitivity -----------------------------------------------------------------------------------


def test_the_sensitivity_says_which_weight_changes_the_labelled_companies_or_the_prizes():
    # Days (share of the best, weight 5) and a mark (on 10, weight 5); threshold 5.5; one prize.
    # Scores: B 2.5 + 4 = 6.5, C 4 + 2.4 = 6.4, A 5 + 0 = 5.0 (not labelled).
    days = CriterionInput(
        id=1, name="Jours", kind=QUANTITATIVE, metric=INTERNSHIP_DAYS, weight=5, normalisation=SHARE_OF_MAX
    )
    mark = CriterionInput(id=2, name="Engagement", kind=QUALITATIVE, weight=5, normalisation=SCALE, max_score=10)
    unused = CriterionInput(id=3, name="Stagiaires", kind=QUANTITATIVE, metric=INTERNS, weight=0, normalisation=RANK)
    companies = [
        CompanyInput(id=1, name="A", interns=1, internship_days=100),
        CompanyInput(id=2, name="B", interns=1, internship_days=50, marks={2: 8.0}, marks_count={2: 3}),
        CompanyInput(id=3, name="C", interns=1, internship_days=80, marks={2: 4.8}, marks_count={2: 3}),
    ]

    ranking = compute_ranking(companies=companies, criteria=[days, mark, unused], threshold=5.5, prizes=1)

    rows = by_name(ranking.rows)
    assert [(row.name, row.rank, row.labelled, row.prize) for row in ranking.rows] == [
        ("B", 1, True, 1),
        ("C", 2, True, None),
        ("A", 3, False, None),
    ]
    checks = {check.criterion_id: check for check in ranking.sensitivity.checks}
    assert set(checks) == {1, 2}  # a criterion without weight is not moved
    # Days at +20 %: A 6.0 reaches the threshold, C 7.2 passes B 7.0 and takes the prize.
    days_up = checks[1].variants[1]
    assert days_up.factor == 1.2
    assert days_up.labelled_gained == (1,) and days_up.labelled_lost == ()
    assert days_up.prizes_changed is True
    assert checks[1].variants[0].labelled_changed is False and checks[1].variants[0].prizes_changed is False
    assert checks[1].labelled_changes is True and checks[1].prizes_change is True
    # The mark at −20 %: C 5.92 passes B 5.7 (the prize moves), the labelled stay the same.
    assert checks[2].labelled_changes is False
    assert checks[2].prizes_change is True
    assert checks[2].variants[0].ranks == {3: 1, 2: 2, 1: 3}
    assert ranking.sensitivity.stable is False
    assert (rows["A"].rank_low, rows["A"].rank_high) == (3, 3)
    assert (rows["B"].rank_low, rows["B"].rank_high) == (1, 2)
    assert (rows["C"].rank_low, rows["C"].rank_high) == (1, 2)
    assert checks[1].summary == (
        "« Jours » à +20 % : entreprises labellisées modifiées (0 en moins, 1 en plus) et lauréates des prix "
        "modifiées ; les rangs bougent de 1 au plus."
    )
    assert checks[2].summary == (
        "« Engagement » à −20 % : lauréates des prix modifiées ; les rangs bougent de 1 au plus."
    )


def test_a_clear_ranking_is_stable_and_its_summary_says_so():
    companies = [company(1, "A", interns=1, internship_days=100), company(2, "B", interns=1, internship_days=10)]

    ranking = compute_ranking(companies=companies, criteria=[DAYS], threshold=1, prizes=1)

    assert ranking.sensitivity.stable is True
    assert ranking.sensitivity.checks[0].summary == (
        "« Jours de stage » à −20 % ou +20 % : mêmes entreprises labellisées, mêmes lauréates des prix ; "
        "les rangs bougent de 0 au plus."
    )
    assert [(row.rank_low, row.rank_high) for row in ranking.rows] == [(1, 1), (2, 2)]
