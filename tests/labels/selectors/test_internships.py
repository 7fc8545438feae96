"""Reading the internships and programmes: CNIP staff list and filter them; anyone else gets a 404."""

import datetime as dt

import pytest
from django.http import Http404

from labels.models import PartnerCompany
from labels.selectors.internships import internship_get, internship_list, programme_list
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory, TrainingProgrammeFactory

pytestmark = pytest.mark.django_db


def _pseudonyms(internships) -> list[str]:  # type: ignore[no-untyped-def]
    return [internship.intern_pseudonym for internship in internships]


@pytest.fixture
def internships() -> None:
    lake = PartnerCompanyFactory(name="Boulangerie du Lac")
    garage = PartnerCompanyFactory(name="Garage Central")
    logistics = TrainingProgrammeFactory(code="logistique", name="Logistique")
    # Across two years: counts in 2019 and in 2020.
    InternshipFactory(
        intern_pseudonym="Alpha", company=lake, starts_on=dt.date(2019, 11, 4), ends_on=dt.date(2020, 2, 28)
    )
    InternshipFactory(
        intern_pseudonym="Bravo", company=garage, starts_on=dt.date(2020, 6, 1), ends_on=dt.date(2020, 9, 30)
    )
    InternshipFactory(
        intern_pseudonym="Charlie",
        company=garage,
        programme=logistics,
        starts_on=dt.date(2021, 1, 4),
        ends_on=dt.date(2021, 3, 26),
    )


def test_cnip_staff_see_the_internships_latest_start_first(cnip_staff, internships):
    assert _pseudonyms(internship_list(user=cnip_staff)) == ["Charlie", "Bravo", "Alpha"]


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai"])
def test_anyone_but_cnip_staff_gets_a_404_for_the_list(request, persona, internships):
    with pytest.raises(Http404):
        internship_list(user=request.getfixturevalue(persona))


def test_a_year_keeps_the_internships_with_a_day_in_it(cnip_staff, internships):
    assert _pseudonyms(internship_list(user=cnip_staff, year=2019)) == ["Alpha"]
    assert _pseudonyms(internship_list(user=cnip_staff, year=2020)) == ["Bravo", "Alpha"]
    assert _pseudonyms(internship_list(user=cnip_staff, year=2022)) == []


def test_a_company_keeps_its_own_internships(cnip_staff, internships):
    garage = PartnerCompany.objects.get(name="Garage Central")

    assert _pseudonyms(internship_list(user=cnip_staff, company=garage)) == ["Charlie", "Bravo"]
    assert _pseudonyms(internship_list(user=cnip_staff, company=garage, year=2020)) == ["Bravo"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [("alph", ["Alpha"]), ("garage", ["Charlie", "Bravo"]), ("LOGISTIQUE", ["Charlie"]), ("zulu", [])],
)
def test_the_search_matches_the_pseudonym_the_company_or_the_programme(cnip_staff, internships, search, expected):
    assert _pseudonyms(internship_list(user=cnip_staff, search=search)) == expected


def test_the_list_costs_one_query_whatever_its_length(cnip_staff, internships, django_assert_num_queries):
    cnip_staff.role_codes  # noqa: B018  # roles are read once and cached, as in a request

    with django_assert_num_queries(1):
        rows = [(i.company.name, i.programme.name) for i in internship_list(user=cnip_staff)]

    assert len(rows) == 3


def test_cnip_staff_get_one_internship(cnip_staff):
    internship = InternshipFactory()

    assert internship_get(user=cnip_staff, internship_id=internship.pk) == internship


def test_a_missing_internship_is_a_404(cnip_staff):
    with pytest.raises(Http404):
        internship_get(user=cnip_staff, internship_id=999_999)


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_cnip_council"])
def test_anyone_but_cnip_staff_gets_a_404_for_an_existing_internship(request, persona):
    internship = InternshipFactory()

    with pytest.raises(Http404):
        internship_get(user=request.getfixturevalue(persona), internship_id=internship.pk)


def test_the_programmes_are_listed_by_name_and_may_be_limited_to_active_ones(cnip_staff):
    TrainingProgrammeFactory(code="vente", name="Vente")
    TrainingProgrammeFactory(code="cuisine", name="Cuisine", active=False)

    assert [p.name for p in programme_list(user=cnip_staff)] == ["Cuisine", "Vente"]
    assert [p.name for p in programme_list(user=cnip_staff, active=True)] == ["Vente"]


def test_anyone_but_cnip_staff_gets_a_404_for_the_programmes(outsider):
    with pytest.raises(Http404):
        programme_list(user=outsider)
