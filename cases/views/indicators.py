"""Pages of the indicators and of the follow-up after exit (see cases/urls.py).

The indicators page shows aggregates only: caseworkers and coordination-group
members count the case files their service may see, GP CII members the whole
canton; anyone else gets a 404. The follow-up pages are for caseworkers of the
lead service: a check of a case they may not change answers like a missing one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.forms.indicators import FollowUpRecordForm, IndicatorFilterForm, default_period
from cases.selectors.indicators import (
    SUPPRESSED,
    THRESHOLD,
    IndicatorScope,
    follow_up_due_page,
    follow_up_get_for_recording,
    follow_up_may_record,
    indicator_scope,
    indicators_compute,
)
from cases.services.follow_up import follow_up_record
from cii_platform.accounts.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


@login_required
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    """The indicators of the chosen period; an invalid choice shows its errors and no figures."""
    user = _user(request)
    scope = indicator_scope(user=user)
    if scope is None:
        raise Http404
    if request.GET:
        form = IndicatorFilterForm(request.GET)
    else:
        start, end = default_period()
        form = IndicatorFilterForm({"date_from": start.strftime("%d.%m.%Y"), "date_to": end.strftime("%d.%m.%Y")})
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = indicators_compute(
            user=user, date_from=data["date_from"], date_to=data["date_to"], programme=data["programme"]
        )
    context = {
        "form": form,
        "report": report,
        "canton_wide": scope == IndicatorScope.CANTON,
        "threshold": THRESHOLD,
        "suppressed": SUPPRESSED,
    }
    return render(request, "cases/indicators/indicators.html", context)


@login_required
@require_GET
def follow_up_due(request: HttpRequest) -> HttpResponse:
    """The checks after exit that are due, for the cases the user's service leads."""
    user = _user(request)
    if not follow_up_may_record(user=user):
        raise Http404
    page = follow_up_due_page(user=user, cursor=request.GET.get("apres"))
    return render(request, "cases/indicators/follow_up_due.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_answer(request: HttpRequest, check_id: int) -> HttpResponse:
    """Record whether the person is still in a job or in training; a refused answer changes nothing."""
    user = _user(request)
    check = follow_up_get_for_recording(user=user, check_id=check_id, request=request)
    form = FollowUpRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up_record(
                check=check,
                still_integrated=form.cleaned_data["still_integrated"],
                note=form.cleaned_data["note"],
                checked_by=user,
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le suivi a été enregistré."))
            return redirect("cases:follow_up_due")
    return render(request, "cases/indicators/follow_up_record.html", {"check": check, "case": check.case, "form": form})


urlpatterns: list[URLPattern] = [
    path("indicateurs/", indicators, name="indicators"),
    path("suivis/", follow_up_due, name="follow_up_due"),
    path("suivis/<int:check_id>/", follow_up_answer, name="follow_up_record"),
]
