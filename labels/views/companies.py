"""Pages of the partner companies: the searchable list, one company, its form, and the import of a file.

CNIP staff only (`labels.roles.is_cnip_staff`); anyone else, jury members included, gets the 404 of a
missing page on every page, GET and POST alike, and nothing changes. The edit form carries the version it
was read at: a company saved meanwhile by someone else is not overwritten; the page shows the French
message and keeps what was typed. The import shows its report (rows created or updated, rows rejected
with their row number and French reasons, columns ignored) on the same page; a file refused as a whole
shows its French message and nothing is imported.

The list is not paged: a partner network counts hundreds of companies, and the list is one query
whatever its length. The patterns of the internship pages are declared here too (see `urlpatterns`).
"""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cii_platform.accounts.models import User
from cii_platform.core.forms import ServiceErrorsMixin, VersionedForm
from cii_platform.core.pages import form_action
from labels.models import Canton
from labels.selectors.companies import cnip_staff_or_404, company_branches, company_get, company_list
from labels.selectors.internships import internship_list
from labels.services.companies import COMPANY_FIELDS, company_create, company_update
from labels.services.company_import import FIELD_LABELS, MAX_BYTES, company_import
from labels.views import internships

YES, NO = "oui", "non"
YES_NO_ANY = [("", gettext_lazy("Toutes")), (YES, gettext_lazy("Actives")), (NO, gettext_lazy("Inactives"))]
TEMPLATE_FILE_NAME = "modele-entreprises.csv"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees an account


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST (bound even if empty), None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


class CompanyFilterForm(forms.Form):
    """The filters of the list; every field is optional."""

    search = forms.CharField(
        label=gettext_lazy("Recherche"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Raison sociale, localité ou numéro IDE."),
    )
    canton = forms.ChoiceField(
        label=gettext_lazy("Canton"), choices=[("", gettext_lazy("Tous")), *Canton.choices], required=False
    )
    branch = forms.ChoiceField(label=gettext_lazy("Branche"), choices=[], required=False)
    active = forms.ChoiceField(label=gettext_lazy("Statut"), choices=YES_NO_ANY, required=False)

    def __init__(self, *args: Any, branches: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("Toutes")), *((branch, branch) for branch in branches)]
        cast(forms.ChoiceField, self.fields["branch"]).choices = choices


class CompanyForm(ServiceErrorsMixin, VersionedForm):
    """A company's details. The service checks them (UID, canton, duplicates, e-mail) with French messages.

    With `editing` the form carries the hidden version of the company it shows; a new company has none.
    """

    name = forms.CharField(
        label=gettext_lazy("Raison sociale"),
        max_length=200,
        error_messages={"required": gettext_lazy("Indiquez la raison sociale de l'entreprise.")},
    )
    uid = forms.CharField(
        label=gettext_lazy("Numéro IDE"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Facultatif. Format CHE-123.456.789."),
    )
    canton = forms.ChoiceField(
        label=gettext_lazy("Canton"),
        choices=[("", "---------"), *Canton.choices],
        error_messages={"required": gettext_lazy("Indiquez le canton de l'entreprise.")},
    )
    locality = forms.CharField(
        label=gettext_lazy("Localité"),
        max_length=100,
        error_messages={"required": gettext_lazy("Indiquez la localité de l'entreprise.")},
    )
    branch = forms.CharField(label=gettext_lazy("Branche"), max_length=100, required=False)
    contact_name = forms.CharField(label=gettext_lazy("Personne de contact"), max_length=150, required=False)
    # A text field: the service checks the address and says so in French with the address typed.
    contact_email = forms.CharField(label=gettext_lazy("Courriel"), max_length=254, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Téléphone"), max_length=30, required=False)
    active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "Décochez pour une entreprise qui n'accueille plus de stagiaires : ses stages restent enregistrés."
        ),
    )

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]


class CompanyImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou Excel (.xlsx)"),
        help_text=gettext_lazy("5 Mo au plus. La première ligne nomme les colonnes."),
        error_messages={
            "required": gettext_lazy("Choisissez le fichier à importer."),
            "empty": gettext_lazy("Le fichier est vide."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        """The uploaded file, refused in French beyond 5 Mo (before reading it)."""
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise ValidationError(
                _("Le fichier dépasse %(max)s Mo : découpez-le en plusieurs fichiers.")
                % {"max": MAX_BYTES // (1024 * 1024)}
            )
        return upload


def _company_data(form: CompanyForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in COMPANY_FIELDS}


@login_required
@require_GET
def company_index(request: HttpRequest) -> HttpResponse:
    """The partner companies, searchable and filtered, with their number of internships."""
    user = cnip_staff_or_404(_user(request))
    form = CompanyFilterForm(request.GET or None, branches=company_branches(user=user))
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    companies = list(
        company_list(
            user=user,
            search=data.get("search") or "",
            canton=data.get("canton") or "",
            branch=data.get("branch") or "",
            active={YES: True, NO: False}.get(data.get("active") or ""),
        )
    )
    return render(request, "labels/company_list.html", {"form": form, "companies": companies})


@login_required
@require_GET
def company_detail(request: HttpRequest, company_id: int) -> HttpResponse:
    """A company's details and its internships, latest start first."""
    user = _user(request)
    company = company_get(user=user, company_id=company_id)
    context = {"company": company, "internships": list(internship_list(user=user, company=company))}
    return render(request, "labels/company_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_new(request: HttpRequest) -> HttpResponse:
    """Add a partner company; a refused input saves nothing and keeps what was typed."""
    user = cnip_staff_or_404(_user(request))
    form = CompanyForm(_posted(request), editing=False)
    if request.method == "POST" and form.is_valid():
        company = form_action(form, lambda: company_create(created_by=user, request=request, **_company_data(form)))
        if company is not None:
            messages.success(request, _("L'entreprise a été enregistrée."))
            return redirect("labels:company_detail", company_id=company.pk)
    return render(request, "labels/company_form.html", {"form": form, "company": None})


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, company_id: int) -> HttpResponse:
    """Change a company's details; a company saved since the form was read is not overwritten."""
    user = _user(request)
    company = company_get(user=user, company_id=company_id)
    initial: dict[str, Any] = {name: getattr(company, name) for name in COMPANY_FIELDS}
    initial["version"] = company.version
    form = CompanyForm(_posted(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        saved = form_action(
            form,
            lambda: company_update(
                company=company,
                expected_version=form.cleaned_data["version"],
                changed_by=user,
                request=request,
                **_company_data(form),
            ),
        )
        if saved is not None:  # refused: the bound form keeps what was typed
            messages.success(request, _("L'entreprise a été modifiée."))
            return redirect("labels:company_detail", company_id=company.pk)
    return render(request, "labels/company_form.html", {"form": form, "company": company})


@login_required
@require_http_methods(["GET", "POST"])
def company_import_page(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or XLSX file of companies; the same page then shows what was imported and what was not."""
    user = cnip_staff_or_404(_user(request))
    form = CompanyImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        try:
            report = company_import(
                file_name=upload.name or "", content=upload.read(), imported_by=user, request=request
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_error(None, error)  # the whole file is refused: its French message above the form
        else:
            form = CompanyImportForm()  # a fresh form for the next file
    context = {
        "form": form,
        "report": report,
        "columns": [FIELD_LABELS[name] for name in COMPANY_FIELDS],
        "template_name": TEMPLATE_FILE_NAME,
    }
    return render(request, "labels/company_import.html", context)


@login_required
@require_GET
def company_import_template(request: HttpRequest) -> HttpResponse:
    """A CSV holding only the header row the import expects (UTF-8 with BOM and `;`, as Excel opens it)."""
    cnip_staff_or_404(_user(request))
    header = ";".join(str(FIELD_LABELS[name]) for name in COMPANY_FIELDS)
    response = HttpResponse(("\ufeff" + header + "\r\n").encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILE_NAME}"'
    return response


# The internship pages' patterns come along, so that labels/urls.py names one module for the two.
urlpatterns: list[URLPattern] = [
    path("entreprises/", company_index, name="company_list"),
    path("entreprises/nouvelle/", company_new, name="company_new"),
    path("entreprises/importer/", company_import_page, name="company_import"),
    path("entreprises/modele.csv", company_import_template, name="company_import_template"),
    path("entreprises/<int:company_id>/", company_detail, name="company_detail"),
    path("entreprises/<int:company_id>/modifier/", company_edit, name="company_edit"),
    *internships.urlpatterns,
]
