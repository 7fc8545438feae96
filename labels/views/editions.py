"""Pages of the label's editions: the entry page, an edition with its ranking and figures, its settings and criteria.

Who reaches what (the access gate is `labels.selectors.editions.edition_get`): CNIP staff every
edition and every action; a jury member the editions in whose jury they sit (read, marks, recusals,
approval: `labels.views.jury`); anyone else, and a jury member of another edition, the 404 of a
missing page. Every write goes through `labels.services.editions` / `labels.services.jury`; a
refusal of a service (a French `ValidationError`, a stale version) is shown and changes nothing, and
a `PermissionDenied` becomes the same 404.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cii_platform.accounts.models import User
from cii_platform.audit.forms import swiss_date_field
from cii_platform.core.forms import ServiceErrorsMixin, VersionedForm
from cii_platform.core.pages import form_action, page_action
from cii_platform.reports.models import ReportKind
from cii_platform.reports.services import report_job_request
from labels.models import (
    Criterion,
    CriterionKind,
    CriterionMetric,
    Edition,
    EditionStatus,
    JurySeat,
    Normalisation,
    RankingEntry,
)
from labels.ranking import TIE_RULE
from labels.roles import is_cnip_staff, may_use_labels
from labels.selectors.editions import (
    CriterionCell,
    RankingRowView,
    edition_criteria,
    edition_get,
    edition_list,
    jury_accounts,
    jury_member_for,
    jury_progress,
    ranking_rows,
    ranking_sensitivity,
)
from labels.selectors.figures import HeadlineFigures, edition_figures
from labels.services.editions import (
    CriterionTerms,
    StaleEdition,
    criterion_delete,
    criterion_set,
    edition_compute_ranking,
    edition_create,
    edition_publish,
    edition_reopen,
    edition_submit_to_jury,
    edition_update,
    special_label_set,
)
from labels.services.jury import jury_member_remove, jury_member_set
from labels.views import jury

REINSERTION_DEFINITION = gettext_lazy("engagés au dernier jour ÷ stagiaires ayant terminé leur stage dans la période")
DAYS_DEFINITION = gettext_lazy(
    "jours ouvrables (lundi–vendredi) des stages dans la période de référence, jours fériés non déduits"
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees an account


def percent(value: Decimal | float | None, *, already_percent: bool = False) -> str:
    """A rate as '41.67 %' (two decimals, the platform's decimal point, no-break space); '—' without a value."""
    if value is None:
        return "—"
    number = Decimal(str(value)) if already_percent else Decimal(str(value)) * 100
    return f"{number:.2f}\u00a0%"


def staff_edition_or_404(request: HttpRequest, year: int) -> Edition:
    """The edition of `year` for CNIP staff; the 404 of a missing page for anyone else (audited by the gate)."""
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    if not is_cnip_staff(user):
        raise Http404
    return edition


# --- forms --------------------------------------------------------------------------------------


class EditionForm(ServiceErrorsMixin, forms.Form):
    """An edition's settings; the reference period defaults to the calendar year when left empty."""

    year = forms.IntegerField(
        label=gettext_lazy("Année"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": gettext_lazy("Indiquez l'année de l'édition."),
            "invalid": gettext_lazy("L'année est un nombre, par exemple 2020."),
            "min_value": gettext_lazy("L'année d'une édition va de 2000 à 2100."),
            "max_value": gettext_lazy("L'année d'une édition va de 2000 à 2100."),
        },
    )
    period_start = swiss_date_field(gettext_lazy("Période de référence, du (jj.mm.aaaa)"))
    period_end = swiss_date_field(gettext_lazy("Au (jj.mm.aaaa)"))
    threshold = forms.DecimalField(
        label=gettext_lazy("Seuil du label (points)"),
        min_value=Decimal(0),
        max_digits=6,
        decimal_places=2,
        help_text=gettext_lazy("Une entreprise est labellisée si son score atteint ce seuil."),
        error_messages={
            "required": gettext_lazy("Indiquez le seuil du label."),
            "invalid": gettext_lazy("Le seuil est un nombre de points, par exemple 5.5."),
            "min_value": gettext_lazy("Le seuil du label est un nombre de points positif ou nul."),
            "max_digits": gettext_lazy("Le seuil va jusqu'à 9999.99."),
            "max_decimal_places": gettext_lazy("Le seuil a deux décimales au plus."),
        },
    )
    prizes = forms.IntegerField(
        label=gettext_lazy("Prix d'excellence"),
        min_value=0,
        max_value=10,
        initial=3,
        error_messages={
            "required": gettext_lazy("Indiquez le nombre de prix d'excellence."),
            "invalid": gettext_lazy("Le nombre de prix d'excellence va de 0 à 10."),
            "min_value": gettext_lazy("Le nombre de prix d'excellence va de 0 à 10."),
            "max_value": gettext_lazy("Le nombre de prix d'excellence va de 0 à 10."),
        },
    )
    ceremony_on = swiss_date_field(gettext_lazy("Date de la cérémonie (jj.mm.aaaa)"))
    ceremony_place = forms.CharField(label=gettext_lazy("Lieu de la cérémonie"), required=False, max_length=150)
    signatories = forms.CharField(
        label=gettext_lazy("Signataires des certificats"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Une ligne par signataire : nom, fonction."),
    )


class EditionEditForm(EditionForm, VersionedForm):
    """The settings of an existing edition, against the version the page showed (the year does not change)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["year"]
        self.fields["period_start"].required = True
        self.fields["period_end"].required = True


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


WEIGHT_ERRORS = {
    "required": gettext_lazy("Indiquez le poids du critère."),
    "invalid": gettext_lazy("Le poids est un nombre, par exemple 2.5."),
    "min_value": gettext_lazy("Le poids est un nombre positif ou nul."),
    "max_digits": gettext_lazy("Le poids va jusqu'à 999.99, avec deux décimales au plus."),
    "max_decimal_places": gettext_lazy("Le poids va jusqu'à 999.99, avec deux décimales au plus."),
}
MAX_SCORE_ERRORS = {
    "invalid": gettext_lazy("La note maximale va de 1 à 100."),
    "min_value": gettext_lazy("La note maximale va de 1 à 100."),
    "max_value": gettext_lazy("La note maximale va de 1 à 100."),
}


class CriterionChangeForm(ServiceErrorsMixin, VersionedForm):
    """A criterion's weight, normalisation and (qualitative) maximal mark; its name and nature stay."""

    weight = forms.DecimalField(
        label=gettext_lazy("Poids"), min_value=Decimal(0), max_digits=5, decimal_places=2, error_messages=WEIGHT_ERRORS
    )
    normalisation = forms.ChoiceField(label=gettext_lazy("Normalisation"), choices=Normalisation.choices)
    max_score = forms.IntegerField(
        label=gettext_lazy("Note maximale"), required=False, min_value=1, max_value=100, error_messages=MAX_SCORE_ERRORS
    )


class CriterionAddForm(ServiceErrorsMixin, VersionedForm):
    name = forms.CharField(label=gettext_lazy("Nom du critère"), max_length=120)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=300)
    kind = forms.ChoiceField(label=gettext_lazy("Nature"), choices=CriterionKind.choices)
    metric = forms.ChoiceField(
        label=gettext_lazy("Mesure (critère quantitatif)"),
        required=False,
        choices=[("", gettext_lazy("— (critère qualitatif)")), *CriterionMetric.choices],
    )
    weight = forms.DecimalField(
        label=gettext_lazy("Poids"), min_value=Decimal(0), max_digits=5, decimal_places=2, error_messages=WEIGHT_ERRORS
    )
    normalisation = forms.ChoiceField(label=gettext_lazy("Normalisation"), choices=Normalisation.choices)
    max_score = forms.IntegerField(
        label=gettext_lazy("Note maximale (critère qualitatif)"),
        required=False,
        min_value=1,
        max_value=100,
        initial=10,
        error_messages=MAX_SCORE_ERRORS,
    )


class AccountChoiceField(forms.ModelChoiceField):
    """An account, named by its full name and username (two people may share a name)."""

    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else str(obj.username)


class SeatForm(ServiceErrorsMixin, VersionedForm):
    """Who sits at a seat of the jury: an account holding the label's jury role."""

    user = AccountChoiceField(
        label=gettext_lazy("Compte"),
        queryset=User.objects.none(),
        empty_label=gettext_lazy("— choisir un compte —"),
        error_messages={
            "required": gettext_lazy("Choisissez le compte qui occupe ce siège."),
            "invalid_choice": gettext_lazy("Ce compte n'a pas le rôle de membre du jury du Label Intégration."),
        },
    )
    title = forms.CharField(label=gettext_lazy("Titre et fonction"), required=False, max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AccountChoiceField, self.fields["user"]).queryset = jury_accounts()


class SpecialLabelForm(forms.Form):
    special_label = forms.CharField(label=gettext_lazy("Label spécial"), required=False, max_length=80)


# --- the entry page -----------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The label's entry page: companies, internships and every edition for CNIP staff; a jury member's editions."""
    user = _user(request)
    if not may_use_labels(user):
        raise Http404
    context = {"editions": list(edition_list(user=user)), "is_staff": is_cnip_staff(user)}
    return render(request, "labels/home.html", context)


# --- creating and editing an edition ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edition_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not is_cnip_staff(user):
        raise Http404
    form = EditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        edition = form_action(form, lambda: edition_create(created_by=user, request=request, **form.cleaned_data))
        if edition is not None:
            messages.success(
                request,
                _("L'édition %(year)s est ouverte avec les critères par défaut : complétez le jury.")
                % {"year": edition.year},
            )
            return redirect("labels:edition_detail", year=edition.year)
    status = 400 if request.method == "POST" else 200
    return render(request, "labels/edition_form.html", {"form": form, "edition": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edition_edit_view(request: HttpRequest, year: int) -> HttpResponse:
    user = _user(request)
    edition = staff_edition_or_404(request, year)
    if edition.is_published:
        raise Http404
    if request.method == "POST":
        form = EditionEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            saved = form_action(
                form,
                lambda: edition_update(
                    edition=edition, expected_version=version, updated_by=user, request=request, **data
                ),
            )
            if saved is not None:
                messages.success(request, _("Les réglages de l'édition sont enregistrés."))
                return redirect("labels:edition_detail", year=edition.year)
        return render(request, "labels/edition_form.html", {"form": form, "edition": edition}, status=400)
    form = EditionEditForm(
        initial={
            "period_start": edition.period_start,
            "period_end": edition.period_end,
            "threshold": edition.threshold,
            "prizes": edition.prizes,
            "ceremony_on": edition.ceremony_on,
            "ceremony_place": edition.ceremony_place,
            "signatories": edition.signatories,
            "version": edition.version,
        }
    )
    return render(request, "labels/edition_form.html", {"form": form, "edition": edition})


# --- the edition page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingLine:
    """A ranking row for the table: its cells aligned with the criteria columns and its rates formatted."""

    row: RankingRowView
    cells: tuple[CriterionCell | None, ...]
    raw_rate: str
    corrected_rate: str

    @property
    def entry(self) -> RankingEntry:
        return self.row.entry


@dataclass(frozen=True)
class FigureLine:
    label: str
    current: str
    previous: str
    definition: str = ""


def _by_canton(figures: HeadlineFigures | None) -> str:
    if figures is None:
        return "—"
    return ", ".join(f"{row.count} {row.canton}" for row in figures.labelled_by_canton) or "—"


def _swiss(value: int) -> str:
    return f"{value:,}".replace(",", "'")


def figure_lines(current: HeadlineFigures, previous: HeadlineFigures | None) -> list[FigureLine]:
    """The headline figures of the edition next to the previous edition's, formatted for the page."""

    def other(value: str) -> str:
        return value if previous is not None else "—"

    return [
        FigureLine(
            _("Entreprises ayant accueilli des stagiaires"),
            _swiss(current.companies),
            other(_swiss(previous.companies) if previous else ""),
        ),
        FigureLine(
            _("Entreprises labellisées"),
            _swiss(current.labelled),
            other(_swiss(previous.labelled) if previous else ""),
        ),
        FigureLine(_("Labellisées par canton"), _by_canton(current), _by_canton(previous)),
        FigureLine(
            _("Jours de stage"),
            _swiss(current.internship_days),
            other(_swiss(previous.internship_days) if previous else ""),
            str(DAYS_DEFINITION),
        ),
        FigureLine(
            _("Taux de réinsertion"),
            percent(current.reinsertion_percent, already_percent=True),
            percent(previous.reinsertion_percent, already_percent=True) if previous else "—",
            str(REINSERTION_DEFINITION),
        ),
    ]


def ranking_lines(rows: list[RankingRowView], criteria: list[Criterion]) -> list[RankingLine]:
    lines = []
    for row in rows:
        by_criterion = {cell.criterion.pk: cell for cell in row.cells}
        lines.append(
            RankingLine(
                row=row,
                cells=tuple(by_criterion.get(criterion.pk) for criterion in criteria),
                raw_rate=percent(row.entry.raw_rate),
                corrected_rate=percent(row.entry.corrected_rate),
            )
        )
    return lines


@login_required
@require_GET
def edition_detail(request: HttpRequest, year: int) -> HttpResponse:
    """An edition: settings, headline figures, ranking, tie rule, sensitivity, criteria, jury, and the actions."""
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    is_staff = is_cnip_staff(user)
    member = jury_member_for(edition=edition, user=user)
    criteria = edition_criteria(edition=edition)
    rows = ranking_rows(edition=edition)
    comparison = edition_figures(edition=edition)
    progress = jury_progress(edition=edition)
    lines = ranking_lines(rows, criteria)
    context = {
        "edition": edition,
        "is_staff": is_staff,
        "member": member,
        "criteria": criteria,
        "lines": lines,
        "labelled_lines": [line for line in lines if line.entry.labelled],
        "figures": comparison,
        "figure_lines": figure_lines(comparison.current, comparison.previous),
        "sensitivity": ranking_sensitivity(edition=edition) if rows else None,
        "tie_rule": _(TIE_RULE),
        "progress": progress,
        "member_seat": next((seat for seat in progress.seats if member and seat.member == member), None),
        "may_compute": is_staff and edition.status in (EditionStatus.DRAFT, EditionStatus.COMPUTED),
        "may_submit": is_staff and edition.status == EditionStatus.COMPUTED,
        "may_reopen": is_staff and edition.status in (EditionStatus.COMPUTED, EditionStatus.JURY),
        "may_publish": is_staff and edition.status == EditionStatus.JURY,
        "may_edit": is_staff and not edition.is_published,
        "may_label": is_staff and edition.status in (EditionStatus.COMPUTED, EditionStatus.JURY),
        "may_print": is_staff and any(line.entry.labelled for line in lines),
        "may_palmares": bool(rows) and (is_staff or member is not None),
        "reinsertion_definition": REINSERTION_DEFINITION,
        "days_definition": DAYS_DEFINITION,
    }
    return render(request, "labels/edition_detail.html", context)


def _version_or_none(request: HttpRequest) -> int | None:
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le formulaire ne dit pas quelle version vous avez modifiée : rechargez la page."))
        return None
    return int(form.cleaned_data["version"])


@login_required
@require_POST
def edition_compute_view(request: HttpRequest, year: int) -> HttpResponse:
    """Compute (again) the edition's ranking (CNIP staff; anyone else gets the 404)."""
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    page_action(
        request,
        lambda: edition_compute_ranking(edition=edition, computed_by=user, request=request),
        done=_("Le classement de l'édition %(year)s est calculé.") % {"year": edition.year},
        refused=_("Classement non calculé : %(errors)s"),
    )
    return redirect("labels:edition_detail", year=year)


@login_required
@require_POST
def edition_submit_view(request: HttpRequest, year: int) -> HttpResponse:
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    page_action(
        request,
        lambda: edition_submit_to_jury(edition=edition, submitted_by=user, request=request),
        done=_("Le classement est soumis au jury pour approbation."),
        refused=_("Classement non soumis : %(errors)s"),
    )
    return redirect("labels:edition_detail", year=year)


@login_required
@require_POST
def edition_reopen_view(request: HttpRequest, year: int) -> HttpResponse:
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    if not is_cnip_staff(user):
        raise Http404
    version = _version_or_none(request)
    if version is not None:
        page_action(
            request,
            lambda: edition_reopen(edition=edition, expected_version=version, reopened_by=user, request=request),
            done=_("Le classement est annulé et l'édition revient en brouillon (approbations comprises)."),
            refused=_("Édition non reprise : %(errors)s"),
        )
    return redirect("labels:edition_detail", year=year)


@login_required
@require_POST
def edition_publish_view(request: HttpRequest, year: int) -> HttpResponse:
    """Publish the edition; the service refuses without the three approvals of the current ranking."""
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    page_action(
        request,
        lambda: edition_publish(edition=edition, published_by=user, request=request),
        done=_("L'édition %(year)s est publiée : ses chiffres sont figés.") % {"year": year},
        refused=_("Édition non publiée : %(errors)s"),
    )
    return redirect("labels:edition_detail", year=year)


@login_required
@require_POST
def special_label_view(request: HttpRequest, year: int, entry_id: int) -> HttpResponse:
    """Give a labelled company a special label ("Coup de cœur"), or take it away (empty)."""
    edition = staff_edition_or_404(request, year)
    entry = RankingEntry.objects.filter(edition=edition, pk=entry_id).first()
    if entry is None:
        raise Http404
    form = SpecialLabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Label spécial non enregistré : %(errors)s") % {"errors": _errors_of(form)})
        return redirect("labels:edition_detail", year=year)
    page_action(
        request,
        lambda: special_label_set(
            entry=entry, label=form.cleaned_data["special_label"], set_by=_user(request), request=request
        ),
        done=_("Label spécial de %(company)s enregistré.") % {"company": entry.company_name},
        refused=_("Label spécial non enregistré : %(errors)s"),
    )
    return redirect("labels:edition_detail", year=year)


def _errors_of(form: forms.Form) -> str:
    return " ".join(str(message) for messages_ in form.errors.values() for message in messages_)


def _request_report(request: HttpRequest, year: int, kind: ReportKind, company_id: int | None = None) -> HttpResponse:
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    parameters: dict[str, int] = {"edition": edition.year}
    if company_id is not None:
        parameters["company"] = company_id
    try:
        job = report_job_request(kind=kind, parameters=parameters, requested_by=user, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, _("Document non demandé : %(errors)s") % {"errors": " ".join(error.messages)})
        return redirect("labels:edition_detail", year=year)
    messages.success(request, _("Votre demande est enregistrée : le document est en préparation."))
    return redirect("reports:detail", job_id=job.pk)


@login_required
@require_POST
def certificates_view(request: HttpRequest, year: int) -> HttpResponse:
    """Print the certificates of the edition's labelled companies (one PDF to print, a ZIP) in the background."""
    return _request_report(request, year, ReportKind.LABEL_CERTIFICATES)


@login_required
@require_POST
def certificate_view(request: HttpRequest, year: int, company_id: int) -> HttpResponse:
    """Print again the certificate of one labelled company (a single PDF/A), e.g. to replace a lost one."""
    return _request_report(request, year, ReportKind.LABEL_CERTIFICATES, company_id=company_id)


@login_required
@require_POST
def palmares_view(request: HttpRequest, year: int) -> HttpResponse:
    """The edition's palmarès as PDF (CNIP staff and the edition's jury)."""
    return _request_report(request, year, ReportKind.LABEL_PALMARES)


# --- criteria -----------------------------------------------------------------------------------


def _criteria_page(
    request: HttpRequest,
    edition: Edition,
    *,
    bound: tuple[int, CriterionChangeForm] | None = None,
    add_form: CriterionAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    criteria = edition_criteria(edition=edition)
    rows = []
    for criterion in criteria:
        if bound is not None and bound[0] == criterion.pk:
            form = bound[1]
        else:
            form = CriterionChangeForm(
                prefix=f"c{criterion.pk}",
                initial={
                    "weight": criterion.weight,
                    "normalisation": criterion.normalisation,
                    "max_score": criterion.max_score,
                    "version": edition.version,
                },
            )
        if criterion.kind != CriterionKind.QUALITATIVE:
            form.fields["max_score"].widget = forms.HiddenInput()
        rows.append((criterion, form))
    context = {
        "edition": edition,
        "rows": rows,
        "add_form": add_form or CriterionAddForm(prefix="new", initial={"version": edition.version, "weight": 1}),
        "editable": edition.status in (EditionStatus.DRAFT, EditionStatus.COMPUTED),
    }
    return render(request, "labels/edition_criteria.html", context, status=status)


@login_required
@require_GET
def criteria_view(request: HttpRequest, year: int) -> HttpResponse:
    """The edition's criteria, one form each (weight, normalisation), and the form to add one (CNIP staff)."""
    edition = staff_edition_or_404(request, year)
    return _criteria_page(request, edition)


@login_required
@require_POST
def criterion_add_view(request: HttpRequest, year: int) -> HttpResponse:
    edition = staff_edition_or_404(request, year)
    form = CriterionAddForm(request.POST, prefix="new")
    if form.is_valid():
        data = form.cleaned_data
        terms = CriterionTerms(
            name=data["name"],
            kind=data["kind"],
            metric=data["metric"] or "",
            weight=data["weight"],
            normalisation=data["normalisation"],
            max_score=data["max_score"] or 10,
            description=data["description"],
        )
        added = form_action(
            form,
            lambda: criterion_set(
                edition=edition,
                terms=terms,
                expected_version=data["version"],
                changed_by=_user(request),
                request=request,
            ),
        )
        if added is not None:
            messages.success(request, _("Le critère « %(name)s » est ajouté.") % {"name": terms.name})
            return redirect("labels:edition_criteria", year=year)
    return _criteria_page(request, edition, add_form=form, status=400)


@login_required
@require_POST
def criterion_change_view(request: HttpRequest, year: int, criterion_id: int) -> HttpResponse:
    edition = staff_edition_or_404(request, year)
    criterion = Criterion.objects.filter(edition=edition, pk=criterion_id).first()
    if criterion is None:
        raise Http404
    form = CriterionChangeForm(request.POST, prefix=f"c{criterion.pk}")
    if form.is_valid():
        data = form.cleaned_data
        terms = CriterionTerms(
            name=criterion.name,
            kind=criterion.kind,
            metric=criterion.metric,
            weight=data["weight"],
            normalisation=data["normalisation"],
            max_score=data["max_score"] or criterion.max_score,
            description=criterion.description,
        )
        changed = form_action(
            form,
            lambda: criterion_set(
                edition=edition,
                terms=terms,
                criterion=criterion,
                expected_version=data["version"],
                changed_by=_user(request),
                request=request,
            ),
        )
        if changed is not None:
            messages.success(request, _("Le critère « %(name)s » est enregistré.") % {"name": criterion.name})
            return redirect("labels:edition_criteria", year=year)
    return _criteria_page(request, edition, bound=(criterion.pk, form), status=400)


@login_required
@require_POST
def criterion_delete_view(request: HttpRequest, year: int, criterion_id: int) -> HttpResponse:
    edition = staff_edition_or_404(request, year)
    criterion = Criterion.objects.filter(edition=edition, pk=criterion_id).first()
    if criterion is None:
        raise Http404
    version = _version_or_none(request)
    if version is not None:
        page_action(
            request,
            lambda: criterion_delete(
                criterion=criterion, expected_version=version, deleted_by=_user(request), request=request
            ),
            done=_("Le critère « %(name)s » est supprimé.") % {"name": criterion.name},
            refused=_("Critère non supprimé : %(errors)s"),
        )
    return redirect("labels:edition_criteria", year=year)


# --- jury seats ---------------------------------------------------------------------------------


def _jury_page(
    request: HttpRequest, edition: Edition, *, bound: tuple[str, SeatForm] | None = None, status: int = 200
) -> HttpResponse:
    progress = jury_progress(edition=edition)
    seats = []
    for seat in progress.seats:
        if bound is not None and bound[0] == seat.seat:
            form = bound[1]
        else:
            form = SeatForm(
                prefix=seat.seat,
                initial={
                    "user": seat.member.user_id if seat.member else None,
                    "title": seat.member.title if seat.member else "",
                    "version": edition.version,
                },
            )
        seats.append((seat, form))
    return render(request, "labels/edition_jury.html", {"edition": edition, "seats": seats}, status=status)


@login_required
@require_GET
def jury_seats_view(request: HttpRequest, year: int) -> HttpResponse:
    """The three seats of the edition's jury, a form each to seat an account with the jury role (CNIP staff)."""
    edition = staff_edition_or_404(request, year)
    if edition.is_published:
        raise Http404
    return _jury_page(request, edition)


@login_required
@require_POST
def jury_seat_set_view(request: HttpRequest, year: int, seat: str) -> HttpResponse:
    edition = staff_edition_or_404(request, year)
    if seat not in JurySeat.values:
        raise Http404
    form = SeatForm(request.POST, prefix=seat)
    if form.is_valid():
        try:
            jury_member_set(
                edition=edition,
                seat=seat,
                user=form.cleaned_data["user"],
                title=form.cleaned_data["title"],
                expected_version=form.cleaned_data["version"],
                set_by=_user(request),
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except StaleEdition as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Le siège « %(seat)s » est pourvu.") % {"seat": JurySeat(seat).label})
            return redirect("labels:edition_jury", year=year)
    return _jury_page(request, edition, bound=(seat, form), status=400)


@login_required
@require_POST
def jury_seat_remove_view(request: HttpRequest, year: int, seat: str) -> HttpResponse:
    edition = staff_edition_or_404(request, year)
    member = next((s.member for s in jury_progress(edition=edition).seats if s.seat == seat and s.member), None)
    if member is None:
        raise Http404
    version = _version_or_none(request)
    if version is not None:
        page_action(
            request,
            lambda: jury_member_remove(
                member=member, expected_version=version, removed_by=_user(request), request=request
            ),
            done=_("Le siège « %(seat)s » est libéré.") % {"seat": member.get_seat_display()},
            refused=_("Siège non libéré : %(errors)s"),
        )
    return redirect("labels:edition_jury", year=year)


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("editions/nouvelle/", edition_create_view, name="edition_create"),
    path("editions/<int:year>/", edition_detail, name="edition_detail"),
    path("editions/<int:year>/modifier/", edition_edit_view, name="edition_edit"),
    path("editions/<int:year>/calculer/", edition_compute_view, name="edition_compute"),
    path("editions/<int:year>/soumettre/", edition_submit_view, name="edition_submit"),
    path("editions/<int:year>/reprendre/", edition_reopen_view, name="edition_reopen"),
    path("editions/<int:year>/publier/", edition_publish_view, name="edition_publish"),
    path("editions/<int:year>/classement/<int:entry_id>/label-special/", special_label_view, name="special_label"),
    path("editions/<int:year>/certificats/", certificates_view, name="edition_certificates"),
    path("editions/<int:year>/certificats/<int:company_id>/", certificate_view, name="edition_certificate"),
    path("editions/<int:year>/palmares/", palmares_view, name="edition_palmares"),
    path("editions/<int:year>/criteres/", criteria_view, name="edition_criteria"),
    path("editions/<int:year>/criteres/ajouter/", criterion_add_view, name="criterion_add"),
    path("editions/<int:year>/criteres/<int:criterion_id>/", criterion_change_view, name="criterion_change"),
    path("editions/<int:year>/criteres/<int:criterion_id>/supprimer/", criterion_delete_view, name="criterion_delete"),
    path("editions/<int:year>/jury/", jury_seats_view, name="edition_jury"),
    path("editions/<int:year>/jury/<slug:seat>/", jury_seat_set_view, name="jury_seat_set"),
    path("editions/<int:year>/jury/<slug:seat>/liberer/", jury_seat_remove_view, name="jury_seat_remove"),
    *jury.urlpatterns,
]
