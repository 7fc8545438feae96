"""Internship days, interns, finished internships, hires and the reinsertion rate, against hand-counted values."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from labels.models import Canton
from labels.selectors.figures import CompanyFigures, company_figures, edition_figures, internship_days
from labels.services.editions import edition_compute_ranking
from tests.labels.edition_builders import DAYS_ONLY, company, edition, internship, only_criteria, outcomes

YEAR_2020 = (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
YEAR_2021 = (dt.date(2021, 1, 1), dt.date(2021, 12, 31))


# --- internship days -------------------------------------------------------------------------------


def test_an_internship_across_two_years_counts_its_weekdays_in_each_period():
    # Monday 14 December 2020 to Friday 15 January 2021.
    # 2020: 14–18 (5), 21–25 (5), 28–31 December (Mon–Thu, 4) = 14.
    # 2021: Friday 1 January (1), 4–8 (5), 11–15 (5) = 11.
    starts_on, ends_on = dt.date(2020, 12, 14), dt.date(2021, 1, 15)

    assert internship_days(starts_on, ends_on, YEAR_2020) == 14
    assert internship_days(starts_on, ends_on, YEAR_2021) == 11
    assert internship_days(starts_on, ends_on, (starts_on, ends_on)) == 25


def test_both_ends_count_weekends_do_not_and_an_internship_outside_the_period_counts_nothing():
    assert internship_days(dt.date(2020, 3, 2), dt.date(2020, 3, 2), YEAR_2020) == 1  # one Monday
    assert internship_days(dt.date(2020, 1, 4), dt.date(2020, 1, 5), YEAR_2020) == 0  # Saturday and Sunday
    assert internship_days(dt.date(2020, 1, 6), dt.date(2020, 1, 12), YEAR_2020) == 5  # Monday to Sunday
    assert internship_days(dt.date(2019, 11, 4), dt.date(2019, 12, 20), YEAR_2020) == 0


# --- per company ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_internship_across_two_years_is_an_intern_in_both_and_finished_only_where_it_ended():
    across = company("Atelier du Lac")
    internship(across, dt.date(2020, 12, 14), dt.date(2021, 1, 15), finished=True, hired=True)

    figures_2020 = company_figures(period_start=YEAR_2020[0], period_end=YEAR_2020[1])
    figures_2021 = company_figures(period_start=YEAR_2021[0], period_end=YEAR_2021[1])

    assert figures_2020[across.pk] == CompanyFigures(across.pk, internship_days=14, interns=1, finished=0, hired=0)
    assert figures_2021[across.pk] == CompanyFigures(across.pk, internship_days=11, interns=1, finished=1, hired=1)


@pytest.mark.django_db
def test_an_unfinished_internship_counts_in_the_interns_and_the_days_but_not_in_finished_or_hired():
    host = company("Mécanique Val-de-Ruz")
    internship(host, dt.date(2020, 1, 6), dt.date(2020, 1, 31), finished=True, hired=False)  # 20 days
    internship(host, dt.date(2020, 11, 2), dt.date(2020, 11, 13))  # still running: 10 days

    figures = company_figures(period_start=YEAR_2020[0], period_end=YEAR_2020[1])[host.pk]

    assert (figures.internship_days, figures.interns, figures.finished, figures.hired) == (30, 2, 1, 0)
    assert figures.reinsertion_rate == Decimal("0")


@pytest.mark.django_db
def test_a_company_whose_interns_did_not_finish_has_no_reinsertion_rate():
    host = company("Horlogerie du Locle")
    internship(host, dt.date(2020, 6, 1), dt.date(2020, 6, 5))

    figures = company_figures(period_start=YEAR_2020[0], period_end=YEAR_2020[1])[host.pk]

    assert figures.finished == 0
    assert figures.reinsertion_rate is None


@pytest.mark.django_db
def test_companies_without_internship_in_the_period_are_absent_and_the_list_can_be_narrowed():
    busy, other = company("A"), company("B")
    company("Sans stage")
    internship(busy, dt.date(2020, 2, 3), dt.date(2020, 2, 7))
    internship(other, dt.date(2020, 2, 3), dt.date(2020, 2, 7))
    internship(other, dt.date(2019, 2, 4), dt.date(2019, 2, 8))

    assert set(company_figures(period_start=YEAR_2020[0], period_end=YEAR_2020[1])) == {busy.pk, other.pk}
    narrowed = company_figures(period_start=YEAR_2020[0], period_end=YEAR_2020[1], company_ids=[other.pk])
    assert narrowed == {other.pk: CompanyFigures(other.pk, internship_days=5, interns=1)}


@pytest.mark.django_db
def test_company_figures_cost_one_query_for_two_companies_and_for_twenty():
    def queries_for(count: int) -> int:
        for number in range(count):
            outcomes(company(f"Entreprise {count}-{number}"), finished=2, hired=1, unfinished=1)
        with CaptureQueriesContext(connection) as captured:
            figures = company_figures(period_start=YEAR_2020[0], period_end=YEAR_2020[1])
        assert len(figures) >= count
        return len(captured)

    assert queries_for(2) == 1
    assert queries_for(20) == 1


# --- per edition -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_edition_s_figures_and_the_previous_edition_s_reproduce_hand_computed_rates(cnip_staff):
    # 2019: 16 finished, 9 hired (56.25 %); 2020: 12 finished, 5 hired (41.67 %).
    lake, hills = company("Lac SA", Canton.NE), company("Collines Sàrl", Canton.VD)
    outcomes(lake, finished=10, hired=6, year=2019)
    outcomes(hills, finished=6, hired=3, year=2019)
    outcomes(lake, finished=7, hired=3, unfinished=2)
    outcomes(hills, finished=5, hired=2)
    edition(cnip_staff, 2019)
    current = edition(cnip_staff, 2020)

    comparison = edition_figures(edition=current)

    now, before = comparison.current, comparison.previous
    assert before is not None
    assert (now.companies, now.interns, now.finished, now.hired) == (2, 14, 12, 5)
    assert now.internship_days == 14 * 20
    assert now.reinsertion_percent == Decimal("41.67")
    assert now.reinsertion_rate == Decimal("0.416667")
    assert (before.year, before.finished, before.hired, before.reinsertion_percent) == (2019, 16, 9, Decimal("56.25"))
    assert before.internship_days == 16 * 20
    assert now.frozen is False and now.labelled == 0 and now.labelled_by_canton == ()


@pytest.mark.django_db
def test_zero_finished_interns_give_no_rate_and_an_edition_without_predecessor_has_no_comparison(cnip_staff):
    internship(company("Début SA"), dt.date(2020, 3, 2), dt.date(2020, 3, 6))
    current = edition(cnip_staff, 2020)

    comparison = edition_figures(edition=current)

    assert comparison.previous is None
    assert comparison.current.finished == 0
    assert comparison.current.reinsertion_rate is None
    assert comparison.current.reinsertion_percent is None


@pytest.mark.django_db
def test_labelled_companies_are_counted_by_canton_from_the_computed_ranking(cnip_staff):
    for name, canton in [("A", Canton.NE), ("B", Canton.VD), ("C", Canton.NE), ("D", Canton.FR)]:
        outcomes(company(name, canton), finished=1, hired=1)
    outcomes(company("En cours", Canton.BE), finished=0, hired=0, unfinished=1)
    internship(company("Hors période", Canton.GE), dt.date(2019, 3, 4), dt.date(2019, 3, 8))
    current = edition(cnip_staff, 2020, threshold="3")
    only_criteria(current, DAYS_ONLY)  # 20 days each: the best, 3 points, the threshold
    edition_compute_ranking(edition=current, computed_by=cnip_staff)

    figures = edition_figures(edition=current).current

    assert figures.labelled == 5
    assert [(row.canton, row.count) for row in figures.labelled_by_canton] == [
        ("NE", 2),
        ("BE", 1),
        ("FR", 1),
        ("VD", 1),
    ]
    assert figures.labelled_by_canton[0].label == "Neuchâtel"


@pytest.mark.django_db
def test_edition_figures_cost_the_same_queries_for_few_and_many_companies(cnip_staff):
    current = edition(cnip_staff, 2020)
    edition(cnip_staff, 2019)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            edition_figures(edition=current)
        return len(captured)

    outcomes(company("Seule"), finished=1, hired=1)
    few = queries()
    for number in range(25):
        outcomes(company(f"Entreprise {number}"), finished=2, hired=1, unfinished=1)
        outcomes(company(f"Ancienne {number}"), finished=1, hired=0, year=2019)
    assert queries() == few
    assert few <= 6
