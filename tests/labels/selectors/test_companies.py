"""Reading the partner companies: CNIP staff search and filter them; anyone else gets the 404 of a missing page."""

import pytest
from django.http import Http404

from labels.models import Canton
from labels.selectors.companies import company_branches, company_get, company_list
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory

pytestmark = pytest.mark.django_db


def _names(companies) -> list[str]:  # type: ignore[no-untyped-def]
    return [company.name for company in companies]


@pytest.fixture
def companies() -> None:
    PartnerCompanyFactory(
        name="Boulangerie du Lac", uid="CHE-100.155.212", canton=Canton.NE, locality="Neuchâtel", branch="Alimentation"
    )
    PartnerCompanyFactory(name="Garage Central", canton=Canton.VD, locality="Yverdon-les-Bains", branch="Automobile")
    PartnerCompanyFactory(
        name="Ancienne Scierie", canton=Canton.NE, locality="Lac-de-Joux", branch="bois", active=False
    )


def test_cnip_staff_see_every_company_by_name(cnip_staff, companies):
    assert _names(company_list(user=cnip_staff)) == ["Ancienne Scierie", "Boulangerie du Lac", "Garage Central"]


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai", "platform_admin"])
def test_anyone_but_cnip_staff_gets_a_404_for_the_list(request, persona, companies):
    with pytest.raises(Http404):
        company_list(user=request.getfixturevalue(persona))


def test_an_anonymous_caller_gets_a_404(companies):
    with pytest.raises(Http404):
        company_list(user=None)


def test_the_search_matches_part_of_the_name_or_the_locality_ignoring_case(cnip_staff, companies):
    assert _names(company_list(user=cnip_staff, search="GARAGE")) == ["Garage Central"]
    # "lac" is in a name (Boulangerie du Lac) and in a locality (Lac-de-Joux).
    assert _names(company_list(user=cnip_staff, search="lac")) == ["Ancienne Scierie", "Boulangerie du Lac"]


@pytest.mark.parametrize(
    "search", ["100155212", "155212", "100.155.212", "CHE-100.155.212", "che100155", "CHE 100 155"]
)
def test_a_search_with_the_digits_of_a_uid_finds_the_company(cnip_staff, companies, search):
    assert _names(company_list(user=cnip_staff, search=search)) == ["Boulangerie du Lac"]


def test_a_search_of_two_digits_is_not_taken_for_a_uid(cnip_staff, companies):
    assert _names(company_list(user=cnip_staff, search="10")) == []


def test_the_filters_by_canton_activity_and_branch_combine(cnip_staff, companies):
    assert _names(company_list(user=cnip_staff, canton="ne")) == ["Ancienne Scierie", "Boulangerie du Lac"]
    assert _names(company_list(user=cnip_staff, canton="NE", active=True)) == ["Boulangerie du Lac"]
    assert _names(company_list(user=cnip_staff, active=False)) == ["Ancienne Scierie"]
    assert _names(company_list(user=cnip_staff, branch="BOIS")) == ["Ancienne Scierie"]


def test_each_company_carries_its_number_of_internships(cnip_staff):
    busy = PartnerCompanyFactory(name="Busy")
    PartnerCompanyFactory(name="Idle")
    InternshipFactory.create_batch(3, company=busy)

    counts = {company.name: company.internship_count for company in company_list(user=cnip_staff)}

    assert counts == {"Busy": 3, "Idle": 0}


def test_the_list_costs_one_query_whatever_its_length(cnip_staff, django_assert_num_queries):
    for company in PartnerCompanyFactory.create_batch(5):
        InternshipFactory(company=company)
    cnip_staff.role_codes  # noqa: B018  # roles are read once and cached, as in a request

    with django_assert_num_queries(1):
        list(company_list(user=cnip_staff, search="100155"))


def test_cnip_staff_get_one_company_with_its_internship_count(cnip_staff):
    company = PartnerCompanyFactory()
    InternshipFactory(company=company)

    found = company_get(user=cnip_staff, company_id=company.pk)

    assert (found, found.internship_count) == (company, 1)


def test_a_missing_company_is_a_404(cnip_staff):
    with pytest.raises(Http404):
        company_get(user=cnip_staff, company_id=999_999)


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_cnci"])
def test_anyone_but_cnip_staff_gets_a_404_for_an_existing_company(request, persona):
    company = PartnerCompanyFactory()

    with pytest.raises(Http404):
        company_get(user=request.getfixturevalue(persona), company_id=company.pk)


def test_the_branches_in_use_are_offered_once_each_sorted(cnip_staff, companies):
    PartnerCompanyFactory(branch="Alimentation")
    PartnerCompanyFactory(branch="")

    assert company_branches(user=cnip_staff) == ["Alimentation", "Automobile", "bois"]


def test_anyone_but_cnip_staff_gets_a_404_for_the_branches(outsider):
    with pytest.raises(Http404):
        company_branches(user=outsider)
