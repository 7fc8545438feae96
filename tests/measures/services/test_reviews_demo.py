"""The demo's agreements, corrective measures and validated review: created once, skipped when providers are missing."""

import pytest

from cii_platform.accounts.models import Role
from measures.demo_reviews import load_demo_reviews
from measures.models import CorrectiveMeasure, ServiceAgreement, YearlyReview
from tests.measures.factories import MeasureFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_once_and_skips_what_is_missing(make_account):
    make_account("coord.lmmt", "semp", "lmmt", (Role.COORDINATION_GROUP,))
    alfaset = ProviderFactory(name="Alfaset")
    MeasureFactory(provider=alfaset, code="visitage", name="Atelier visitage")
    MeasureFactory(provider=ProviderFactory(name="Espace des Solidarités"), code="vente")

    first = load_demo_reviews()
    second = load_demo_reviews()

    assert first == {"agreements": 2, "corrective_measures": 2, "reviews": 1}  # no Evologia in this canton
    assert second == {"agreements": 0, "corrective_measures": 0, "reviews": 0}
    assert CorrectiveMeasure.objects.filter(status="escalated").count() == 1
    assert CorrectiveMeasure.objects.filter(status="done").count() == 1
    review = YearlyReview.objects.get()
    assert (review.year, review.status, review.measure.code) == (2025, "final", "visitage")
    assert ServiceAgreement.objects.get(provider=alfaset).indicators.count() == 4


def test_without_the_delegates_account_it_creates_nothing(db):
    assert load_demo_reviews() == {"agreements": 0, "corrective_measures": 0, "reviews": 0}
