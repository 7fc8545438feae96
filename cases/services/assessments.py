"""Recording assessments of a case file on the common evaluation grid."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Assessment, AssessmentScore, CaseFile, GridDimension, GridVersion
from cases.selectors.assessments import assessment_may_record
from cases.services.priority import case_priority_refresh
from cii_platform.access import access_legal_basis
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record

SCORE_MAX = 3
PERCENT_MAX = 100
COMMENT_MAX = 500


@dataclass(frozen=True)
class ScoreInput:
    """What the author gave for one dimension: a value (None = not scored) and a comment."""

    value: int | None = None
    comment: str = ""


def _check_value(dimension: GridDimension, value: object) -> str | None:
    """The French message for an out-of-range value of `dimension`, or None if it is acceptable."""
    if value is None:
        return None
    maximum = PERCENT_MAX if dimension.kind == GridDimension.Kind.PERCENT else SCORE_MAX
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        if dimension.kind == GridDimension.Kind.PERCENT:
            return _("« %(dimension)s » : indiquez un pourcentage entre 0 et 100, ou laissez vide.") % {
                "dimension": dimension.label
            }
        return _("« %(dimension)s » : choisissez une cote de 0 à 3, ou laissez vide.") % {"dimension": dimension.label}
    return None


@transaction.atomic
def assessment_record(
    *,
    case: CaseFile,
    author: User,
    assessed_on: dt.date,
    scores: Mapping[str, ScoreInput],
    summary: str = "",
    request: HttpRequest | None = None,
) -> Assessment:
    """Record an assessment of `case` on the grid in force, signed by `author` for their service.

    `scores` maps dimension codes to what was given; a dimension left out or with
    no value is "not scored" (a comment alone is kept). Refuses, with French
    messages and without saving anything: a date in the future, an unknown
    dimension, a 0–3 score outside 0–3, a percentage outside 0–100, a comment
    longer than 500 characters, an assessment with no dimension scored
    (`ValidationError`, keyed by field name or dimension code); an author who is
    not a caseworker of a service that may see the case (`PermissionDenied`).
    The creation is audited, and the case's triage priority follows the new scores.
    """
    if not assessment_may_record(user=author, case=case):
        raise PermissionDenied(_("Seul·e un·e intervenant·e d'un service qui participe au dossier peut l'évaluer."))
    version = GridVersion.objects.filter(is_current=True).first()
    if version is None:
        raise ValidationError(_("Aucune version de la grille d'évaluation n'est en vigueur."))
    dimensions = {dimension.code: dimension for dimension in version.dimensions.order_by("position", "id")}

    errors: dict[str, list[str]] = {}
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("La date de l'évaluation ne peut pas être dans le futur.")]
    unknown = sorted(set(scores) - set(dimensions))
    if unknown:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Dimensions inconnues dans la grille v%(version)d : %(codes)s.")
            % {"version": version.number, "codes": ", ".join(unknown)}
        )
    rows: list[AssessmentScore] = []
    for code, dimension in dimensions.items():
        given = scores.get(code)
        if given is None:
            continue
        comment = given.comment.strip()
        problems = [message for message in (_check_value(dimension, given.value),) if message]
        if len(comment) > COMMENT_MAX:
            problems.append(
                _("« %(dimension)s » : le commentaire ne peut pas dépasser %(max)d caractères.")
                % {"dimension": dimension.label, "max": COMMENT_MAX}
            )
        if problems:
            errors[code] = problems
            continue
        if given.value is None and not comment:
            continue
        is_percent = dimension.kind == GridDimension.Kind.PERCENT
        rows.append(
            AssessmentScore(
                dimension=dimension,
                score=None if is_percent else given.value,
                percent=given.value if is_percent else None,
                comment=comment,
            )
        )
    if not errors and not any(row.score is not None or row.percent is not None for row in rows):
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("Cotez au moins une dimension de la grille."))
    if errors:
        raise ValidationError(errors)

    assessment = Assessment(
        case=case,
        version=version,
        service=author.service,
        author=author,
        assessed_on=assessed_on,
        summary=summary.strip(),
    )
    assessment.full_clean()
    assessment.save()
    for row in rows:
        row.assessment = assessment
        # The ranges were checked above with a message per dimension; validating the
        # check constraints again would cost one query per row and per constraint.
        row.full_clean(validate_constraints=False)
    AssessmentScore.objects.bulk_create(rows)
    audit_record(
        action=AuditAction.CREATE,
        actor=author,
        obj=assessment,
        person_id=str(case.person_id),
        legal_basis=access_legal_basis(user=author, obj=case),
        request=request,
        detail={
            "case": case.reference,
            "grid_version": version.number,
            "scored": [row.dimension.code for row in rows if row.score is not None or row.percent is not None],
        },
    )
    case_priority_refresh(case=case)
    return assessment
