"""Pages of the internships in partner companies: the list, and the form to record or change one.

CNIP staff only (`labels.roles.is_cnip_staff`); anyone else, jury members included, gets the 404 of a
missing page, GET and POST alike, and nothing changes. Interns appear under their pseudonym only. The
edit form carries the version it was read at: an internship saved meanwhile by someone else is not
overwritten; the page shows the French message and keeps what was typed.

The list grows every year: it is paged by keyset (50 at a time, the most recently recorded first, no
count). With a year chosen, each internship shows its internship days in that calendar year, as
`labels.selectors.figures.internship_days` counts them (weekdays, public holidays not deducted).
"""

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin, VersionedForm
from cii_platform.core.pages import form_action
from cii_platform.core.pagination import keyset_page
from labels.models import Internship, PartnerCompany, TrainingProgramme
from labels.selectors.companies import cnip_staff_or_404, company_list
from labels.selectors.figures import internship_days
from labels.selectors.internships import internship_get, internship_list, programme_list
from labels.services.internships import internship_create, internship_update

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees an account


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _company_label(company: PartnerCompany) -> str:
    label = f"{company.name} ({company.locality})"
    return label if company.active else _("%(name)s — inactive") % {"name": label}


class InternshipFilterForm(forms.Form):
    """The filters of the list; every field is optional."""

    year = forms.IntegerField(label=gettext_lazy("Année"), min_value=2000, max_value=2100, required=False)
    company = forms.TypedChoiceField(label=gettext_lazy("Entreprise"), coerce=int, required=False, empty_value=None)
    search = forms.CharField(
        label=gettext_lazy("Recherche"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Pseudonyme, entreprise ou formation."),
    )

    def __init__(self, *args: Any, companies: list[PartnerCompany], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._companies = {company.pk: company for company in companies}
        cast(forms.TypedChoiceField, self.fields["company"]).choices = [
            ("", gettext_lazy("Toutes")),
            *((company.pk, _company_label(company)) for company in companies),
        ]

    def chosen_company(self) -> PartnerCompany | None:
        """The company chosen among those offered, or None (call after `is_valid`)."""
        company_id = self.cleaned_data.get("company")
        return self._companies.get(company_id) if company_id is not None else None


class InternshipForm(ServiceErrorsMixin, VersionedForm):
    """An internship's details. The service checks them (pseudonym, dates, outcome, active company) in French.

    Offered are the active companies and programmes, plus, when editing, the internship's own ones (an
    internship may stay with a company that became inactive). With `editing` the form carries the hidden
    version of the internship; a new one has none.
    """

    company = forms.TypedChoiceField(
        label=gettext_lazy("Entreprise"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choisissez l'entreprise.")},
    )
    intern_pseudonym = forms.CharField(
        label=gettext_lazy("Stagiaire (pseudonyme)"),
        max_length=40,
        help_text=gettext_lazy("Jamais le nom ni le numéro AVS : le label ne connaît que le pseudonyme."),
        error_messages={"required": gettext_lazy("Indiquez le pseudonyme du ou de la stagiaire.")},
    )
    programme = forms.TypedChoiceField(
        label=gettext_lazy("Formation CNIP"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choisissez la formation.")},
    )
    starts_on = swiss_date_field(
        gettext_lazy("Début"), required=True, required_message=gettext_lazy("Indiquez le début du stage.")
    )
    ends_on = swiss_date_field(
        gettext_lazy("Fin (prévue, ou effective une fois le stage terminé)"),
        required=True,
        required_message=gettext_lazy("Indiquez la fin du stage."),
    )
    finished = forms.BooleanField(label=gettext_lazy("Stage terminé"), required=False)
    employed_on_last_day = forms.BooleanField(
        label=gettext_lazy("Engagé·e au dernier jour du stage"),
        required=False,
        help_text=gettext_lazy("Seulement pour un stage terminé."),
    )
    coaching_notes = forms.CharField(
        label=gettext_lazy("Notes de coaching"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self,
        *args: Any,
        companies: list[PartnerCompany],
        programmes: list[TrainingProgramme],
        editing: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._companies = {company.pk: company for company in companies}
        self._programmes = {programme.pk: programme for programme in programmes}
        cast(forms.TypedChoiceField, self.fields["company"]).choices = [
            ("", "---------"),
            *((company.pk, _company_label(company)) for company in companies),
        ]
        cast(forms.TypedChoiceField, self.fields["programme"]).choices = [
            ("", "---------"),
            *((p.pk, p.name if p.active else _("%(name)s — plus proposée") % {"name": p.name}) for p in programmes),
        ]
        if not editing:
            del self.fields["version"]

    def clean_company(self) -> PartnerCompany:
        """The chosen company among those offered (the choice list guarantees it is one of them)."""
        return self._companies[self.cleaned_data["company"]]

    def clean_programme(self) -> TrainingProgramme:
        return self._programmes[self.cleaned_data["programme"]]


def _internship_data(form: InternshipForm) -> dict[str, Any]:
    keys = (
        "company",
        "intern_pseudonym",
        "programme",
        "starts_on",
        "ends_on",
        "finished",
        "employed_on_last_day",
        "coaching_notes",
    )
    return {key: form.cleaned_data[key] for key in keys}


def _choices(user: User, current: Internship | None) -> dict[str, Any]:
    """The companies and programmes the form offers: the active ones, and the internship's own."""
    companies = list(company_list(user=user, active=True))
    programmes = list(programme_list(user=user, active=True))
    if current is not None:
        if all(company.pk != current.company_id for company in companies):
            companies.append(current.company)
        if all(programme.pk != current.programme_id for programme in programmes):
            programmes.append(current.programme)
    return {"companies": companies, "programmes": programmes}


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
def internship_index(request: HttpRequest) -> HttpResponse:
    """The internships, filtered by year, company and pseudonym, 50 at a time."""
    user = cnip_staff_or_404(_user(request))
    filters = {key: value for key, value in request.GET.items() if key != "apres"}
    form = InternshipFilterForm(filters or None, companies=list(company_list(user=user)))
    valid = form.is_bound and form.is_valid()
    year: int | None = form.cleaned_data.get("year") if valid else None
    internships = internship_list(
        user=user,
        company=form.chosen_company() if valid else None,
        year=year,
        search=(form.cleaned_data.get("search") or "") if valid else "",
    )
    page = keyset_page(internships, after=request.GET.get("apres"), size=PAGE_SIZE)
    period = (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else None
    rows = [
        (internship, internship_days(internship.starts_on, internship.ends_on, period) if period else None)
        for internship in page.rows
    ]
    context = {"form": form, "page": page, "rows": rows, "year": year}
    return render(request, "labels/internship_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def internship_new(request: HttpRequest) -> HttpResponse:
    """Record an internship; `?entreprise=<id>` preselects its company."""
    user = cnip_staff_or_404(_user(request))
    initial: dict[str, Any] = {}
    if (company_id := _int_or_none(request.GET.get("entreprise"))) is not None:
        initial["company"] = company_id
    form = InternshipForm(_posted(request), initial=initial, editing=False, **_choices(user, None))
    if request.method == "POST" and form.is_valid():
        internship = form_action(
            form, lambda: internship_create(created_by=user, request=request, **_internship_data(form))
        )
        if internship is not None:
            messages.success(request, _("Le stage a été enregistré."))
            return redirect("labels:company_detail", company_id=internship.company_id)
    return render(request, "labels/internship_form.html", {"form": form, "internship": None})


@login_required
@require_http_methods(["GET", "POST"])
def internship_edit(request: HttpRequest, internship_id: int) -> HttpResponse:
    """Change an internship; one saved since the form was read is not overwritten."""
    user = _user(request)
    internship = internship_get(user=user, internship_id=internship_id)
    initial = {
        "company": internship.company_id,
        "intern_pseudonym": internship.intern_pseudonym,
        "programme": internship.programme_id,
        "starts_on": internship.starts_on,
        "ends_on": internship.ends_on,
        "finished": internship.finished,
        "employed_on_last_day": internship.employed_on_last_day,
        "coaching_notes": internship.coaching_notes,
        "version": internship.version,
    }
    form = InternshipForm(_posted(request), initial=initial, editing=True, **_choices(user, internship))
    if request.method == "POST" and form.is_valid():
        saved = form_action(
            form,
            lambda: internship_update(
                internship=internship,
                expected_version=form.cleaned_data["version"],
                changed_by=user,
                request=request,
                **_internship_data(form),
            ),
        )
        if saved is not None:  # refused: the bound form keeps what was typed
            messages.success(request, _("Le stage a été modifié."))
            return redirect("labels:company_detail", company_id=saved.company_id)
    return render(request, "labels/internship_form.html", {"form": form, "internship": internship})


urlpatterns: list[URLPattern] = [
    path("stages/", internship_index, name="internship_list"),
    path("stages/nouveau/", internship_new, name="internship_new"),
    path("stages/<int:internship_id>/modifier/", internship_edit, name="internship_edit"),
]
