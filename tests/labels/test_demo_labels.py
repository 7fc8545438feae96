"""The demo canton's label reproduces the figures of the documents (000: 2019 and 2020)."""

from decimal import Decimal

import pytest

from cii_platform.accounts.models import Role
from labels.demo import load_demo_labels
from labels.models import Edition, EditionStatus, PartnerCompany
from labels.selectors.figures import edition_figures, rate
from labels.services.editions import edition_compute_ranking

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_accounts(make_account):  # type: ignore[no-untyped-def]
    staff = make_account("cnip.collaboratrice", "oai", "cnip", (Role.CNIP_STAFF,))
    make_account("jury.oai", "oai", "oai-ne", (Role.LABEL_JURY,))
    make_account("jury.conseil", "oai", "cnip", (Role.LABEL_JURY,))
    make_account("jury.cnci", None, None, (Role.LABEL_JURY,))
    return staff


def test_2019_is_published_with_3020_days_and_a_reinsertion_rate_of_56_25_percent(demo_accounts):
    load_demo_labels()

    edition = Edition.objects.get(year=2019)
    figures = edition_figures(edition=edition).current
    assert edition.status == EditionStatus.PUBLISHED and figures.frozen
    assert (figures.internship_days, figures.finished, figures.hired) == (3020, 16, 9)
    assert rate(figures.hired, figures.finished) == Decimal("0.5625")


def test_2020_has_24_companies_2943_days_and_41_67_percent_and_its_ranking_labels_13_ne_7_vd_2_be_2_fr(
    demo_accounts,
):
    load_demo_labels()
    edition = Edition.objects.get(year=2020)
    assert edition.status == EditionStatus.DRAFT

    edition_compute_ranking(edition=edition, computed_by=demo_accounts)

    comparison = edition_figures(edition=Edition.objects.get(year=2020))
    figures = comparison.current
    assert (figures.companies, figures.internship_days, figures.finished, figures.hired) == (24, 2943, 24, 10)
    assert f"{rate(figures.hired, figures.finished) * 100:.2f}" == "41.67"
    assert {row.canton: row.count for row in figures.labelled_by_canton} == {"NE": 13, "VD": 7, "BE": 2, "FR": 2}
    assert figures.labelled == 24
    assert comparison.previous is not None and comparison.previous.internship_days == 3020


def test_loading_again_creates_nothing(demo_accounts):
    load_demo_labels()
    companies = PartnerCompany.objects.count()

    assert load_demo_labels() == {"companies": 0, "internships": 0}
    assert PartnerCompany.objects.count() == companies
