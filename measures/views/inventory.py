"""Pages of the inventory (cartographie): measures by branch and typology, a measure, the providers.

Readers are caseworkers, coordination-group members and GP CII members (`may_read_measures`); anyone
else gets the 404 of a missing page. Coordination-group members also create and edit providers and
measures, set the places of a measure and record the NE-ESO checks of a provider; the services refuse
anyone else (answered with the same 404), and the edit forms are a 404 for them too. An edit form carries
the version it was read at: a provider or measure saved meanwhile by someone else is not overwritten; the
page shows the French message and keeps what was typed.
"""

import datetime as dt
from typing import Any, Literal, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin, VersionedForm
from measures.models import Branch, EsoCriterion, Measure, PlaceKind, Provider, Sector, Typology
from measures.roles import is_coordination_member
from measures.selectors.budgets import SECTORS, budget_places_by_sector
from measures.selectors.inventory import (
    branch_list,
    inventory_grouped,
    inventory_list,
    measure_budgets,
    measure_capacities,
    measure_get_for_reading,
    measures_reader_or_404,
    places_per_kind_by_year,
    provider_eso_checklist,
    provider_get_for_reading,
    provider_list,
    provider_measures,
)
from measures.services.inventory import (
    EVIDENCE_MAX_CHARS,
    StaleMeasure,
    StaleProvider,
    eso_criterion_record,
    measure_capacity_set,
    measure_create,
    measure_update,
    provider_create,
    provider_eso_assess,
    provider_update,
)

YES, NO = "oui", "non"
YES_NO_ANY = [("", gettext_lazy("Toutes")), (YES, gettext_lazy("Oui")), (NO, gettext_lazy("Non"))]
GROUP_BY = [("branch", gettext_lazy("Par branche")), ("typology", gettext_lazy("Par typologie cantonale"))]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


def _yes_no(value: str) -> bool | None:
    return {YES: True, NO: False}.get(value)


class InventoryFilterForm(forms.Form):
    """The filters of the cartographie; every field is optional."""

    year = forms.IntegerField(label=gettext_lazy("Année"), min_value=2000, max_value=2100, required=False)
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Branche"),
        queryset=Branch.objects.none(),
        required=False,
        empty_label=gettext_lazy("Toutes"),
        to_field_name="code",
    )
    typology = forms.ChoiceField(
        label=gettext_lazy("Typologie cantonale"),
        choices=[("", gettext_lazy("Toutes")), *Typology.choices],
        required=False,
    )
    place_kind = forms.ChoiceField(
        label=gettext_lazy("Type de place"), choices=[("", gettext_lazy("Tous")), *PlaceKind.choices], required=False
    )
    mixed = forms.ChoiceField(label=gettext_lazy("Mesure mixte"), choices=YES_NO_ANY, required=False)
    active = forms.ChoiceField(label=gettext_lazy("Active dans l'année"), choices=YES_NO_ANY, required=False)
    group_by = forms.ChoiceField(label=gettext_lazy("Regrouper"), choices=GROUP_BY, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["branch"]).queryset = branch_list()


class CapacityForm(ServiceErrorsMixin, forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Année"), error_messages={"required": gettext_lazy("Indiquez l'année.")}
    )
    place_kind = forms.ChoiceField(label=gettext_lazy("Type de place"), choices=PlaceKind.choices)
    places = forms.IntegerField(
        label=gettext_lazy("Places"), error_messages={"required": gettext_lazy("Indiquez le nombre de places.")}
    )


class EsoCheckForm(ServiceErrorsMixin, forms.Form):
    criterion = forms.ChoiceField(label=gettext_lazy("Critère"), choices=EsoCriterion.choices)
    met = forms.ChoiceField(
        label=gettext_lazy("Résultat"),
        choices=[(YES, gettext_lazy("rempli")), (NO, gettext_lazy("non rempli"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Indiquez si le critère est rempli.")},
    )
    evidence = forms.CharField(
        label=gettext_lazy("Justification"),
        max_length=EVIDENCE_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    checked_on = swiss_date_field(gettext_lazy("Vérifié le (vide : aujourd'hui)"))


class ProviderForm(ServiceErrorsMixin, VersionedForm):
    """A provider's details; the service checks the name (required, unique) and saves nothing on refusal.

    With `editing` the form carries the hidden version of the provider it shows; a new provider has none.
    """

    name = forms.CharField(
        label=gettext_lazy("Nom"),
        max_length=150,
        error_messages={"required": gettext_lazy("Indiquez le nom du prestataire.")},
    )
    locality = forms.CharField(label=gettext_lazy("Localité"), max_length=100, required=False)
    contact = forms.CharField(label=gettext_lazy("Personne de contact"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("Courriel"), required=False)
    phone = forms.CharField(label=gettext_lazy("Téléphone"), max_length=30, required=False)
    active = forms.BooleanField(
        label=gettext_lazy("Actif"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Décochez pour un prestataire qui ne mène plus de mesure."),
    )

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]


class MeasureForm(ServiceErrorsMixin, VersionedForm):
    """A measure's descriptive sheet. Without `with_code` (editing) there is no code field: it never changes,
    and there is the hidden version of the measure shown; with it (a new measure), no version.

    The price and the period are left to the service, whose French messages are shown on the fields.
    """

    provider = forms.TypedChoiceField(
        label=gettext_lazy("Prestataire"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choisissez le prestataire.")},
    )
    name = forms.CharField(
        label=gettext_lazy("Nom"),
        max_length=150,
        error_messages={"required": gettext_lazy("Indiquez le nom de la mesure.")},
    )
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("Lettres sans accents, chiffres et traits d'union, par exemple atelier-vente."),
        error_messages={
            "required": gettext_lazy("Indiquez le code de la mesure."),
            "invalid": gettext_lazy(
                "Le code ne contient que des lettres sans accents, des chiffres et des traits d'union."
            ),
        },
    )
    is_mixed = forms.BooleanField(
        label=gettext_lazy("Mesure mixte"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Utilisée par plusieurs secteurs de la CII."),
    )
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Branche (nomenclature SECO)"),
        queryset=Branch.objects.none(),
        to_field_name="code",
        error_messages={"required": gettext_lazy("Choisissez la branche.")},
    )
    typology = forms.ChoiceField(
        label=gettext_lazy("Typologie cantonale"),
        choices=[("", "---------"), *Typology.choices],
        error_messages={"required": gettext_lazy("Choisissez une typologie cantonale de la liste.")},
    )
    price_per_place_month = forms.DecimalField(
        label=gettext_lazy("Prix par place et par mois (CHF)"),
        max_digits=9,
        decimal_places=2,
        error_messages={"required": gettext_lazy("Indiquez le prix par place et par mois.")},
    )
    description = forms.CharField(
        label=gettext_lazy("Fiche descriptive"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    active_from = swiss_date_field(
        gettext_lazy("Active dès le"),
        required=True,
        required_message=gettext_lazy("Indiquez le début de la période d'activité."),
    )
    active_until = swiss_date_field(gettext_lazy("Active jusqu'au (vide : sans fin)"))

    def __init__(self, *args: Any, providers: list[Provider], with_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._providers = {provider.pk: provider for provider in providers}
        cast(forms.TypedChoiceField, self.fields["provider"]).choices = [
            ("", "---------"),
            *((provider.pk, _provider_label(provider)) for provider in providers),
        ]
        cast(forms.ModelChoiceField, self.fields["branch"]).queryset = branch_list()
        del self.fields["version" if with_code else "code"]

    def clean_provider(self) -> Provider:
        """The chosen provider among those offered (the choice list guarantees it is one of them)."""
        return self._providers[self.cleaned_data["provider"]]


def _provider_label(provider: Provider) -> str:
    return provider.name if provider.active else _("%(name)s (inactif)") % {"name": provider.name}


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST (bound even if empty), None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _editor_or_404(user: User) -> User:
    """`user` if they edit the inventory; readers and anyone else get the 404 of a missing page."""
    measures_reader_or_404(user)
    if not is_coordination_member(user):
        raise Http404
    return user


@login_required
@require_GET
def inventory(request: HttpRequest) -> HttpResponse:
    """The cartographie: the measures of a year grouped by branch or typology, with their places per kind."""
    user = measures_reader_or_404(_user(request))
    form = InventoryFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    group_by: Literal["branch", "typology"] = "typology" if data.get("group_by") == "typology" else "branch"
    measures = inventory_list(
        user=user,
        year=year,
        branch=data.get("branch"),
        typology=data.get("typology") or "",
        place_kind=data.get("place_kind") or "",
        mixed=_yes_no(data.get("mixed") or ""),
        active=_yes_no(data.get("active") or ""),
    )
    context = {
        "form": form,
        "year": year,
        "group_by": group_by,
        "groups": inventory_grouped(measures=measures, by=group_by),
        "measure_count": len(measures),
        "kinds": PlaceKind.choices,
        "can_edit": is_coordination_member(user),
    }
    return render(request, "measures/inventory_list.html", context)


def _measure_page(request: HttpRequest, code: str, capacity_form: CapacityForm | None = None) -> HttpResponse:
    measure = measure_get_for_reading(user=_user(request), code=code)
    context = {
        "measure": measure,
        "capacities": measure_capacities(measure=measure),
        "budgets": measure_budgets(measure=measure),
        "kinds": PlaceKind.choices,
        "capacity_form": capacity_form or CapacityForm(initial={"year": timezone.localdate().year}),
    }
    return render(request, "measures/inventory_measure.html", context)


@login_required
@require_GET
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A measure's descriptive sheet, its places per year and kind, and what each sector buys of it."""
    return _measure_page(request, code)


@login_required
@require_POST
def measure_capacity(request: HttpRequest, code: str) -> HttpResponse:
    """Set the places of one kind of the measure in a year (coordination group); a refusal changes nothing."""
    user = _user(request)
    measure = measure_get_for_reading(user=user, code=code)
    form = CapacityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            measure_capacity_set(
                measure=measure,
                year=data["year"],
                place_kind=data["place_kind"],
                places=data["places"],
                set_by=user,
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Les places de la mesure ont été enregistrées."))
            return redirect("measures:measure_detail", code=measure.code)
    if not measure.can_edit:  # type: ignore[attr-defined]
        raise Http404
    return _measure_page(request, code, capacity_form=form)


@login_required
@require_GET
def providers(request: HttpRequest) -> HttpResponse:
    """The providers with their NE-ESO recognition."""
    user = _user(request)
    rows = provider_list(user=user)
    context = {"providers": rows, "can_edit": is_coordination_member(user)}
    return render(request, "measures/inventory_providers.html", context)


def _provider_page(request: HttpRequest, provider_id: int, eso_form: EsoCheckForm | None = None) -> HttpResponse:
    provider = provider_get_for_reading(user=_user(request), provider_id=provider_id)
    context = {
        "provider": provider,
        "checklist": provider_eso_checklist(provider=provider),
        "measures": provider_measures(provider=provider),
        "eso_form": eso_form or EsoCheckForm(),
    }
    return render(request, "measures/inventory_provider.html", context)


@login_required
@require_GET
def provider_detail(request: HttpRequest, provider_id: int) -> HttpResponse:
    """A provider, its measures and its NE-ESO checklist (the criteria of annexe 4)."""
    return _provider_page(request, provider_id)


@login_required
@require_POST
def provider_eso_check(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Record one NE-ESO criterion of the provider (coordination group)."""
    user = _user(request)
    provider = provider_get_for_reading(user=user, provider_id=provider_id)
    form = EsoCheckForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            eso_criterion_record(
                provider=provider,
                criterion=data["criterion"],
                met=data["met"] == YES,
                evidence=data["evidence"],
                checked_on=data["checked_on"],
                checked_by=user,
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Le critère a été enregistré."))
            return redirect("measures:provider_detail", provider_id=provider.pk)
    if not provider.can_edit:  # type: ignore[attr-defined]
        raise Http404
    return _provider_page(request, provider_id, eso_form=form)


@login_required
@require_POST
def provider_eso_assess_view(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Decide the provider's NE-ESO recognition from its checks (coordination group)."""
    user = _user(request)
    provider = provider_get_for_reading(user=user, provider_id=provider_id)
    try:
        assessment = provider_eso_assess(provider=provider, assessed_by=user, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if assessment.recognised:
            messages.success(request, assessment.explanation)
        else:
            messages.warning(request, assessment.explanation)
    return redirect("measures:provider_detail", provider_id=provider.pk)


@login_required
@require_GET
def places_by_kind(request: HttpRequest) -> HttpResponse:
    """Places per kind by year (the transformation of the occupation places) and places per sector."""
    user = _user(request)
    context = {
        "kind_rows": places_per_kind_by_year(user=user),
        "sector_rows": budget_places_by_sector(user=user),
        "sectors": [(sector, Sector(sector).label) for sector in SECTORS],
    }
    return render(request, "measures/inventory_places_by_kind.html", context)


def _provider_data(form: ProviderForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {key: data[key] for key in ("name", "locality", "contact", "email", "phone", "active")}


@login_required
@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    """Add a provider to the inventory (coordination group); a refused input saves nothing."""
    user = _editor_or_404(_user(request))
    form = ProviderForm(_posted(request), editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            provider = provider_create(created_by=user, request=request, **_provider_data(form))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Le prestataire a été enregistré."))
            return redirect("measures:provider_detail", provider_id=provider.pk)
    return render(request, "measures/inventory_provider_form.html", {"form": form, "provider": None})


@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Change a provider's details (coordination group); its NE-ESO status changes only by an assessment."""
    user = _user(request)
    provider = provider_get_for_reading(user=user, provider_id=provider_id)
    if not provider.can_edit:  # type: ignore[attr-defined]
        raise Http404
    initial = {
        "name": provider.name,
        "locality": provider.locality,
        "contact": provider.contact,
        "email": provider.email,
        "phone": provider.phone,
        "active": provider.active,
        "version": provider.version,
    }
    form = ProviderForm(_posted(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            provider_update(
                provider=provider,
                expected_version=form.cleaned_data["version"],
                changed_by=user,
                request=request,
                **_provider_data(form),
            )
        except PermissionDenied:
            raise Http404 from None
        except StaleProvider as stale:
            form.add_error(None, str(stale))  # the bound form keeps what was typed
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Le prestataire a été modifié."))
            return redirect("measures:provider_detail", provider_id=provider.pk)
    return render(request, "measures/inventory_provider_form.html", {"form": form, "provider": provider})


def _measure_data(form: MeasureForm) -> dict[str, Any]:
    data = form.cleaned_data
    keys = (
        "provider",
        "name",
        "branch",
        "typology",
        "price_per_place_month",
        "active_from",
        "active_until",
        "is_mixed",
        "description",
    )
    return {key: data[key] for key in keys}


def _provider_id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def measure_new(request: HttpRequest) -> HttpResponse:
    """Add a measure to the inventory (coordination group); `?provider=<id>` preselects its provider."""
    user = _editor_or_404(_user(request))
    initial: dict[str, Any] = {"active_from": dt.date(timezone.localdate().year, 1, 1)}
    if (provider_id := _provider_id(request.GET.get("provider"))) is not None:
        initial["provider"] = provider_id
    form = MeasureForm(_posted(request), initial=initial, providers=provider_list(user=user), with_code=True)
    if request.method == "POST" and form.is_valid():
        try:
            measure = measure_create(
                code=form.cleaned_data["code"], created_by=user, request=request, **_measure_data(form)
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("La mesure a été enregistrée."))
            return redirect("measures:measure_detail", code=measure.code)
    return render(request, "measures/inventory_measure_form.html", {"form": form, "measure": None})


def _measure_initial(measure: Measure) -> dict[str, Any]:
    return {
        "provider": measure.provider_id,
        "name": measure.name,
        "is_mixed": measure.is_mixed,
        "branch": measure.branch.code,
        "typology": measure.typology,
        "price_per_place_month": measure.price_per_place_month,
        "description": measure.description,
        "active_from": measure.active_from,
        "active_until": measure.active_until,
        "version": measure.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a measure's descriptive sheet (coordination group); its code never changes."""
    user = _user(request)
    measure = measure_get_for_reading(user=user, code=code)
    if not measure.can_edit:  # type: ignore[attr-defined]
        raise Http404
    form = MeasureForm(
        request.POST or None,
        initial=_measure_initial(measure),
        providers=provider_list(user=user),
        with_code=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            measure_update(
                measure=measure,
                expected_version=form.cleaned_data["version"],
                changed_by=user,
                request=request,
                **_measure_data(form),
            )
        except PermissionDenied:
            raise Http404 from None
        except StaleMeasure as stale:
            form.add_error(None, str(stale))  # the bound form keeps what was typed
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("La mesure a été modifiée."))
            return redirect("measures:measure_detail", code=measure.code)
    return render(request, "measures/inventory_measure_form.html", {"form": form, "measure": measure})


urlpatterns: list[URLPattern] = [
    path("cartographie/", inventory, name="inventory"),
    path("cartographie/places-par-type/", places_by_kind, name="places_by_kind"),
    path("cartographie/nouvelle-mesure/", measure_new, name="measure_new"),
    path("cartographie/mesures/<slug:code>/", measure_detail, name="measure_detail"),
    path("cartographie/mesures/<slug:code>/places/", measure_capacity, name="measure_capacity"),
    path("cartographie/mesures/<slug:code>/modifier/", measure_edit, name="measure_edit"),
    path("prestataires/", providers, name="providers"),
    path("prestataires/nouveau/", provider_new, name="provider_new"),
    path("prestataires/<int:provider_id>/", provider_detail, name="provider_detail"),
    path("prestataires/<int:provider_id>/modifier/", provider_edit, name="provider_edit"),
    path("prestataires/<int:provider_id>/critere/", provider_eso_check, name="provider_eso_check"),
    path("prestataires/<int:provider_id>/evaluer/", provider_eso_assess_view, name="provider_eso_assess"),
]
