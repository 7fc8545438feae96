"""The yearly review of a mixed measure as a PDF, on the platform's reports pipeline.

`register_reports` is called once from `measures.apps.MeasuresConfig.ready()`: the
platform never imports this app, it only knows the definition registered here. A
review holds no personal data (figures, the group's assessment, prospects and the
proposed budget), so whoever may read the reviews may request and download it.
The content is read in the worker: the frozen figures of a final review, the live
figures of a draft (marked as such in the document).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.reports.models import ReportJob, ReportKind
from cii_platform.reports.registry import ReportDefinition, ReportUnavailable, register
from measures.models import YearlyReview
from measures.selectors.reviews import exit_rows, reviews_readable, yearly_review_figures_shown

PARAMETERS = frozenset({"review", "measure", "year"})


def may_see(user: User) -> bool:
    """Whether `user` may read the yearly reviews (caseworkers, coordination group, GP CII)."""
    return reviews_readable(user)


def _review_id(parameters: Mapping[str, Any]) -> int | None:
    value = str(parameters.get("review") or "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def clean_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`review` (the id of an existing review) → the stored `review`, `measure` (its code) and `year`.

    Raises ValidationError for an unknown parameter or review.
    """
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise ValidationError(_("Paramètres inconnus : %(names)s.") % {"names": ", ".join(sorted(unknown))})
    review_id = _review_id(parameters)
    row = YearlyReview.objects.filter(pk=review_id).values("measure__code", "year").first() if review_id else None
    if row is None:
        raise ValidationError({"review": _("Bilan inconnu.")}, code="unknown_review")
    return {"review": str(review_id), "measure": row["measure__code"], "year": str(row["year"])}


def summary(job: ReportJob) -> list[tuple[str, str]]:
    """The job's parameters in French: the measure's code and the year."""
    return [(_("Mesure"), job.parameters["measure"]), (_("Année"), job.parameters["year"])]


def filename(job: ReportJob) -> str:
    """The file name of the PDF: the measure's code, the year and the job id."""
    return f"bilan-{job.parameters['measure']}-{job.parameters['year']}-{job.pk}.pdf"


def build_context(job: ReportJob) -> dict[str, Any]:
    """The review, its figures (frozen if final, live if draft) and the exits per reason.

    Raises `ReportUnavailable` when the review no longer exists.
    """
    review_id = _review_id(job.parameters)
    review = (
        YearlyReview.objects.select_related("measure__provider", "measure__branch", "updated_by")
        .filter(pk=review_id)
        .first()
        if review_id is not None
        else None
    )
    if review is None:
        raise ReportUnavailable(_("Le bilan n'a pas été produit : ce bilan n'existe plus."))
    figures = yearly_review_figures_shown(review=review)
    return {
        "job": job,
        "requested_by": job.requested_by,
        "generated_at": timezone.now(),
        "review": review,
        "measure": review.measure,
        "figures": figures,
        "exits": exit_rows(figures),
        "is_final": review.status == YearlyReview.Status.FINAL,
    }


def register_reports() -> None:
    """Register the yearly review of a measure."""
    register(
        ReportDefinition(
            kind=ReportKind.MEASURE_REVIEW,
            template_name="reports/pdf/measure_review.html",
            clean_parameters=clean_parameters,
            build_context=build_context,
            may_see=may_see,
            filename=filename,
            summary=summary,
        )
    )
