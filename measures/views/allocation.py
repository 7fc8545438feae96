"""Pages of the allocation rounds: the rounds, opening one, its proposal, simulations, adjustments, confirmation.

Only members of the coordination group reach these pages; anyone else (caseworkers included) gets
the 404 of a missing page. Every write goes through `measures.services.allocation`; a refusal of a
service (a French `ValidationError`, a stale version) is shown as a message and changes nothing.
"""

import calendar
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin
from cii_platform.core.pages import page_action
from measures.models import Measure, Sector
from measures.selectors.allocation import (
    round_detail,
    round_get,
    round_line_get,
    round_list,
    rounds_member_or_404,
    simulation_compare,
)
from measures.services.allocation import round_adjust_line, round_confirm, round_open, round_propose


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class RoundOpenForm(ServiceErrorsMixin, forms.Form):
    period_start = swiss_date_field(
        gettext_lazy("Période du (jj.mm.aaaa)"),
        required=True,
        required_message=gettext_lazy("Indiquez le début de la période."),
    )
    period_end = swiss_date_field(
        gettext_lazy("Au (jj.mm.aaaa)"), required=True, required_message=gettext_lazy("Indiquez la fin de la période.")
    )


class VersionForm(forms.Form):
    """The round's version as the page read it: a round changed meanwhile is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AdjustForm(VersionForm):
    measure = forms.CharField(required=False, max_length=40)


PERCENT_ERRORS = {
    "invalid": gettext_lazy("Indiquez un pourcentage, par exemple 10 ou -5."),
    "min_value": gettext_lazy("Un budget ne peut pas baisser de plus de 100 %%."),
    "max_value": gettext_lazy("Indiquez au plus +1000 %%."),
}


class SimulationForm(forms.Form):
    """A change of each sector's budget lines in per cent (SMIG +10 % → 10), 0 = unchanged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for sector, label in Sector.choices:
            self.fields[sector] = forms.DecimalField(
                label=_("%(sector)s : variation du budget (%%)") % {"sector": label},
                required=False,
                initial=Decimal(0),
                min_value=Decimal(-100),
                max_value=Decimal(1000),
                max_digits=6,
                decimal_places=1,
                error_messages=PERCENT_ERRORS,
            )

    def budget_factors(self) -> dict[str, Decimal]:
        """The sectors whose budget changes, each with its factor (10 % → 1.10)."""
        return {
            sector: 1 + percent / 100
            for sector in Sector.values
            if (percent := self.cleaned_data.get(sector)) is not None and percent != 0
        }

    def changes(self) -> list[tuple[str, Decimal]]:
        return [(str(Sector(sector).label), (factor - 1) * 100) for sector, factor in self.budget_factors().items()]


def _current_month_form() -> RoundOpenForm:
    today = timezone.localdate()
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return RoundOpenForm(initial={"period_start": today.replace(day=1), "period_end": last})


@login_required
@require_GET
def rounds(request: HttpRequest) -> HttpResponse:
    """The rounds, newest first, and the form to open one (the current month by default)."""
    context = {"rounds": round_list(user=_user(request)), "form": _current_month_form()}
    return render(request, "measures/allocation_list.html", context)


@login_required
@require_POST
def round_open_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rounds_member_or_404(user)
    form = RoundOpenForm(request.POST)
    if form.is_valid():
        try:
            round_ = round_open(opened_by=user, request=request, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Le tour est ouvert : calculez la proposition."))
            return redirect("measures:round_detail", round_id=round_.pk)
    context = {"rounds": round_list(user=user), "form": form}
    return render(request, "measures/allocation_list.html", context, status=400)


@login_required
@require_GET
def round_detail_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round: its proposal by measure, the unserved requests with their reasons, the places used."""
    detail = round_detail(user=_user(request), round_id=round_id, request=request)
    context = {
        "detail": detail,
        "round": detail.round,
        "dashboard_month": f"{detail.dashboard_month:%Y-%m}",
    }
    return render(request, "measures/allocation_detail.html", context)


def _version(request: HttpRequest, form_class: type[VersionForm] = VersionForm) -> VersionForm | None:
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le formulaire est incomplet : rechargez la page et réessayez."))
        return None
    return form


@login_required
@require_POST
def round_propose_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """Compute (again) the proposal of a round; its former lines and adjustments are replaced."""
    user = _user(request)
    round_ = round_get(user=user, round_id=round_id, request=request)
    form = _version(request)
    if form is not None:
        page_action(
            request,
            lambda: round_propose(
                round=round_, by=user, expected_version=form.cleaned_data["version"], request=request
            ),
            done=lambda result: (
                _("Proposition calculée : %(served)d demande(s) servie(s) sur %(total)d.")
                % {"served": result.served, "total": len(result.lines)}
            ),
            refused=_("Proposition non calculée : %(errors)s"),
        )
    return redirect("measures:round_detail", round_id=round_.pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_simulate_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """What the round would give if some sectors' budgets changed, beside the current budgets; writes nothing."""
    user = _user(request)
    round_ = round_get(user=user, round_id=round_id, request=request)
    form = SimulationForm(request.POST or None)
    simulation = None
    if request.method == "POST" and form.is_valid():
        try:
            current = round_propose(round=round_, by=user, simulate=True, request=request)
            simulated = round_propose(
                round=round_, by=user, simulate=True, budget_factors=form.budget_factors(), request=request
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            messages.error(request, _("Simulation impossible : %(errors)s") % {"errors": _errors(error)})
        else:
            simulation = simulation_compare(user=user, current=current, simulated=simulated)
    context = {"round": round_, "form": form, "simulation": simulation, "changes": form.changes() if simulation else []}
    return render(request, "measures/allocation_simulation.html", context)


@login_required
@require_POST
def round_adjust_view(request: HttpRequest, round_id: int, line_id: int) -> HttpResponse:
    """Move a request to another of its preferences, or set it aside (it joins the waiting list)."""
    user = _user(request)
    line = round_line_get(user=user, round_id=round_id, line_id=line_id, request=request)
    form = _version(request, AdjustForm)
    if form is None:
        return redirect("measures:round_detail", round_id=round_id)
    code = form.cleaned_data["measure"]
    measure: Measure | None = None
    if code:
        preferred = {preference.measure.code: preference.measure for preference in line.request.preferences.all()}
        if code not in preferred:
            messages.error(request, _("Choisissez une des mesures souhaitées par la demande."))
            return redirect("measures:round_detail", round_id=round_id)
        measure = preferred[code]
    if measure is None:
        done = _("La demande %(reference)s est écartée et rejoint la liste d'attente.") % {
            "reference": line.request.reference
        }
    else:
        done = _("La demande %(reference)s est attribuée à « %(measure)s ».") % {
            "reference": line.request.reference,
            "measure": measure.name,
        }
    page_action(
        request,
        lambda: round_adjust_line(
            line=line, by=user, measure=measure, expected_version=form.cleaned_data["version"], request=request
        ),
        done=done,
        refused=_("Ajustement refusé : %(errors)s"),
    )
    return redirect("measures:round_detail", round_id=round_id)


@login_required
@require_POST
def round_confirm_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """Confirm the proposal: the placements are created, the other requests keep waiting."""
    user = _user(request)
    round_ = round_get(user=user, round_id=round_id, request=request)
    form = _version(request)
    if form is not None:
        page_action(
            request,
            lambda: round_confirm(
                round=round_, by=user, expected_version=form.cleaned_data["version"], request=request
            ),
            done=lambda placements: _("Tour confirmé : %(count)d placement(s) créé(s).") % {"count": len(placements)},
            refused=_("Tour non confirmé : %(errors)s"),
        )
    return redirect("measures:round_detail", round_id=round_.pk)


urlpatterns: list[URLPattern] = [
    path("attribution/", rounds, name="rounds"),
    path("attribution/ouvrir/", round_open_view, name="round_open"),
    path("attribution/<int:round_id>/", round_detail_view, name="round_detail"),
    path("attribution/<int:round_id>/calculer/", round_propose_view, name="round_propose"),
    path("attribution/<int:round_id>/simuler/", round_simulate_view, name="round_simulate"),
    path("attribution/<int:round_id>/lignes/<int:line_id>/ajuster/", round_adjust_view, name="round_adjust"),
    path("attribution/<int:round_id>/confirmer/", round_confirm_view, name="round_confirm"),
]
