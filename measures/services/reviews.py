"""Writing and validating the yearly review (bilan) of a mixed measure.

Only members of the coordination group write reviews. A draft holds the group's
assessment, the prospects and the places and budget proposed for the next year;
its figures are computed live from the placements. Validating it freezes those
figures in `YearlyReview.figures`: a final review never changes again, even when
a placement of that year is corrected later. Concurrent edits are refused with a
French message (`StaleYearlyReview`), as for the case files.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import Measure, YearlyReview
from measures.roles import is_coordination_member
from measures.selectors.reviews import yearly_review_figures


class StaleYearlyReview(StaleVersion):
    """The review changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, review: YearlyReview | None = None) -> None:
        super().__init__(
            _(
                "Ce bilan a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.review = review


def _require_member(user: User) -> None:
    if not is_coordination_member(user):
        raise PermissionDenied(_("Seuls les membres du groupe de coordination tiennent les bilans annuels."))


def _refuse_final(review: YearlyReview) -> None:
    if review.status == YearlyReview.Status.FINAL:
        raise ValidationError(_("Ce bilan est validé : il ne peut plus être modifié."), code="review_final")


def _lock_current(review: YearlyReview, expected_version: int) -> YearlyReview:
    current = YearlyReview.objects.select_for_update().select_related("measure").get(pk=review.pk)
    if current.version != expected_version:
        raise StaleYearlyReview(current)
    return current


@transaction.atomic
def yearly_review_save(
    *,
    measure: Measure,
    year: int,
    assessment: str,
    prospects: str,
    proposed_places: int | None,
    proposed_budget: Decimal | None,
    expected_version: int | None,
    saved_by: User,
    request: HttpRequest | None = None,
) -> YearlyReview:
    """Write the draft review of `measure` for `year` and return it (created at its first save).

    `expected_version` is the version the form was read at (None for a review not
    written yet). Raises `PermissionDenied` for anyone but a coordination-group
    member, `StaleYearlyReview` when the review changed (or was created) since,
    and `ValidationError` (French) for a measure that is not mixed, a year to come,
    a negative proposal or a review already validated.
    """
    _require_member(saved_by)
    if not measure.is_mixed:
        raise ValidationError(_("Un bilan annuel se tient pour une mesure mixte seulement."), code="not_mixed")
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("Le bilan d'une année à venir ne peut pas encore être tenu.")})
    if proposed_places is not None and proposed_places < 0:
        raise ValidationError({"proposed_places": _("Le nombre de places proposées ne peut pas être négatif.")})
    if proposed_budget is not None and proposed_budget < 0:
        raise ValidationError({"proposed_budget": _("Le budget proposé ne peut pas être négatif.")})
    existing = YearlyReview.objects.filter(measure=measure, year=year).values_list("pk", flat=True).first()
    if existing is None:
        if expected_version not in (None, 0):
            raise StaleYearlyReview()
        review = YearlyReview(measure=measure, year=year)
        fields: list[str] | None = None
    else:
        if expected_version is None:
            raise StaleYearlyReview()  # someone wrote the review since this form was opened empty
        review = _lock_current(YearlyReview(pk=existing), expected_version)
        _refuse_final(review)
        review.version += 1
        fields = [
            "assessment",
            "prospects",
            "proposed_places",
            "proposed_budget",
            "updated_by",
            "updated_at",
            "version",
        ]
    review.assessment = assessment.strip()
    review.prospects = prospects.strip()
    review.proposed_places = proposed_places
    review.proposed_budget = proposed_budget
    review.updated_by = saved_by
    review.full_clean()
    if fields is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent first save loses cleanly
                review.save()
        except IntegrityError:
            raise StaleYearlyReview() from None
    else:
        review.save(update_fields=fields)
    audit_record(
        action=AuditAction.CREATE if fields is None else AuditAction.CHANGE,
        actor=saved_by,
        obj=review,
        request=request,
        detail={
            "measure": measure.code,
            "year": year,
            "proposed_places": proposed_places,
            "proposed_budget": None if proposed_budget is None else str(proposed_budget),
        },
    )
    return review


@transaction.atomic
def yearly_review_finalise(
    *, review: YearlyReview, expected_version: int, finalised_by: User, request: HttpRequest | None = None
) -> YearlyReview:
    """Validate `review`: its figures are computed one last time and frozen; it never changes afterwards.

    Raises `PermissionDenied` for anyone but a coordination-group member,
    `StaleYearlyReview` when the review changed since `expected_version`, and
    `ValidationError` (French) when it is already final or has no assessment yet.
    """
    _require_member(finalised_by)
    current = _lock_current(review, expected_version)
    _refuse_final(current)
    if not current.assessment.strip():
        raise ValidationError(
            {"assessment": _("Rédigez l'appréciation du groupe avant de valider le bilan.")}, code="no_assessment"
        )
    current.figures = yearly_review_figures(measure=current.measure, year=current.year)
    current.status = YearlyReview.Status.FINAL
    current.updated_by = finalised_by
    current.version += 1
    current.full_clean()
    current.save(update_fields=["figures", "status", "updated_by", "updated_at", "version"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=finalised_by,
        obj=current,
        request=request,
        detail={"status": [YearlyReview.Status.DRAFT.value, YearlyReview.Status.FINAL.value]},
    )
    return current
