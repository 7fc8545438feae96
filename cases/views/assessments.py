"""Pages of the common evaluation grid of a case file: the history, one assessment, a new assessment.

Every page reads the case through `case_get_for_reading`: a case the user may not
see answers 404, like a missing one, and every read is audited.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.forms.assessments import AssessmentForm
from cases.selectors.assessments import (
    assessment_get,
    assessment_may_record,
    assessment_rows,
    assessment_summary_for,
    grid_current_dimensions,
)
from cases.selectors.assessments import assessment_history as assessment_history_page
from cases.selectors.case_files import case_get_for_reading
from cases.services.assessments import assessment_record


@login_required
def assessment_history(request: HttpRequest, reference: str) -> HttpResponse:
    """The case's assessments, newest first, with each value's change and the services' divergences."""
    case = case_get_for_reading(user=request.user, reference=reference, request=request)  # type: ignore[arg-type]
    history = assessment_history_page(case=case, cursor=request.GET.get("apres"))
    summary = assessment_summary_for(case=case, user=request.user)  # type: ignore[arg-type]
    return render(
        request, "cases/assessments/history.html", {"case": case, "history": history, "assessment_summary": summary}
    )


@login_required
def assessment_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """One assessment with every dimension, its comment and the author's synthesis."""
    case = case_get_for_reading(user=request.user, reference=reference, request=request)  # type: ignore[arg-type]
    assessment = assessment_get(case=case, pk=pk)
    return render(
        request,
        "cases/assessments/detail.html",
        {"case": case, "assessment": assessment, "rows": assessment_rows(assessment=assessment)},
    )


@login_required
def assessment_new(request: HttpRequest, reference: str) -> HttpResponse:
    """Score the grid in force for the user's service; a refused input changes nothing and says why."""
    case = case_get_for_reading(user=request.user, reference=reference, request=request)  # type: ignore[arg-type]
    if not assessment_may_record(user=request.user, case=case):  # type: ignore[arg-type]
        # The user sees the case (otherwise 404 above) but may not score it.
        raise PermissionDenied
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        dimensions=grid_current_dimensions(),
        initial={"assessed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment_record(
                case=case,
                author=request.user,  # type: ignore[arg-type]
                assessed_on=form.cleaned_data["assessed_on"],
                scores=form.score_inputs(),
                summary=form.cleaned_data["summary"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("L'évaluation a été enregistrée et signée à votre nom."))
            return redirect("cases:assessment_history", reference=case.reference)
    return render(request, "cases/assessments/new.html", {"case": case, "form": form})


urlpatterns: list[URLPattern] = [
    path("<str:reference>/evaluations/", assessment_history, name="assessment_history"),
    path("<str:reference>/evaluations/nouvelle/", assessment_new, name="assessment_new"),
    path("<str:reference>/evaluations/<int:pk>/", assessment_detail, name="assessment_detail"),
]
