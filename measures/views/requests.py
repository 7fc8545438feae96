"""Pages of the place requests: asking for a place (from a case or under a pseudonym), the list, a request.

Caseworkers request places for their service and see its requests; coordination-group
members see every request; anyone else gets the 404 of a missing page. The person
behind a request is shown only where `measures.selectors.requests` allows it.
"""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import CaseFile
from cii_platform.access import Capability, access_get_or_404
from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin
from measures.models import Measure, PlaceKind, PlaceRequest, RequestPriority, Sector
from measures.roles import is_coordination_member, may_request_places
from measures.selectors.requests import place_request_get_visible, place_request_placements, place_requests_page
from measures.services.requests import (
    place_request_sectors_for,
    place_request_submit,
    place_request_update,
    place_request_withdraw,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


def _measures_on_offer() -> QuerySet[Measure]:
    today = timezone.localdate()
    return (
        Measure.objects.filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
        .select_related("provider")
        .order_by("name")
    )


def _measure_label(measure: Measure) -> str:
    return f"{measure.name} · {measure.provider.name}"


class PlaceRequestForm(ServiceErrorsMixin, forms.Form):
    """What a request asks; the service checks the measures, the sector and the case, in French."""

    pseudonym = forms.CharField(
        label=gettext_lazy("Pseudonyme de la personne"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Jamais le nom : c'est tout ce que les autres services verront de la personne."),
    )
    sector = forms.ChoiceField(
        label=gettext_lazy("Secteur qui paie la place"),
        error_messages={"required": gettext_lazy("Choisissez le secteur qui paie la place.")},
    )
    place_kind = forms.ChoiceField(
        label=gettext_lazy("Type de place"),
        choices=PlaceKind.choices,
        error_messages={"required": gettext_lazy("Choisissez le type de place demandé.")},
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priorité"), choices=RequestPriority.choices, initial=RequestPriority.NORMAL
    )
    desired_start = swiss_date_field(
        gettext_lazy("Début souhaité (jj.mm.aaaa)"),
        required=True,
        required_message=gettext_lazy("Indiquez le début souhaité."),
    )
    first_choice = forms.ModelChoiceField(
        label=gettext_lazy("1er choix"),
        queryset=Measure.objects.none(),
        empty_label=gettext_lazy("— choisir —"),
        error_messages={"required": gettext_lazy("Indiquez au moins une mesure souhaitée.")},
    )
    second_choice = forms.ModelChoiceField(
        label=gettext_lazy("2e choix (facultatif)"),
        queryset=Measure.objects.none(),
        required=False,
        empty_label=gettext_lazy("— aucun —"),
    )
    third_choice = forms.ModelChoiceField(
        label=gettext_lazy("3e choix (facultatif)"),
        queryset=Measure.objects.none(),
        required=False,
        empty_label=gettext_lazy("— aucun —"),
    )
    remarks = forms.CharField(
        label=gettext_lazy("Remarques (facultatif)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, user: User, with_pseudonym: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sector_field = cast(forms.ChoiceField, self.fields["sector"])
        sector_field.choices = [(s, Sector(s).label) for s in place_request_sectors_for(user=user)]
        offer = _measures_on_offer()
        for name in ("first_choice", "second_choice", "third_choice"):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.queryset = offer
            field.label_from_instance = _measure_label  # type: ignore[method-assign,assignment]
        if with_pseudonym:
            self.fields["pseudonym"].required = True
            self.fields["pseudonym"].error_messages["required"] = _(
                "Sans dossier, indiquez un pseudonyme : c'est tout ce que les autres services verront."
            )
        else:
            del self.fields["pseudonym"]

    def preferences(self) -> list[Measure]:
        data = self.cleaned_data
        return [data[name] for name in ("first_choice", "second_choice", "third_choice") if data.get(name)]

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "preferences" in error.error_dict:
            error.error_dict.setdefault("first_choice", []).extend(error.error_dict.pop("preferences"))
        super().add_service_errors(error)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _case_for_request(request: HttpRequest, user: User, reference: str) -> CaseFile:
    """The case a request is made on: one the user's service may change, or the 404 of a missing case."""
    return access_get_or_404(
        user=user,
        queryset=CaseFile.objects.select_related("person"),
        capability=Capability.CHANGE,
        request=request,
        reference=reference,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Ask for a place: from a case page (`?dossier=CII-…`) or standalone, under a pseudonym."""
    user = _user(request)
    if not may_request_places(user):
        raise Http404
    reference = request.GET.get("dossier", "").strip()
    case = _case_for_request(request, user, reference) if reference else None
    form = PlaceRequestForm(request.POST or None, user=user, with_pseudonym=case is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            place_request = place_request_submit(
                requested_by=user,
                sector=data["sector"],
                place_kind=data["place_kind"],
                priority=data["priority"],
                desired_start=data["desired_start"],
                preferences=form.preferences(),
                remarks=data["remarks"],
                case=case,
                pseudonym=data.get("pseudonym", ""),
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("La demande %(reference)s a été transmise au groupe de coordination.")
                % {"reference": place_request.reference},
            )
            return redirect("measures:request_detail", pk=place_request.pk)
    return render(request, "measures/request_form.html", {"form": form, "case": case, "place_request": None})


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """My service's requests (all requests for coordination-group members), newest first."""
    user = _user(request)
    if not (may_request_places(user) or is_coordination_member(user)):
        raise Http404
    page = place_requests_page(user=user, after=request.GET.get("apres"))
    context = {"page": page, "all_services": is_coordination_member(user), "may_request": may_request_places(user)}
    return render(request, "measures/request_list.html", context)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    place_request = place_request_get_visible(user=user, pk=pk, request=request)
    context = {
        "place_request": place_request,
        "placements": place_request_placements(place_request=place_request),
        "withdraw_form": VersionForm(initial={"version": place_request.version}),
        "may_withdraw": place_request.can_act  # type: ignore[attr-defined]
        and place_request.status in (PlaceRequest.Status.WAITING, PlaceRequest.Status.PROPOSED),
        "may_edit": place_request.can_act  # type: ignore[attr-defined]
        and place_request.status == PlaceRequest.Status.WAITING,
    }
    return render(request, "measures/request_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a waiting request of the user's service; a stale form changes nothing and says why."""
    user = _user(request)
    place_request = place_request_get_visible(user=user, pk=pk, request=request, audit_read=False)
    if not place_request.can_act:  # type: ignore[attr-defined]
        raise Http404
    preferences = [preference.measure for preference in place_request.preferences.all()]
    initial = {
        "sector": place_request.sector,
        "place_kind": place_request.place_kind,
        "priority": place_request.priority,
        "desired_start": place_request.desired_start,
        "remarks": place_request.remarks,
        **dict(zip(("first_choice", "second_choice", "third_choice"), preferences, strict=False)),
    }
    form = PlaceRequestForm(request.POST or None, initial=initial, user=user, with_pseudonym=False)
    version_form = VersionForm(request.POST or None, initial={"version": place_request.version})
    if request.method == "POST" and form.is_valid() and version_form.is_valid():
        data = form.cleaned_data
        try:
            place_request_update(
                place_request=place_request,
                expected_version=version_form.cleaned_data["version"],
                by=user,
                sector=data["sector"],
                place_kind=data["place_kind"],
                priority=data["priority"],
                desired_start=data["desired_start"],
                preferences=form.preferences(),
                remarks=data["remarks"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("La demande a été modifiée."))
            return redirect("measures:request_detail", pk=place_request.pk)
    context = {"form": form, "version_form": version_form, "case": None, "place_request": place_request}
    return render(request, "measures/request_form.html", context)


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    place_request = place_request_get_visible(user=user, pk=pk, request=request, audit_read=False)
    if not place_request.can_act:  # type: ignore[attr-defined]
        raise Http404
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("La demande n'a pas été retirée : rechargez la page et réessayez."))
        return redirect("measures:request_detail", pk=pk)
    try:
        place_request_withdraw(
            place_request=place_request,
            expected_version=form.cleaned_data["version"],
            by=user,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, _("La demande a été retirée."))
    return redirect("measures:request_detail", pk=pk)


urlpatterns: list[URLPattern] = [
    path("demandes/", request_list, name="request_list"),
    path("demandes/nouvelle/", request_new, name="request_new"),
    path("demandes/<int:pk>/", request_detail, name="request_detail"),
    path("demandes/<int:pk>/modifier/", request_edit, name="request_edit"),
    path("demandes/<int:pk>/retirer/", request_withdraw, name="request_withdraw"),
]
