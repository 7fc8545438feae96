"""Pages of the yearly reviews, corrective measures, service agreements and NE-ESO screening.

Reviews and agreements are read by caseworkers, the coordination group and the
GP CII, and written by the coordination group. Corrective measures are followed
by the coordination group; the GP CII sees those submitted to it and decides
them. The NE-ESO screening is for social-assistance caseworkers and the
coordination group; launched from a case (`?dossier=CII-…`) it goes through the
case's access gate (an audited read of the person). Anyone else gets a 404.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import CaseFile
from cases.selectors.case_files import case_get_for_reading
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import keyset_page
from cii_platform.reports.models import ReportKind
from cii_platform.reports.services import report_job_request
from measures.models import CorrectiveMeasure, Measure, YearlyReview
from measures.roles import is_coordination_member
from measures.selectors.agreements import (
    agreement_get,
    agreement_indicator_values,
    agreement_list,
    agreements_editable,
    agreements_indicator_values,
)
from measures.selectors.reviews import (
    corrective_measure_get,
    corrective_measures_visible,
    exit_rows,
    is_gp_cii_member,
    mixed_measures_for_review,
    reviews_editable,
    yearly_review_figures,
    yearly_review_figures_shown,
    yearly_review_get,
    yearly_review_list,
)
from measures.services.agreements import StaleAgreement, agreement_create, agreement_update
from measures.services.corrective import (
    StaleCorrectiveMeasure,
    corrective_measure_decide,
    corrective_measure_escalate,
    corrective_measure_request,
    corrective_measure_update,
)
from measures.services.eso_screening import eso_screening_allowed, eso_screening_check, eso_screening_eligible
from measures.services.reviews import StaleYearlyReview, yearly_review_finalise, yearly_review_save
from measures.views.review_forms import (
    AgreementForm,
    CorrectiveDecisionForm,
    CorrectiveFollowUpForm,
    CorrectiveRequestForm,
    EsoScreeningForm,
    ReviewForm,
    ReviewOpenForm,
    VersionForm,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


def _denied(request: HttpRequest, object_type: str) -> Http404:
    audit_record(action=AuditAction.ACCESS_DENIED, actor=_user(request), object_type=object_type, request=request)
    return Http404()


# ---------------------------------------------------------------------------------------------------------------
# Yearly reviews


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    reviews = yearly_review_list(user=user, request=request)
    measures = mixed_measures_for_review(user=user, request=request)
    open_form = ReviewOpenForm(request.GET or None, measures=measures)
    if request.GET.get("mesure") and open_form.is_valid():
        measure: Measure = open_form.cleaned_data["mesure"]
        return redirect("measures:review_detail", code=measure.code, year=open_form.cleaned_data["annee"])
    if not request.GET.get("mesure"):
        open_form = ReviewOpenForm(initial={"annee": timezone.localdate().year - 1}, measures=measures)
    page = keyset_page(reviews, after=request.GET.get("apres"), size=50)
    return render(request, "measures/review_list.html", {"page": page, "open_form": open_form})


def _review_page(
    request: HttpRequest, measure: Measure, year: int, review: YearlyReview | None, form: ReviewForm | None = None
) -> HttpResponse:
    user = _user(request)
    editable = reviews_editable(user) and (review is None or review.status == YearlyReview.Status.DRAFT)
    if review is not None:
        figures = yearly_review_figures_shown(review=review)
    else:
        figures = yearly_review_figures(measure=measure, year=year)
    if form is None and editable:
        initial: dict[str, Any] = {"version": review.version if review else None}
        if review is not None:
            initial |= {
                "assessment": review.assessment,
                "prospects": review.prospects,
                "proposed_places": review.proposed_places,
                "proposed_budget": review.proposed_budget,
            }
        form = ReviewForm(initial=initial)
    context = {
        "measure": measure,
        "year": year,
        "review": review,
        "figures": figures,
        "exits": exit_rows(figures),
        "form": form if editable else None,
        "may_finalise": editable and review is not None,
        "finalise_form": VersionForm(initial={"version": review.version}) if review else None,
    }
    return render(request, "measures/review_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    user = _user(request)
    measure, review = yearly_review_get(user=user, measure_code=code, year=year, request=request)
    if request.method == "GET":
        return _review_page(request, measure, year, review)
    if not reviews_editable(user):
        raise _denied(request, "measures.yearlyreview")
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            yearly_review_save(
                measure=measure,
                year=year,
                assessment=data["assessment"],
                prospects=data["prospects"],
                proposed_places=data["proposed_places"],
                proposed_budget=data["proposed_budget"],
                expected_version=data["version"],
                saved_by=user,
                request=request,
            )
        except StaleYearlyReview as stale:
            messages.error(request, str(stale))
            return redirect("measures:review_detail", code=code, year=year)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Le bilan est enregistré."))
            return redirect("measures:review_detail", code=code, year=year)
    return _review_page(request, measure, year, review, form)


@login_required
@require_POST
def review_finalise(request: HttpRequest, code: str, year: int) -> HttpResponse:
    user = _user(request)
    _measure, review = yearly_review_get(user=user, measure_code=code, year=year, request=request)
    if review is None or not reviews_editable(user):
        raise _denied(request, "measures.yearlyreview")
    form = VersionForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        yearly_review_finalise(
            review=review, expected_version=form.cleaned_data["version"], finalised_by=user, request=request
        )
    except StaleYearlyReview as stale:
        messages.error(request, str(stale))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le bilan est validé : ses chiffres sont figés."))
    return redirect("measures:review_detail", code=code, year=year)


@login_required
@require_POST
def review_pdf(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Request the review's PDF on the reports pipeline, then follow it on the report's page."""
    user = _user(request)
    _measure, review = yearly_review_get(user=user, measure_code=code, year=year, request=request)
    if review is None:
        raise Http404
    try:
        job = report_job_request(
            kind=ReportKind.MEASURE_REVIEW, parameters={"review": str(review.pk)}, requested_by=user, request=request
        )
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Votre demande est enregistrée : le bilan est en préparation."))
    return redirect("reports:detail", job_id=job.pk)


# ---------------------------------------------------------------------------------------------------------------
# Corrective measures


@login_required
@require_GET
def corrective_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = keyset_page(corrective_measures_visible(user=user, request=request), after=request.GET.get("apres"))
    context = {"page": page, "may_request": is_coordination_member(user), "is_gp": is_gp_cii_member(user)}
    return render(request, "measures/corrective_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def corrective_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not is_coordination_member(user):
        raise _denied(request, "measures.correctivemeasure")
    form = CorrectiveRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            corrective = corrective_measure_request(
                provider=data["provider"],
                measure=data["measure"],
                description=data["description"],
                changes_contract=data["changes_contract"],
                due_on=data["due_on"],
                requested_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("La mesure corrective est demandée au prestataire."))
            return redirect("measures:corrective_detail", corrective_id=corrective.pk)
    return render(request, "measures/corrective_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def corrective_detail(request: HttpRequest, corrective_id: int) -> HttpResponse:
    """The correction and, for whoever may act on it now, the form of the next step (posted with `action`)."""
    user = _user(request)
    corrective = corrective_measure_get(user=user, corrective_id=corrective_id, request=request)
    member = is_coordination_member(user)
    follows = member and corrective.status in (
        CorrectiveMeasure.Status.REQUESTED,
        CorrectiveMeasure.Status.IN_PROGRESS,
    )
    decides = is_gp_cii_member(user) and corrective.status == CorrectiveMeasure.Status.ESCALATED
    follow_form = CorrectiveFollowUpForm(
        initial={
            "follow_up": corrective.follow_up,
            "status": CorrectiveMeasure.Status.IN_PROGRESS,
            "changes_contract": corrective.changes_contract,
            "version": corrective.version,
        }
    )
    decision_form = CorrectiveDecisionForm(initial={"version": corrective.version})
    if request.method == "POST":
        action = request.POST.get("action")
        if not ((action in ("follow_up", "escalate") and follows) or (action == "decide" and decides)):
            raise _denied(request, "measures.correctivemeasure")
        try:
            if action == "follow_up":
                follow_form = CorrectiveFollowUpForm(request.POST)
                if follow_form.is_valid():
                    data = follow_form.cleaned_data
                    corrective_measure_update(
                        corrective=corrective,
                        expected_version=data["version"],
                        follow_up=data["follow_up"],
                        status=data["status"],
                        changes_contract=data["changes_contract"],
                        updated_by=user,
                        request=request,
                    )
                    messages.success(request, _("Le suivi est enregistré."))
                    return redirect("measures:corrective_detail", corrective_id=corrective.pk)
            elif action == "escalate":
                version = VersionForm(request.POST)
                if not version.is_valid():
                    raise Http404
                corrective_measure_escalate(
                    corrective=corrective,
                    expected_version=version.cleaned_data["version"],
                    escalated_by=user,
                    request=request,
                )
                messages.success(request, _("La mesure corrective est soumise au GP CII."))
                return redirect("measures:corrective_detail", corrective_id=corrective.pk)
            else:
                decision_form = CorrectiveDecisionForm(request.POST)
                if decision_form.is_valid():
                    data = decision_form.cleaned_data
                    corrective_measure_decide(
                        corrective=corrective,
                        expected_version=data["version"],
                        decision=data["gp_decision"],
                        decided_by=user,
                        request=request,
                    )
                    messages.success(request, _("La décision du GP CII est enregistrée."))
                    return redirect("measures:corrective_detail", corrective_id=corrective.pk)
        except StaleCorrectiveMeasure as stale:
            messages.error(request, str(stale))
            return redirect("measures:corrective_detail", corrective_id=corrective.pk)
        except ValidationError as error:
            if action == "follow_up":
                follow_form.add_service_errors(error)
            elif action == "decide":
                decision_form.add_service_errors(error)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("measures:corrective_detail", corrective_id=corrective.pk)
    context = {
        "corrective": corrective,
        "follow_form": follow_form if follows else None,
        "may_escalate": follows and corrective.changes_contract,
        "escalate_form": VersionForm(initial={"version": corrective.version}),
        "decision_form": decision_form if decides else None,
    }
    return render(request, "measures/corrective_detail.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Service agreements


@login_required
@require_GET
def agreement_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = keyset_page(agreement_list(user=user, request=request), after=request.GET.get("apres"), size=25)
    values = agreements_indicator_values(agreements=page.rows)
    rows = [
        {
            "agreement": agreement,
            "met": sum(1 for value in values[agreement.pk] if value.met),
            "computed": sum(1 for value in values[agreement.pk] if value.met is not None),
            "indicators": len(values[agreement.pk]),
        }
        for agreement in page.rows
    ]
    context = {"page": page, "rows": rows, "may_edit": agreements_editable(user)}
    return render(request, "measures/agreement_list.html", context)


@login_required
@require_GET
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _user(request)
    agreement = agreement_get(user=user, agreement_id=agreement_id, request=request)
    context = {
        "agreement": agreement,
        "values": agreement_indicator_values(agreement=agreement),
        "may_edit": agreements_editable(user),
        "today": timezone.localdate(),
    }
    return render(request, "measures/agreement_detail.html", context)


def _agreement_form_page(request: HttpRequest, agreement_id: int | None) -> HttpResponse:
    user = _user(request)
    if not agreements_editable(user):
        raise _denied(request, "measures.serviceagreement")
    agreement = agreement_get(user=user, agreement_id=agreement_id, request=request) if agreement_id else None
    initial: dict[str, Any] = {}
    if agreement is not None:
        initial = {
            field: getattr(agreement, field)
            for field in (
                "provider",
                "title",
                "parties",
                "legal_bases",
                "target_groups",
                "starts_on",
                "ends_on",
                "volume_places",
                "price",
                "data_protection",
            )
        }
        initial["version"] = agreement.version
        initial["measures"] = list(agreement.measures.all())
        for indicator in agreement.indicators.all():
            initial[f"target_{indicator.metric}"] = indicator.target
            initial[f"higher_{indicator.metric}"] = indicator.higher_is_better
    form = AgreementForm(request.POST or None, initial=initial, editing=agreement is not None)
    if agreement is not None:
        form.fields["provider"].disabled = True  # the provider is a party: a new agreement for another one
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if agreement is None:
                agreement = agreement_create(
                    provider=data["provider"],
                    terms=form.terms(),
                    measures=list(data["measures"]),
                    indicators=form.indicators(),
                    created_by=user,
                    request=request,
                )
            else:
                agreement_update(
                    agreement=agreement,
                    terms=form.terms(),
                    measures=list(data["measures"]),
                    indicators=form.indicators(),
                    expected_version=data["version"],
                    updated_by=user,
                    request=request,
                )
        except StaleAgreement as stale:
            form.add_error(None, str(stale))  # the bound form keeps what was typed
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("La convention est enregistrée."))
            return redirect("measures:agreement_detail", agreement_id=agreement.pk)
    return render(request, "measures/agreement_form.html", {"form": form, "agreement": agreement})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request: HttpRequest) -> HttpResponse:
    return _agreement_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    return _agreement_form_page(request, agreement_id)


# ---------------------------------------------------------------------------------------------------------------
# NE-ESO screening


def _age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@login_required
@require_http_methods(["GET", "POST"])
def eso_screening(request: HttpRequest) -> HttpResponse:
    """Check a person against the NE-ESO pilot criteria; nothing personal is stored without a case.

    From a case (`?dossier=CII-…`) the case is read through its access gate (the
    read audited under the person); the screening itself is audited too. Without a
    case, the answers are neither stored nor audited.
    """
    user = _user(request)
    if not eso_screening_allowed(user):
        raise _denied(request, "measures.eso_screening")
    case: CaseFile | None = None
    reference = request.GET.get("dossier", "").strip()
    if reference:
        case = case_get_for_reading(user=user, reference=reference, request=request)
    initial: dict[str, Any] = {}
    if case is not None:
        age = _age_on(case.person.birth_date, timezone.localdate())
        if age is not None:
            initial["age"] = age
    form = EsoScreeningForm(request.POST or None, initial=initial)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = eso_screening_check(**form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if case is not None:
                audit_record(
                    action=AuditAction.READ,
                    actor=user,
                    object_type="measures.eso_screening",
                    object_id=str(case.pk),
                    object_label=case.reference,
                    person_id=str(case.person_id),
                    request=request,
                    detail={"eligible": eso_screening_eligible(results)},
                )
    context = {
        "form": form,
        "case": case,
        "results": results,
        "eligible": eso_screening_eligible(results) if results is not None else None,
    }
    return render(request, "measures/eso_screening.html", context)


urlpatterns: list[URLPattern] = [
    path("bilans/", review_list, name="review_list"),
    path("bilans/<slug:code>/<int:year>/", review_detail, name="review_detail"),
    path("bilans/<slug:code>/<int:year>/valider/", review_finalise, name="review_finalise"),
    path("bilans/<slug:code>/<int:year>/pdf/", review_pdf, name="review_pdf"),
    path("mesures-correctives/", corrective_list, name="corrective_list"),
    path("mesures-correctives/nouvelle/", corrective_new, name="corrective_new"),
    path("mesures-correctives/<int:corrective_id>/", corrective_detail, name="corrective_detail"),
    path("conventions/", agreement_list_view, name="agreement_list"),
    path("conventions/nouvelle/", agreement_new, name="agreement_new"),
    path("conventions/<int:agreement_id>/", agreement_detail, name="agreement_detail"),
    path("conventions/<int:agreement_id>/modifier/", agreement_edit, name="agreement_edit"),
    path("depistage-ne-eso/", eso_screening, name="eso_screening"),
]
