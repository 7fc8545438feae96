"""The NE-ESO pilot criteria: each one passes or fails at its boundaries, with the document's reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from measures.services.eso_screening import eso_screening_check, eso_screening_eligible

FITS = {
    "productivity_percent": 75,
    "has_family_charges": False,
    "debts_chf": Decimal("0"),
    "heavy_social_problem": False,
    "age": 45,
}


def _result(code: str, **changes: object):  # type: ignore[no-untyped-def]
    results = eso_screening_check(**(FITS | changes))  # type: ignore[arg-type]
    return next(result for result in results if result.code == code)


def test_a_person_who_fits_passes_every_criterion():
    results = eso_screening_check(**FITS)  # type: ignore[arg-type]

    assert [result.code for result in results] == [
        "productivity",
        "family_charges",
        "debts",
        "heavy_social_problem",
        "age",
    ]
    assert eso_screening_eligible(results)


@pytest.mark.parametrize(
    ("value", "passed", "reason"),
    [
        (59, False, "en dessous de 60 %, le salaire ne suffit pas à sortir de l'aide sociale"),
        (60, True, "assez pour un salaire"),
        (90, True, "assez pour un salaire"),
        (91, False, "au-dessus de 90 %, il faut viser directement la réintégration dans le premier marché"),
    ],
)
def test_productivity_passes_from_60_to_90_percent(value, passed, reason):
    result = _result("productivity", productivity_percent=value)

    assert result.passed is passed
    assert reason in result.explanation
    assert result.explanation.startswith(f"{value} %")


@pytest.mark.parametrize(
    ("debts", "passed", "reason"),
    [
        (Decimal("10000"), True, "pas au-delà de CHF 10'000"),
        (Decimal("10000.05"), False, "les poursuites reprennent à la sortie de l'aide sociale"),
        (Decimal("25000"), False, "CHF 25'000 de dettes"),
    ],
)
def test_debts_pass_up_to_chf_10000(debts, passed, reason):
    result = _result("debts", debts_chf=debts)

    assert result.passed is passed
    assert reason in result.explanation


@pytest.mark.parametrize(("age", "passed"), [(29, False), (30, True), (65, True), (66, False)])
def test_age_passes_from_30_to_65(age, passed):
    result = _result("age", age=age)

    assert result.passed is passed
    assert f"{age} ans" in result.explanation
    assert "30 à 65 ans" in result.explanation


def test_family_charges_and_a_heavy_social_problem_fail_with_their_reason():
    family = _result("family_charges", has_family_charges=True)
    social = _result("heavy_social_problem", heavy_social_problem=True)

    assert not family.passed
    assert "trop élevé pour permettre la sortie de l'aide sociale" in family.explanation
    assert not social.passed
    assert "l'ESO doit mener une activité d'entreprise" in social.explanation
    assert not eso_screening_eligible(eso_screening_check(**(FITS | {"heavy_social_problem": True})))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"productivity_percent": 101}, "productivity_percent"), ({"debts_chf": -1}, "debts_chf"), ({"age": 12}, "age")],
)
def test_impossible_answers_get_a_french_error(changes, field):
    with pytest.raises(ValidationError) as refused:
        eso_screening_check(**(FITS | changes))  # type: ignore[arg-type]

    assert field in refused.value.message_dict
