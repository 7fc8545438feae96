"""Reading the assessments of a case: history, changes, divergences between services, high scores."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseFile
from cases.selectors.assessments import (
    assessment_divergences,
    assessment_history,
    assessment_summary_for,
    high_scores_by_case,
)
from cases.services.assessments import ScoreInput, assessment_record
from cii_platform.access import Capability, access_grant
from cii_platform.accounts.models import User
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _assess(case: CaseFile, author: User, days_ago: int, **values: int | None):  # type: ignore[no-untyped-def]
    return assessment_record(
        case=case,
        author=author,
        assessed_on=_days_ago(days_ago),
        scores={code: ScoreInput(value) for code, value in values.items()},
    )


@pytest.fixture
def shared_case(services, orp_counsellor, oai_counsellor) -> CaseFile:  # type: ignore[no-untyped-def]
    """A SEMP case that the OAI takes part in."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="consent", granted_by=None)
    return case


def _row(history, code):  # type: ignore[no-untyped-def]
    return next(row for row in history.rows if row.code == code)


def test_the_history_shows_every_dimension_against_the_assessments_newest_first(shared_case, orp_counsellor):
    old = _assess(shared_case, orp_counsellor, 60, debts=3, work_capacity=20)
    new = _assess(shared_case, orp_counsellor, 5, debts=1)

    history = assessment_history(case=shared_case)

    assert history.assessments == [new, old]
    assert [row.label for row in history.rows][:3] == ["Santé physique", "Santé psychique", "Addictions"]
    assert len(history.rows) == 12
    assert [cell.display for cell in _row(history, "debts").cells] == ["1", "3"]
    assert [cell.display for cell in _row(history, "work_capacity").cells] == ["", "20 %"]
    assert history.next_cursor is None


def test_a_lower_score_reads_as_an_improvement_and_a_higher_work_capacity_too(shared_case, orp_counsellor):
    _assess(shared_case, orp_counsellor, 60, debts=3, housing=1, work_capacity=20)
    _assess(shared_case, orp_counsellor, 5, debts=1, housing=2, work_capacity=50)

    history = assessment_history(case=shared_case)

    debts = _row(history, "debts").cells[0].change
    housing = _row(history, "housing").cells[0].change
    capacity = _row(history, "work_capacity").cells[0].change
    since = _days_ago(60).strftime("%d.%m.%Y")
    assert (debts.arrow, debts.improved, debts.text) == ("↓", True, f"s'améliore (−2 depuis le {since})")
    assert (housing.arrow, housing.improved, housing.text) == ("↑", False, f"s'aggrave (+1 depuis le {since})")
    assert (capacity.arrow, capacity.improved) == ("↑", True)
    assert capacity.text == f"s'améliore (+30 points depuis le {since})"
    assert _row(history, "debts").cells[1].change is None  # nothing to compare the oldest with


def test_changes_compare_a_service_with_itself_not_with_another_service(shared_case, orp_counsellor, oai_counsellor):
    _assess(shared_case, orp_counsellor, 30, debts=3)
    _assess(shared_case, oai_counsellor, 20, debts=0)
    _assess(shared_case, orp_counsellor, 10, debts=2)

    history = assessment_history(case=shared_case)

    semp_new, oai, semp_old = _row(history, "debts").cells
    assert oai.change is None
    assert semp_new.change is not None and semp_new.change.delta == -1


def test_the_history_pages_through_older_assessments_and_keeps_changes_across_pages(shared_case, orp_counsellor):
    assessments = [_assess(shared_case, orp_counsellor, 100 - day, debts=day % 4) for day in range(12)]

    first = assessment_history(case=shared_case, size=5)
    second = assessment_history(case=shared_case, cursor=first.next_cursor, size=5)
    third = assessment_history(case=shared_case, cursor=second.next_cursor, size=5)

    assert first.assessments == assessments[::-1][:5]
    assert second.assessments == assessments[::-1][5:10]
    assert third.assessments == assessments[::-1][10:]
    assert third.next_cursor is None
    # The oldest of the second page is compared with the newest of the third.
    oldest_on_second = _row(second, "debts").cells[-1]
    assert oldest_on_second.value == 2 and oldest_on_second.change is not None
    assert oldest_on_second.change.delta == 1


def test_a_malformed_cursor_gives_the_first_page(shared_case, orp_counsellor):
    newest = _assess(shared_case, orp_counsellor, 1, debts=1)

    assert assessment_history(case=shared_case, cursor="pas-une-date_x").assessments == [newest]


def test_the_history_costs_the_same_queries_for_3_and_for_30_assessments(shared_case, orp_counsellor, oai_counsellor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            history = assessment_history(case=shared_case)
            assert history.rows
        return len(captured)

    for day in range(3):
        _assess(shared_case, orp_counsellor if day % 2 else oai_counsellor, 200 - day, debts=day % 4, housing=1)
    with_3 = queries()
    for day in range(3, 30):
        _assess(shared_case, orp_counsellor if day % 2 else oai_counsellor, 200 - day, debts=day % 4, housing=1)
    with_30 = queries()

    # 30 assessments span several pages: the page boundary adds its two constant queries.
    assert with_30 <= with_3 + 2
    assert with_30 <= 6


def test_the_chart_draws_one_line_per_service_with_a_text_alternative(shared_case, orp_counsellor, oai_counsellor):
    _assess(shared_case, orp_counsellor, 60, debts=3, housing=3)
    _assess(shared_case, oai_counsellor, 60, debts=1, housing=2)
    _assess(shared_case, orp_counsellor, 5, debts=1, housing=2)

    chart = assessment_history(case=shared_case).chart

    assert chart is not None
    assert sorted(series.service for series in chart.series) == ["OAI", "SEMP"]
    assert {series.shape for series in chart.series} == {"circle", "square"}
    assert "SEMP" in chart.description and "3.0" in chart.description and "1.5" in chart.description


def test_there_is_no_chart_with_a_single_date(shared_case, orp_counsellor):
    _assess(shared_case, orp_counsellor, 5, debts=1)

    assert assessment_history(case=shared_case).chart is None


def test_a_joint_assessment_shows_where_two_services_are_two_points_apart(shared_case, orp_counsellor, oai_counsellor):
    _assess(shared_case, orp_counsellor, 3, debts=3, housing=1, mental_health=0, work_capacity=80)
    _assess(shared_case, oai_counsellor, 3, debts=1, housing=2, mental_health=3, work_capacity=40)

    divergences = assessment_divergences(case=shared_case)

    assert [divergence.code for divergence in divergences] == ["mental_health", "debts", "work_capacity"]
    mental = divergences[0]
    assert [(str(score.assessment.service), score.value) for score in mental.scores] == [("OAI", 3), ("SEMP", 0)]
    assert mental.spread == 3 and mental.same_date
    assert divergences[2].spread_display == "40 points de pourcentage"


def test_divergences_use_the_latest_assessment_of_each_service(shared_case, orp_counsellor, oai_counsellor):
    _assess(shared_case, orp_counsellor, 90, debts=0)
    _assess(shared_case, oai_counsellor, 40, debts=3)
    assert [divergence.code for divergence in assessment_divergences(case=shared_case)] == ["debts"]

    _assess(shared_case, orp_counsellor, 10, debts=2)  # the SEMP now sees it like the OAI

    assert assessment_divergences(case=shared_case) == []


def test_a_one_point_difference_or_a_single_service_is_no_divergence(shared_case, orp_counsellor, oai_counsellor):
    _assess(shared_case, orp_counsellor, 90, debts=0)
    _assess(shared_case, orp_counsellor, 10, debts=3)
    assert assessment_divergences(case=shared_case) == []

    _assess(shared_case, oai_counsellor, 5, debts=2, work_capacity=50)

    assert assessment_divergences(case=shared_case) == []


def test_the_case_summary_puts_the_latest_assessment_of_each_service_side_by_side(
    shared_case, orp_counsellor, oai_counsellor, coordination_member
):
    _assess(shared_case, orp_counsellor, 40, debts=0)
    semp = _assess(shared_case, orp_counsellor, 3, debts=3)
    oai = _assess(shared_case, oai_counsellor, 10, debts=1)

    summary = assessment_summary_for(case=shared_case, user=orp_counsellor)

    assert summary["latest"] == [semp, oai]
    debts = next(row for row in summary["rows"] if row.code == "debts")
    assert [cell.value for cell in debts.cells] == [3, 1]
    assert debts.divergent
    assert summary["can_record"] is True
    assert assessment_summary_for(case=shared_case, user=coordination_member)["can_record"] is False
    assert assessment_summary_for(case=shared_case)["can_record"] is False


def test_the_case_section_renders_the_summary_for_the_case_page(shared_case, orp_counsellor, oai_counsellor):
    _assess(shared_case, orp_counsellor, 3, debts=3)
    _assess(shared_case, oai_counsellor, 3, debts=0)

    html = render_to_string(
        "cases/assessments/_case_section.html",
        {"case": shared_case, "assessment_summary": assessment_summary_for(case=shared_case, user=orp_counsellor)},
    )

    assert "Grille d'évaluation commune" in html
    assert "Les services divergent sur 1 dimension" in html
    assert "oui, écart important" in html
    assert f"/dossiers/{shared_case.reference}/evaluations/nouvelle/" in html


def test_the_case_summary_costs_a_constant_number_of_queries(shared_case, orp_counsellor, oai_counsellor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assessment_summary_for(case=shared_case, user=orp_counsellor)
        return len(captured)

    _assess(shared_case, orp_counsellor, 30, debts=1)
    with_1 = queries()
    for day in range(10):
        _assess(shared_case, orp_counsellor if day % 2 else oai_counsellor, 20 - day, debts=day % 4)

    assert queries() == with_1


def test_high_scores_count_the_threes_of_each_cases_latest_assessment_in_one_query(services, orp_counsellor):
    first = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    second = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    never = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    _assess(first, orp_counsellor, 50, debts=3, housing=3, family=3)
    _assess(first, orp_counsellor, 10, debts=3, housing=3, family=1, work_capacity=100)
    _assess(second, orp_counsellor, 10, debts=3)
    _assess(second, orp_counsellor, 10, debts=1)  # same day, recorded later: the latest

    with CaptureQueriesContext(connection) as captured:
        counts = high_scores_by_case(case_ids=[first.pk, second.pk, never.pk])

    assert len(captured) == 1
    assert counts == {first.pk: 2, second.pk: 0, never.pk: 0}
    assert high_scores_by_case(case_ids=[]) == {}
