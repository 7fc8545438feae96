"""The public verification page of a certificate: one fact about one company, for anyone, never indexed."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cii_platform.accounts.models import User
from labels.models import Edition, EditionStatus, PartnerCompany, RankingEntry

pytestmark = pytest.mark.django_db

CODE = "pQ7vKc2LmN9xR4tY8wZ1aB3dF6gH0jSe"


def _entry(
    *, year: int, status: str, created_by: User, code: str, labelled: bool = True, prize: int | None = None, **kw: str
) -> RankingEntry:
    edition = Edition.objects.create(
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        status=status,
        published_at=dt.datetime(year + 1, 3, 10, 9, tzinfo=dt.UTC) if status == EditionStatus.PUBLISHED else None,
        created_by=created_by,
    )
    company = PartnerCompany.objects.create(
        name="Mécanique Dubois SA (nom actuel)",
        uid=f"CHE-109.322.{year % 1000:03d}",
        canton="NE",
        locality="Couvet",
        contact_name="Claire Secrète",
        contact_email="claire.secrete@example.ch",
        contact_phone="032 000 00 00",
    )
    return RankingEntry.objects.create(
        edition=edition,
        company=company,
        rank=1,
        company_name="Mécanique Dubois SA",
        canton="NE",
        locality="Couvet",
        internship_days=4321,
        interns=7,
        finished=5,
        hired=3,
        raw_rate=Decimal("0.6"),
        corrected_rate=Decimal("0.231"),
        score=Decimal("87.6543"),
        labelled=labelled,
        prize=prize,
        verification_code=code,
        **kw,
    )


def _get(code: str) -> Any:
    return Client().get(reverse("labels:verify", kwargs={"code": code}))


def test_a_published_certificate_is_confirmed_with_the_name_and_year_and_nothing_else(cnip_staff):
    entry = _entry(
        year=2020,
        status=EditionStatus.PUBLISHED,
        created_by=cnip_staff,
        code=CODE,
        prize=1,
        special_label="Coup de cœur",
    )

    response = _get(CODE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Mécanique Dubois SA" in page
    assert "détient le Label Intégration 2020." in page
    assert "Prix d&#x27;excellence – 1er rang" in page
    assert "Label spécial « Coup de cœur »" in page
    assert "10.03.2021" in page and "ce certificat est valable" in page
    for secret in (
        "nom actuel",
        entry.company.uid,
        "Claire Secrète",
        "claire.secrete@example.ch",
        "032 000 00 00",
        "4321",
        "87.65",
        "0.231",
        "Se déconnecter",
    ):
        assert secret not in page


def test_the_page_is_never_indexed(cnip_staff):
    _entry(year=2020, status=EditionStatus.PUBLISHED, created_by=cnip_staff, code=CODE)

    response = _get(CODE)

    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"


@pytest.mark.parametrize("status", [EditionStatus.DRAFT, EditionStatus.COMPUTED, EditionStatus.JURY])
def test_a_certificate_of_an_unpublished_edition_is_not_valid_and_says_nothing_more(cnip_staff, status):
    _entry(year=2021, status=status, created_by=cnip_staff, code=CODE, prize=2)

    response = _get(CODE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce certificat n'est pas (encore) valable." in page
    assert "Mécanique Dubois" not in page and "2021" not in page and "Prix" not in page
    assert "détient" not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"


def test_a_company_ranked_but_not_labelled_has_no_valid_certificate(cnip_staff):
    _entry(year=2020, status=EditionStatus.PUBLISHED, created_by=cnip_staff, code=CODE, labelled=False)

    page = _get(CODE).content.decode()

    assert "pas (encore) valable" in page and "Mécanique Dubois" not in page


def test_an_unknown_code_is_a_plain_404(cnip_staff):
    _entry(year=2020, status=EditionStatus.PUBLISHED, created_by=cnip_staff, code=CODE)

    response = _get("unknownCode000000000000000000000")

    assert response.status_code == 404
    assert "Mécanique" not in response.content.decode()


def test_anonymous_visitors_need_no_login_and_logged_in_staff_see_the_same(cnip_staff, client_for, outsider):
    _entry(year=2020, status=EditionStatus.PUBLISHED, created_by=cnip_staff, code=CODE)
    url = reverse("labels:verify", kwargs={"code": CODE})

    anonymous = Client().get(url)
    signed_in = client_for(outsider).get(url)

    assert url == f"/label/verifier/{CODE}/"
    assert anonymous.status_code == 200 and "accounts" not in anonymous.get("Location", "")
    assert signed_in.status_code == 200
    assert "détient le Label Intégration 2020." in signed_in.content.decode()


def test_the_page_only_answers_reads(cnip_staff):
    _entry(year=2020, status=EditionStatus.PUBLISHED, created_by=cnip_staff, code=CODE)

    response = Client().post(reverse("labels:verify", kwargs={"code": CODE}))

    assert response.status_code == 405
