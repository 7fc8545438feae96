"""The editions of the label and their workflow: brouillon → classement calculé → validation du jury → publié.

Only CNIP staff (`labels.roles.is_cnip_staff`) create and change an edition, its criteria, compute
its ranking, submit it to the jury and publish it; anyone else gets `PermissionDenied` (the pages and
the API answer the 404 of a missing page). The jury's own writes (seats, recusals, marks, approvals)
are in `labels.services.jury`. Bad input raises a `ValidationError` with French messages (keyed by
field where there is one) and saves nothing; every write is audited.

Versions. An edition's settings and criteria are edited against the version they were read at
(`expected_version`): if the edition changed since, `StaleEdition` is raised and nothing is saved.
Every write on the edition row (settings, criteria, jury seats, a voided or new computation, a
status change) increments its version.

What voids a computed ranking. The ranking is computed from the period, the threshold, the number
of prizes, the criteria, the jury's seats, recusals and marks. Changing any of them while the
edition is *computed* or *in the jury's hands* voids the ranking: its entries and the jury's
approvals are deleted and the edition goes back to *brouillon* (CNIP computes again). The ceremony
and the signatories do not void it. Criteria change only in *brouillon* or *classement calculé*:
once the ranking is with the jury, `edition_reopen` takes it back first. A special label ("Coup de
cœur") is not part of the ranking and voids nothing.

Publication freezes the edition: from then on every write on it, its criteria, jury, recusals,
marks, approvals and entries is refused with `EditionFrozen` ("L'édition 2020 est publiée : elle
ne change plus."). Its figures are those frozen in `EditionFigures` and its `RankingEntry` rows;
editing an internship later changes neither.

The ranking itself is computed by `labels.ranking.compute_ranking` (pure); here its inputs are read
and its rows written as `RankingEntry` rows. An entry's `points` JSON holds, per criterion id (as a
string): ``{"value": float, "normalised": float, "points": float, "marks": int | None}`` — the
criterion's raw value for the company (days, count, corrected rate or average mark), its share
0..1, its points (share × weight), and for a qualitative criterion the number of jury marks
averaged (0: nobody marked the company, which got 0 on it).
"""

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from labels.models import (
    Criterion,
    CriterionKind,
    CriterionMetric,
    Edition,
    EditionFigures,
    EditionStatus,
    JuryApproval,
    JuryMember,
    JuryScore,
    JurySeat,
    Normalisation,
    PartnerCompany,
    RankingEntry,
    Recusal,
)
from labels.ranking import CompanyInput, CriterionInput, Ranking, compute_ranking, scale_allowed
from labels.roles import is_cnip_staff
from labels.selectors.figures import company_figures, frozen_figures_from_entries, rate

RATE_PLACES = Decimal("0.000001")
SCORE_PLACES = Decimal("0.0001")
VOIDABLE = (EditionStatus.COMPUTED, EditionStatus.JURY)


class StaleEdition(StaleVersion):
    """The edition changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, edition: Edition) -> None:
        super().__init__(
            _(
                "L'édition %(year)s a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
            % {"year": edition.year}
        )
        self.edition = edition


class EditionFrozen(ValidationError):
    """A write on a published edition (or on anything of it): refused, nothing changes."""

    def __init__(self, edition: Edition) -> None:
        super().__init__(_("L'édition %(year)s est publiée : elle ne change plus.") % {"year": edition.year})
        self.edition = edition


@dataclass(frozen=True)
class CriterionTerms:
    """A criterion as typed (see `labels.models.Criterion`): `metric` only for a quantitative criterion.

    `position` None puts a new criterion last and keeps an existing one's place.
    """

    name: str
    kind: str
    weight: Decimal
    normalisation: str
    metric: str = ""
    max_score: int = 10
    description: str = ""
    position: int | None = None


def default_criteria() -> list[CriterionTerms]:
    """The criteria a new edition starts with (CNIP may change them while the edition is a draft)."""
    return [
        CriterionTerms(
            name=_("Jours de stage"),
            kind=CriterionKind.QUANTITATIVE,
            metric=CriterionMetric.INTERNSHIP_DAYS,
            weight=Decimal("3"),
            normalisation=Normalisation.SHARE_OF_MAX,
            description=_("Jours ouvrables (lundi–vendredi) de stage dans la période de référence."),
        ),
        CriterionTerms(
            name=_("Stagiaires engagés"),
            kind=CriterionKind.QUANTITATIVE,
            metric=CriterionMetric.HIRED,
            weight=Decimal("2"),
            normalisation=Normalisation.SHARE_OF_MAX,
            description=_("Stagiaires ayant un emploi au dernier jour d'un stage terminé dans la période."),
        ),
        CriterionTerms(
            name=_("Taux de réinsertion corrigé"),
            kind=CriterionKind.QUANTITATIVE,
            metric=CriterionMetric.REINSERTION_RATE,
            weight=Decimal("3"),
            normalisation=Normalisation.SCALE,
            description=_("Borne inférieure de l'intervalle de Wilson à 95 % du taux engagés ÷ stages terminés."),
        ),
        CriterionTerms(
            name=_("Engagement de l'entreprise"),
            kind=CriterionKind.QUALITATIVE,
            weight=Decimal("1"),
            normalisation=Normalisation.SCALE,
            max_score=10,
        ),
        CriterionTerms(
            name=_("Qualité de l'encadrement"),
            kind=CriterionKind.QUALITATIVE,
            weight=Decimal("1"),
            normalisation=Normalisation.SCALE,
            max_score=10,
        ),
        CriterionTerms(
            name=_("Ouverture à des profils divers"),
            kind=CriterionKind.QUALITATIVE,
            weight=Decimal("1"),
            normalisation=Normalisation.SCALE,
            max_score=10,
        ),
    ]


# --- shared by the label's services -------------------------------------------------------------


def require_cnip_staff(user: User | None) -> None:
    """PermissionDenied unless `user` is CNIP staff (who alone manage the editions)."""
    if not is_cnip_staff(user):
        raise PermissionDenied(_("Seul le personnel du CNIP gère les éditions du label."))


def lock_open_edition(edition: Edition, *, expected_version: int | None = None) -> Edition:
    """The edition's row, locked for the rest of the transaction; refused when published or stale.

    Every write on an edition or on anything of it goes through this lock, so that a publication,
    a computation and a change never interleave. Raises `EditionFrozen` for a published edition and,
    when `expected_version` is given and no longer the edition's, `StaleEdition`.
    """
    current = Edition.objects.select_for_update().get(pk=edition.pk)
    if current.is_published:
        raise EditionFrozen(current)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdition(current)
    return current


def void_ranking(edition: Edition) -> bool:
    """Void a computed ranking (its entries and the approvals) and put the locked `edition` back in draft.

    The caller saves the edition (`save_edition`). Returns whether there was a ranking to void.
    """
    if edition.status not in VOIDABLE:
        return False
    RankingEntry.objects.filter(edition=edition).delete()
    JuryApproval.objects.filter(member__edition=edition).delete()
    edition.status = EditionStatus.DRAFT
    edition.computed_at = None
    return True


def save_edition(edition: Edition, fields: list[str]) -> None:
    """Validate and save the locked `edition`'s `fields` (with `status` and `computed_at`), incrementing its version."""
    edition.version += 1
    edition.full_clean()
    edition.save(update_fields=sorted({*fields, "status", "computed_at", "version"}))


def _voided_detail(voided: bool) -> dict[str, Any]:
    return {"ranking_voided": True} if voided else {}


# --- editions -----------------------------------------------------------------------------------


def _settings_errors(
    *,
    period_start: dt.date,
    period_end: dt.date,
    threshold: Decimal,
    prizes: int,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if period_end < period_start:
        errors["period_end"] = [_("La fin de la période de référence ne peut pas précéder son début.")]
    if threshold is None or threshold < 0:
        errors["threshold"] = [_("Le seuil du label est un nombre de points positif ou nul.")]
    if prizes is None or not 0 <= prizes <= 10:
        errors["prizes"] = [_("Le nombre de prix d'excellence va de 0 à 10.")]
    return errors


def _as_decimal(value: Decimal | int | str | float, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({field: message}) from error
    if not number.is_finite():
        raise ValidationError({field: message})
    return number


def _settings_detail(edition: Edition) -> dict[str, Any]:
    return {
        "year": edition.year,
        "period": [edition.period_start.isoformat(), edition.period_end.isoformat()],
        "threshold": str(edition.threshold),
        "prizes": edition.prizes,
        "ceremony_on": edition.ceremony_on.isoformat() if edition.ceremony_on else None,
        "ceremony_place": edition.ceremony_place,
    }


@transaction.atomic
def edition_create(
    *,
    year: int,
    created_by: User,
    threshold: Decimal,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    prizes: int = 3,
    ceremony_on: dt.date | None = None,
    ceremony_place: str = "",
    signatories: str = "",
    request: HttpRequest | None = None,
) -> Edition:
    """Open the edition of `year` (a draft) with the default criteria (`default_criteria`) and return it.

    The reference period defaults to 1 January – 31 December of `year`. Raises `PermissionDenied`
    for anyone but CNIP staff and `ValidationError` (French, by field) for a year that already has
    its edition or lies outside 2000–2100, a period ending before it starts, a negative threshold or
    a number of prizes outside 0–10. The creation is audited.
    """
    require_cnip_staff(created_by)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("L'année d'une édition va de 2000 à 2100.")})
    default_start, default_end = Edition.default_period(year)
    period_start = period_start or default_start
    period_end = period_end or default_end
    threshold = _as_decimal(threshold, "threshold", _("Le seuil du label est un nombre de points positif ou nul."))
    errors = _settings_errors(period_start=period_start, period_end=period_end, threshold=threshold, prizes=prizes)
    if Edition.objects.filter(year=year).exists():
        errors["year"] = [_("L'édition %(year)s existe déjà.") % {"year": year}]
    if errors:
        raise ValidationError(errors)
    edition = Edition(
        year=year,
        period_start=period_start,
        period_end=period_end,
        threshold=threshold,
        prizes=prizes,
        ceremony_on=ceremony_on,
        ceremony_place=(ceremony_place or "").strip(),
        signatories=(signatories or "").strip(),
        created_by=created_by,
    )
    edition.full_clean()
    try:
        with transaction.atomic():
            edition.save()
    except IntegrityError as error:  # the same year opened concurrently
        raise ValidationError({"year": _("L'édition %(year)s existe déjà.") % {"year": year}}) from error
    for position, terms in enumerate(default_criteria(), start=1):
        criterion = _criterion_from_terms(Criterion(edition=edition, position=position), terms)
        criterion.full_clean()
        criterion.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=created_by,
        obj=edition,
        request=request,
        detail={**_settings_detail(edition), "criteria": edition.criteria.count()},
    )
    return edition


@transaction.atomic
def edition_update(
    *,
    edition: Edition,
    expected_version: int,
    updated_by: User,
    period_start: dt.date,
    period_end: dt.date,
    threshold: Decimal,
    prizes: int,
    ceremony_on: dt.date | None = None,
    ceremony_place: str = "",
    signatories: str = "",
    request: HttpRequest | None = None,
) -> Edition:
    """Change an edition's period, threshold, prizes, ceremony and signatories; return the saved edition.

    A change of the period, the threshold or the number of prizes voids a computed ranking (see the
    module's docstring); the ceremony and the signatories do not. Raises `PermissionDenied` for
    anyone but CNIP staff, `EditionFrozen` once published, `StaleEdition` when the edition changed
    since `expected_version`, `ValidationError` (French, by field) for bad values.
    """
    require_cnip_staff(updated_by)
    current = lock_open_edition(edition, expected_version=expected_version)
    threshold = _as_decimal(threshold, "threshold", _("Le seuil du label est un nombre de points positif ou nul."))
    errors = _settings_errors(period_start=period_start, period_end=period_end, threshold=threshold, prizes=prizes)
    if errors:
        raise ValidationError(errors)
    ranking_inputs_changed = (
        current.period_start != period_start
        or current.period_end != period_end
        or current.threshold != threshold
        or current.prizes != prizes
    )
    current.period_start = period_start
    current.period_end = period_end
    current.threshold = threshold
    current.prizes = prizes
    current.ceremony_on = ceremony_on
    current.ceremony_place = (ceremony_place or "").strip()
    current.signatories = (signatories or "").strip()
    voided = void_ranking(current) if ranking_inputs_changed else False
    save_edition(
        current,
        ["period_start", "period_end", "threshold", "prizes", "ceremony_on", "ceremony_place", "signatories"],
    )
    audit_record(
        action=AuditAction.CHANGE,
        actor=updated_by,
        obj=current,
        request=request,
        detail={**_settings_detail(current), **_voided_detail(voided)},
    )
    return current


@transaction.atomic
def edition_reopen(
    *, edition: Edition, expected_version: int, reopened_by: User, request: HttpRequest | None = None
) -> Edition:
    """Take a computed ranking (or one with the jury) back: it is voided and the edition is a draft again.

    Raises `PermissionDenied` (not CNIP staff), `EditionFrozen`, `StaleEdition`, and `ValidationError`
    when the edition is already a draft.
    """
    require_cnip_staff(reopened_by)
    current = lock_open_edition(edition, expected_version=expected_version)
    if not void_ranking(current):
        raise ValidationError(_("L'édition %(year)s est déjà en brouillon.") % {"year": current.year})
    save_edition(current, [])
    audit_record(
        action=AuditAction.CHANGE,
        actor=reopened_by,
        obj=current,
        request=request,
        detail={"status": current.status, "ranking_voided": True},
    )
    return current


# --- criteria -----------------------------------------------------------------------------------


def _criterion_from_terms(criterion: Criterion, terms: CriterionTerms) -> Criterion:
    criterion.name = terms.name.strip()
    criterion.description = (terms.description or "").strip()
    criterion.kind = terms.kind
    criterion.metric = terms.metric if terms.kind == CriterionKind.QUANTITATIVE else ""
    criterion.weight = terms.weight
    criterion.normalisation = terms.normalisation
    criterion.max_score = terms.max_score
    if terms.position is not None:
        criterion.position = terms.position
    return criterion


def _criterion_errors(edition: Edition, terms: CriterionTerms, criterion: Criterion | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = (terms.name or "").strip()
    if not name:
        add("name", _("Indiquez le nom du critère."))
    else:
        same_name = Criterion.objects.filter(edition=edition, name__iexact=name)
        if criterion is not None:
            same_name = same_name.exclude(pk=criterion.pk)
        if same_name.exists():
            add("name", _("Un critère de cette édition porte déjà le nom « %(name)s ».") % {"name": name})
    if terms.kind not in CriterionKind.values:
        add("kind", _("Choisissez la nature du critère (quantitatif ou qualitatif)."))
    elif terms.kind == CriterionKind.QUANTITATIVE and terms.metric not in CriterionMetric.values:
        add("metric", _("Choisissez ce que mesure un critère quantitatif."))
    if terms.normalisation not in Normalisation.values:
        add("normalisation", _("Choisissez une normalisation."))
    elif terms.normalisation == Normalisation.SCALE and not scale_allowed(terms.kind, terms.metric):
        add(
            "normalisation",
            _(
                "L'échelle ne vaut que pour les notes du jury et le taux de réinsertion : pour un nombre, "
                "choisissez la part du maximum, le min-max ou le rang."
            ),
        )
    weight = terms.weight
    if weight is None or not isinstance(weight, Decimal) or not weight.is_finite() or weight < 0:
        add("weight", _("Le poids est un nombre positif ou nul."))
    elif weight >= 1000 or weight != weight.quantize(Decimal("0.01")):
        add("weight", _("Le poids va jusqu'à 999.99, avec deux décimales au plus."))
    if terms.kind == CriterionKind.QUALITATIVE and not 1 <= terms.max_score <= 100:
        add("max_score", _("La note maximale va de 1 à 100."))
    if (
        criterion is not None
        and criterion.kind == CriterionKind.QUALITATIVE
        and terms.kind != CriterionKind.QUALITATIVE
        and criterion.scores.exists()
    ):
        add("kind", _("Le jury a déjà noté ce critère : il reste qualitatif (supprimez-le pour en créer un autre)."))
    if (
        criterion is not None
        and terms.kind == CriterionKind.QUALITATIVE
        and terms.max_score < criterion.max_score
        and criterion.scores.filter(score__gt=terms.max_score).exists()
    ):
        add("max_score", _("Des notes du jury dépassent cette note maximale."))
    return errors


def _require_criteria_editable(edition: Edition) -> None:
    if edition.status not in (EditionStatus.DRAFT, EditionStatus.COMPUTED):
        raise ValidationError(
            _(
                "Le classement de l'édition %(year)s est soumis au jury : reprenez-le (retour au brouillon) "
                "avant de changer les critères."
            )
            % {"year": edition.year}
        )


def _criterion_detail(criterion: Criterion) -> dict[str, Any]:
    return {
        "name": criterion.name,
        "kind": criterion.kind,
        "metric": criterion.metric,
        "weight": str(criterion.weight),
        "normalisation": criterion.normalisation,
        "max_score": criterion.max_score,
        "position": criterion.position,
    }


@transaction.atomic
def criterion_set(
    *,
    edition: Edition,
    terms: CriterionTerms,
    expected_version: int,
    changed_by: User,
    criterion: Criterion | None = None,
    request: HttpRequest | None = None,
) -> Criterion:
    """Add a criterion to `edition` (criterion None) or change `criterion`; return it.

    Only while the edition is a draft or computed (a computed ranking is voided). `expected_version`
    is the edition's version (the criteria are part of its settings). Raises `PermissionDenied`
    (not CNIP staff), `EditionFrozen`, `StaleEdition`, and `ValidationError` (French, by field) for a
    missing or duplicate name, an unknown kind, metric or normalisation, a scale on a count, a
    negative weight, a maximal mark outside 1–100 or below marks already given, a qualitative
    criterion already marked turned quantitative, or a criterion of another edition.
    """
    require_cnip_staff(changed_by)
    current = lock_open_edition(edition, expected_version=expected_version)
    _require_criteria_editable(current)
    if criterion is not None:
        criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
        if criterion.edition_id != current.pk:
            raise ValidationError(_("Ce critère appartient à une autre édition."))
    errors = _criterion_errors(current, terms, criterion)
    if errors:
        raise ValidationError(errors)
    created = criterion is None
    if criterion is None:
        last = Criterion.objects.filter(edition=current).order_by("-position").values_list("position", flat=True)
        criterion = Criterion(edition=current, position=(last.first() or 0) + 1)
    _criterion_from_terms(criterion, terms)
    criterion.full_clean()
    criterion.save()
    voided = void_ranking(current)
    save_edition(current, [])
    audit_record(
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        actor=changed_by,
        obj=criterion,
        request=request,
        detail={**_criterion_detail(criterion), "edition": current.year, **_voided_detail(voided)},
    )
    return criterion


@transaction.atomic
def criterion_delete(
    *, criterion: Criterion, expected_version: int, deleted_by: User, request: HttpRequest | None = None
) -> None:
    """Remove a criterion (and the jury's marks on it) while the edition is a draft or computed.

    A computed ranking is voided. Raises `PermissionDenied`, `EditionFrozen`, `StaleEdition` and
    `ValidationError` (edition with the jury).
    """
    require_cnip_staff(deleted_by)
    current = lock_open_edition(criterion.edition, expected_version=expected_version)
    _require_criteria_editable(current)
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    detail = {**_criterion_detail(criterion), "edition": current.year, "marks_deleted": criterion.scores.count()}
    audit_record(action=AuditAction.DELETE, actor=deleted_by, obj=criterion, request=request, detail=detail)
    criterion.delete()
    voided = void_ranking(current)
    save_edition(current, [])
    if voided:
        audit_record(
            action=AuditAction.CHANGE,
            actor=deleted_by,
            obj=current,
            request=request,
            detail={"status": current.status, "ranking_voided": True},
        )


# --- ranking ------------------------------------------------------------------------------------


def _criterion_input(criterion: Criterion) -> CriterionInput:
    return CriterionInput(
        id=criterion.pk,
        name=criterion.name,
        kind=criterion.kind,
        metric=criterion.metric,
        weight=float(criterion.weight),
        normalisation=criterion.normalisation,
        max_score=float(criterion.max_score),
    )


def average_marks(edition: Edition) -> dict[tuple[int, int], tuple[float, int]]:
    """(criterion id, company id) → (average mark, number of marks) over the jury members not recused.

    Only the marks on the edition's qualitative criteria by its current members count; a mark by a
    member recused for that company is left out (even if it was recorded before the recusal).
    """
    recused = set(Recusal.objects.filter(member__edition=edition).values_list("member_id", "company_id"))
    sums: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    scores = JuryScore.objects.filter(
        criterion__edition=edition, criterion__kind=CriterionKind.QUALITATIVE, member__edition=edition
    ).values_list("member_id", "criterion_id", "company_id", "score")
    for member_id, criterion_id, company_id, score in scores:
        if (member_id, company_id) in recused:
            continue
        sums[(criterion_id, company_id)].append(score)
    return {key: (float(sum(marks) / len(marks)), len(marks)) for key, marks in sums.items()}


def _rate_decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _rank(edition: Edition) -> tuple[Ranking, dict[int, PartnerCompany]]:
    criteria = list(Criterion.objects.filter(edition=edition).order_by("position", "id"))
    if not any(criterion.weight > 0 for criterion in criteria):
        raise ValidationError(_("Aucun critère n'a de poids : le classement ne peut pas être calculé."))
    figures = company_figures(period_start=edition.period_start, period_end=edition.period_end)
    marks = average_marks(edition)
    company_ids = sorted(set(figures) | {company_id for _criterion_id, company_id in marks})
    companies = PartnerCompany.objects.in_bulk(company_ids)
    marks_by_company: dict[int, dict[int, tuple[float, int]]] = defaultdict(dict)
    for (criterion_id, company_id), mark in marks.items():
        marks_by_company[company_id][criterion_id] = mark
    inputs = []
    for company_id in company_ids:
        company = companies[company_id]
        own = figures.get(company_id)
        company_marks = marks_by_company.get(company_id, {})
        inputs.append(
            CompanyInput(
                id=company_id,
                name=company.name,
                internship_days=own.internship_days if own else 0,
                interns=own.interns if own else 0,
                finished=own.finished if own else 0,
                hired=own.hired if own else 0,
                marks={criterion_id: mark[0] for criterion_id, mark in company_marks.items()},
                marks_count={criterion_id: mark[1] for criterion_id, mark in company_marks.items()},
            )
        )
    ranking = compute_ranking(
        companies=inputs,
        criteria=[_criterion_input(criterion) for criterion in criteria],
        threshold=float(edition.threshold),
        prizes=edition.prizes,
    )
    return ranking, companies


@transaction.atomic
def edition_compute_ranking(*, edition: Edition, computed_by: User, request: HttpRequest | None = None) -> Edition:
    """Compute the edition's ranking now and write it as its `RankingEntry` rows; the edition becomes *computed*.

    Ranked: every company that hosted an intern in the reference period and every company the jury
    marked (only the former can be labelled). The figures are those of `labels.selectors.figures`,
    the qualitative values the averages of `average_marks`. Earlier entries are replaced (each new
    entry gets a fresh verification code; a special label is kept for a company still labelled),
    the jury's approvals are deleted (they approved another computation), `computed_at` is now.
    Raises `PermissionDenied` (not CNIP staff), `EditionFrozen` (published) and `ValidationError`
    when no criterion has a weight.
    """
    require_cnip_staff(computed_by)
    current = lock_open_edition(edition)
    ranking, companies = _rank(current)
    special_labels = dict(
        RankingEntry.objects.filter(edition=current)
        .exclude(special_label="")
        .values_list("company_id", "special_label")
    )
    RankingEntry.objects.filter(edition=current).delete()
    approvals_deleted, _detail = JuryApproval.objects.filter(member__edition=current).delete()
    entries = []
    for row in ranking.rows:
        company = companies[row.company_id]
        entry = RankingEntry(
            edition=current,
            company=company,
            rank=row.rank,
            company_name=company.name,
            canton=company.canton,
            locality=company.locality,
            internship_days=row.internship_days,
            interns=row.interns,
            finished=row.finished,
            hired=row.hired,
            raw_rate=rate(row.hired, row.finished),
            corrected_rate=_rate_decimal(row.corrected_rate),
            points={
                str(result.criterion_id): {
                    "value": result.value,
                    "normalised": result.normalised,
                    "points": result.points,
                    "marks": result.marks,
                }
                for result in row.criteria
            },
            score=Decimal(repr(row.score)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP),
            labelled=row.labelled,
            prize=row.prize,
            special_label=special_labels.get(row.company_id, "") if row.labelled else "",
            tie_note=row.tie_note[:200],
            rank_low=row.rank_low,
            rank_high=row.rank_high,
            verification_code=secrets.token_urlsafe(16)[:22],
        )
        # Uniqueness and constraints are the database's (300 rows would cost 300 × 4 queries here).
        entry.full_clean(validate_unique=False, validate_constraints=False)
        entries.append(entry)
    RankingEntry.objects.bulk_create(entries)
    current.status = EditionStatus.COMPUTED
    current.computed_at = timezone.now()
    save_edition(current, [])
    audit_record(
        action=AuditAction.CHANGE,
        actor=computed_by,
        obj=current,
        request=request,
        detail={
            "status": current.status,
            "computed_at": current.computed_at.isoformat(),
            "companies": len(entries),
            "labelled": sum(1 for entry in entries if entry.labelled),
            "approvals_deleted": approvals_deleted,
            "stable": ranking.sensitivity.stable,
        },
    )
    return current


@transaction.atomic
def edition_submit_to_jury(*, edition: Edition, submitted_by: User, request: HttpRequest | None = None) -> Edition:
    """Hand the computed ranking to the jury for approval (*classement calculé* → *validation du jury*).

    Raises `PermissionDenied` (not CNIP staff), `EditionFrozen`, and `ValidationError` when the
    ranking is not computed or a seat of the jury is empty.
    """
    require_cnip_staff(submitted_by)
    current = lock_open_edition(edition)
    if current.status != EditionStatus.COMPUTED:
        raise ValidationError(_("Seul un classement calculé (et pas encore soumis) peut être soumis au jury."))
    empty = _empty_seats(current)
    if empty:
        raise ValidationError(
            _("Le jury n'est pas complet : siège(s) à pourvoir : %(seats)s.") % {"seats": ", ".join(empty)}
        )
    current.status = EditionStatus.JURY
    save_edition(current, [])
    audit_record(
        action=AuditAction.CHANGE, actor=submitted_by, obj=current, request=request, detail={"status": current.status}
    )
    return current


def _empty_seats(edition: Edition) -> list[str]:
    taken = set(JuryMember.objects.filter(edition=edition).values_list("seat", flat=True))
    return [str(label) for seat, label in JurySeat.choices if seat not in taken]


@transaction.atomic
def edition_publish(*, edition: Edition, published_by: User, request: HttpRequest | None = None) -> Edition:
    """Publish the edition: its ranking and figures are frozen for good.

    Refused (`ValidationError`, French) unless the ranking is with the jury, the three seats are
    filled and each member approved the current computation (`ranking_computed_at` equal to the
    edition's `computed_at`). Writes `EditionFigures` from the ranking entries (the figures the
    jury approved), sets *publié* and `published_at`. Raises `PermissionDenied` (not CNIP staff) and
    `EditionFrozen` (already published).
    """
    require_cnip_staff(published_by)
    current = lock_open_edition(edition)
    if current.status != EditionStatus.JURY:
        raise ValidationError(
            _(
                "L'édition %(year)s ne peut être publiée qu'une fois son classement soumis au jury "
                "et approuvé par ses trois membres."
            )
            % {"year": current.year}
        )
    empty = _empty_seats(current)
    if empty:
        raise ValidationError(
            _("Le jury n'est pas complet : siège(s) à pourvoir : %(seats)s.") % {"seats": ", ".join(empty)}
        )
    members = list(JuryMember.objects.filter(edition=current).select_related("user").order_by("seat"))
    approvals = {approval.member_id: approval for approval in JuryApproval.objects.filter(member__edition=current)}
    missing = [
        member
        for member in members
        if member.pk not in approvals or approvals[member.pk].ranking_computed_at != current.computed_at
    ]
    if missing:
        raise ValidationError(
            _("Publication impossible : il manque l'approbation du classement actuel par %(members)s.")
            % {
                "members": ", ".join(
                    f"{member.user.get_full_name() or member.user} ({member.get_seat_display()})" for member in missing
                )
            }
        )
    figures = EditionFigures(
        edition=current, **frozen_figures_from_entries(RankingEntry.objects.filter(edition=current))
    )
    figures.full_clean()
    figures.save()
    current.status = EditionStatus.PUBLISHED
    current.published_at = timezone.now()
    save_edition(current, ["published_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=published_by,
        obj=current,
        request=request,
        detail={
            "status": current.status,
            "published_at": current.published_at.isoformat(),
            "computed_at": current.computed_at.isoformat() if current.computed_at else None,
            "labelled": figures.labelled,
            "internship_days": figures.internship_days,
        },
    )
    return current


@transaction.atomic
def special_label_set(
    *, entry: RankingEntry, label: str, set_by: User, request: HttpRequest | None = None
) -> RankingEntry:
    """Give a labelled company of a computed ranking a special label ("Coup de cœur"), or remove it ("").

    Not part of the ranking: it voids nothing and survives a new computation while the company stays
    labelled. It lives on the entry, so a change that voids the ranking (back to draft, entries
    deleted) takes it away too: set special labels once the ranking is final (with the jury).
    Raises `PermissionDenied` (not CNIP staff), `EditionFrozen`, and `ValidationError` for a company
    that is not labelled or a label longer than 80 characters.
    """
    require_cnip_staff(set_by)
    lock_open_edition(entry.edition)
    current = RankingEntry.objects.select_for_update().get(pk=entry.pk)
    label = (label or "").strip()
    if label and not current.labelled:
        raise ValidationError({"special_label": _("Un label spécial ne va qu'à une entreprise labellisée.")})
    if len(label) > 80:
        raise ValidationError({"special_label": _("Un label spécial a 80 caractères au plus.")})
    current.special_label = label
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save(update_fields=["special_label"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=set_by,
        obj=current,
        request=request,
        detail={"special_label": label, "company": current.company_id},
    )
    return current
