"""Screening a social-assistance beneficiary against the criteria of the NE-ESO pilot (a pure function).

The pilot of productive social enterprises (NE-ESO, Alfaset, 2012; seed 003, §5
"Public cible") took beneficiaries of social assistance who met five criteria:
productivity from 60 to 90 %, no family charges, no heavy social problem, debts
not above CHF 10'000, and age from 30 to 65 (the first limit of 50 and over was
dropped in 2012). `eso_screening_check` says for each criterion whether it passes
and why, with the reason the document gives. Nothing is stored here.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cii_platform.accounts.models import Role, User
from measures.roles import is_coordination_member

PRODUCTIVITY_MIN = 60
PRODUCTIVITY_MAX = 90
DEBTS_MAX_CHF = Decimal("10000")
AGE_MIN = 30
AGE_MAX = 65


@dataclass(frozen=True)
class CriterionResult:
    """One criterion of the pilot: its code, its French label, whether it passes, and why."""

    code: str
    label: str
    passed: bool
    explanation: str


def _chf(amount: Decimal) -> str:
    whole = int(amount.to_integral_value())
    return "CHF " + f"{whole:,}".replace(",", "'")


def eso_screening_check(
    *,
    productivity_percent: int | Decimal,
    has_family_charges: bool,
    debts_chf: int | Decimal,
    heavy_social_problem: bool,
    age: int,
) -> list[CriterionResult]:
    """The five criteria of the NE-ESO pilot for one person, each passed or failed with the document's reason.

    Bounds are inclusive: 60 % and 90 % pass, CHF 10'000 of debts passes, 30 and
    65 years pass. Raises `ValidationError` (French) for a productivity outside
    0–100 %, negative debts or an age outside 15–100.
    """
    errors: dict[str, str] = {}
    if not 0 <= productivity_percent <= 100:
        errors["productivity_percent"] = _("La productivité est un pourcentage entre 0 et 100.")
    if debts_chf < 0:
        errors["debts_chf"] = _("Les dettes ne peuvent pas être négatives (indiquez 0 s'il n'y en a pas).")
    if not 15 <= age <= 100:
        errors["age"] = _("Indiquez un âge entre 15 et 100 ans.")
    if errors:
        raise ValidationError(errors)

    if productivity_percent < PRODUCTIVITY_MIN:
        productivity = CriterionResult(
            "productivity",
            _("Productivité de 60 à 90 %"),
            False,
            _(
                "%(value)s %% : en dessous de 60 %%, le salaire ne suffit pas à sortir de l'aide sociale et "
                "l'ESO ne peut pas mener une vraie activité de production."
            )
            % {"value": productivity_percent},
        )
    elif productivity_percent > PRODUCTIVITY_MAX:
        productivity = CriterionResult(
            "productivity",
            _("Productivité de 60 à 90 %"),
            False,
            _(
                "%(value)s %% : au-dessus de 90 %%, il faut viser directement la réintégration dans le premier "
                "marché du travail."
            )
            % {"value": productivity_percent},
        )
    else:
        productivity = CriterionResult(
            "productivity",
            _("Productivité de 60 à 90 %"),
            True,
            _(
                "%(value)s %% : assez pour un salaire qui sorte de l'aide sociale et pour une vraie activité de "
                "production, sans permettre encore le premier marché du travail."
            )
            % {"value": productivity_percent},
        )

    family = CriterionResult(
        "family_charges",
        _("Pas de charge de famille"),
        not has_family_charges,
        _(
            "Charge de famille : le salaire à proposer serait trop élevé pour permettre la sortie de l'aide "
            "sociale (célibataires ou couples sans enfants seulement)."
        )
        if has_family_charges
        else _("Pas de charge de famille : le salaire d'une ESO peut suffire à sortir de l'aide sociale."),
    )

    heavy_debts = debts_chf > DEBTS_MAX_CHF
    debts = CriterionResult(
        "debts",
        _("Pas d'endettement lourd (au plus CHF 10'000)"),
        not heavy_debts,
        (
            _(
                "%(amount)s de dettes : au-delà de CHF 10'000, les poursuites reprennent à la sortie de l'aide "
                "sociale, ce qui est peu incitatif."
            )
            if heavy_debts
            else _("%(amount)s de dettes : pas au-delà de CHF 10'000, la sortie de l'aide sociale reste incitative.")
        )
        % {"amount": _chf(Decimal(debts_chf))},
    )

    social = CriterionResult(
        "heavy_social_problem",
        _("Pas de problématique sociale lourde"),
        not heavy_social_problem,
        _(
            "Problématique sociale lourde : l'ESO doit mener une activité d'entreprise et ne peut pas la "
            "prendre en charge."
        )
        if heavy_social_problem
        else _("Pas de problématique sociale lourde : la personne peut tenir un poste dans une activité d'entreprise."),
    )

    in_range = AGE_MIN <= age <= AGE_MAX
    age_result = CriterionResult(
        "age",
        _("Âge de 30 à 65 ans"),
        in_range,
        (
            _(
                "%(age)s ans : dans le public du projet pilote (30 à 65 ans depuis 2012, la limite de 50 ans et plus "
                "ayant été supprimée)."
            )
            if in_range
            else _("%(age)s ans : hors du public du projet pilote, qui va de 30 à 65 ans depuis 2012.")
        )
        % {"age": age},
    )
    return [productivity, family, debts, social, age_result]


def eso_screening_eligible(results: list[CriterionResult]) -> bool:
    """Whether every criterion passes (the person fits the pilot; meeting them gives no right to a place)."""
    return all(result.passed for result in results)


def eso_screening_allowed(user: User | None) -> bool:
    """Who screens: caseworkers of social assistance (SASO) and members of the coordination group."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    saso_caseworker = user.service is not None and user.service.code == "saso" and user.has_role(Role.CASEWORKER)
    return saso_caseworker or is_coordination_member(user)
