"""Pages of the placements and of the monthly dashboard: the placements, ending one, the month's figures.

Placements: coordination-group members see them all, caseworkers those of their
service's requests; both may end or cancel them. The dashboard is read by
caseworkers, coordination-group members and the GP CII (aggregates only); a
sector's delegate sends the sector's month, which freezes its figures. Anyone
else gets the 404 of a missing page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin
from measures.models import ExitReason, Placement, Sector
from measures.roles import is_coordination_member, may_request_places
from measures.selectors.dashboard import dashboard_export, dashboard_for, parse_month
from measures.selectors.requests import placement_get_visible, placements_page
from measures.services.placements import monthly_report_send, placement_cancel, placement_end


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


class PlacementEndForm(ServiceErrorsMixin, forms.Form):
    ended_on = swiss_date_field(
        gettext_lazy("Fin effective (jj.mm.aaaa)"),
        required=True,
        required_message=gettext_lazy("Indiquez la date de fin effective."),
    )
    exit_reason = forms.ChoiceField(
        label=gettext_lazy("Motif de sortie"),
        choices=[("", gettext_lazy("— choisir —")), *ExitReason.choices],
        error_messages={"required": gettext_lazy("Indiquez le motif de sortie.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PlacementCancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Motif de l'annulation (facultatif)"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


@login_required
@require_GET
def placement_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (may_request_places(user) or is_coordination_member(user)):
        raise Http404
    status = request.GET.get("statut", "")
    page = placements_page(user=user, after=request.GET.get("apres"), status=status)
    context = {
        "page": page,
        "status": status if status in Placement.Status.values else "",
        "statuses": Placement.Status.choices,
        "all_services": is_coordination_member(user),
    }
    return render(request, "measures/placement_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A placement, with the forms to end it (actual end, exit reason) or cancel it."""
    user = _user(request)
    placement = placement_get_visible(user=user, pk=pk, request=request, audit_read=request.method == "GET")
    end_form = PlacementEndForm(
        request.POST or None, initial={"version": placement.version, "ended_on": timezone.localdate()}
    )
    if request.method == "POST":
        if not placement.can_act:  # type: ignore[attr-defined]
            raise Http404
        if end_form.is_valid():
            data = end_form.cleaned_data
            try:
                placement_end(
                    placement=placement,
                    ended_on=data["ended_on"],
                    exit_reason=data["exit_reason"],
                    by=user,
                    expected_version=data["version"],
                    request=request,
                )
            except ValidationError as error:
                end_form.add_service_errors(error)
            else:
                messages.success(request, _("Le placement est terminé ; sa place est proposée à la liste d'attente."))
                return redirect("measures:placement_detail", pk=pk)
    context = {
        "placement": placement,
        "place_request": placement.request,
        "end_form": end_form,
        "cancel_form": PlacementCancelForm(initial={"version": placement.version}),
    }
    return render(request, "measures/placement_detail.html", context)


@login_required
@require_POST
def placement_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    placement = placement_get_visible(user=user, pk=pk, request=request, audit_read=False)
    if not placement.can_act:  # type: ignore[attr-defined]
        raise Http404
    form = PlacementCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le placement n'a pas été annulé : rechargez la page et réessayez."))
        return redirect("measures:placement_detail", pk=pk)
    try:
        placement_cancel(
            placement=placement,
            by=user,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le placement est annulé ; la demande attend de nouveau une place."))
    return redirect("measures:placement_detail", pk=pk)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The month's figures per sector and measure, frozen for the sectors that sent them."""
    user = _user(request)
    month = parse_month(request.GET.get("mois")) or timezone.localdate().replace(day=1)
    board = dashboard_for(user=user, month=month)
    context = {"dashboard": board, "month_value": f"{month:%Y-%m}"}
    return render(request, "measures/dashboard.html", context)


@login_required
@require_POST
def dashboard_send(request: HttpRequest) -> HttpResponse:
    """A delegate sends their sector's month: its figures are frozen from now on."""
    user = _user(request)
    month = parse_month(request.POST.get("mois"))
    sector = request.POST.get("secteur", "")
    if month is None:
        raise Http404
    try:
        report = monthly_report_send(month=month, sector=sector, by=user, request=request)
    except PermissionDenied:
        # Another sector's month answers like a page that does not exist.
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Les chiffres de %(month)s du secteur %(sector)s sont envoyés et figés.")
            % {"month": f"{report.month:%m.%Y}", "sector": Sector(report.sector).label},
        )
    return redirect(f"{reverse('measures:dashboard')}?mois={month:%Y-%m}")


@login_required
@require_GET
def dashboard_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The month's dashboard as a CSV or XLSX file (audited)."""
    month = parse_month(request.GET.get("mois")) or timezone.localdate().replace(day=1)
    content, content_type, filename = dashboard_export(user=_user(request), month=month, fmt=fmt, request=request)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns: list[URLPattern] = [
    path("placements/", placement_list, name="placement_list"),
    path("placements/<int:pk>/", placement_detail, name="placement_detail"),
    path("placements/<int:pk>/annuler/", placement_cancel_view, name="placement_cancel"),
    path("tableau-de-bord/", dashboard, name="dashboard"),
    path("tableau-de-bord/envoyer/", dashboard_send, name="dashboard_send"),
    path("tableau-de-bord/export.<str:fmt>", dashboard_download, name="dashboard_export"),
]
