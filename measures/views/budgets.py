"""Pages of the sectoral budgets: the years, the table of a year, the loans of places between sectors.

Readers are those of the inventory (`may_read_measures`); anyone else gets the 404 of a missing page.
The table of a year offers an edit form on each line only for the viewer's own sectors; a post for
another sector's line answers like a missing page and changes nothing. Coordination-group members
open and close the years and propose or answer loans as delegates of their sectors.
"""

from typing import Any, cast

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
from measures.roles import delegate_sectors, is_coordination_member
from measures.selectors.budgets import (
    budget_get_for_edit,
    budget_table,
    budget_year_get,
    budget_years,
    loan_get_for_answer,
    loan_get_for_reading,
    loan_list,
)
from measures.selectors.inventory import active_during, measures_reader_or_404
from measures.services.budgets import (
    LOAN_REMARKS_MAX_CHARS,
    StaleSectorBudget,
    budget_year_close,
    budget_year_open,
    place_loan_answer,
    place_loan_cancel,
    place_loan_propose,
    sector_budget_set,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


class BudgetLineForm(ServiceErrorsMixin, forms.Form):
    places = forms.IntegerField(
        label=gettext_lazy("Places"), error_messages={"required": gettext_lazy("Indiquez le nombre de places.")}
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Montant (CHF)"),
        max_digits=12,
        decimal_places=2,
        error_messages={"required": gettext_lazy("Indiquez le montant.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class YearOpenForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Année à ouvrir"), error_messages={"required": gettext_lazy("Indiquez l'année.")}
    )


class LoanProposeForm(ServiceErrorsMixin, forms.Form):
    """A loan of places; the service checks the sectors, the period and the lender's unused places."""

    measure = forms.ModelChoiceField(
        label=gettext_lazy("Mesure"),
        queryset=Measure.objects.none(),
        to_field_name="code",
        empty_label=gettext_lazy("— choisir —"),
        error_messages={"required": gettext_lazy("Choisissez la mesure.")},
    )
    from_sector = forms.ChoiceField(label=gettext_lazy("Secteur prêteur"), choices=Sector.choices)
    to_sector = forms.ChoiceField(label=gettext_lazy("Secteur emprunteur"), choices=Sector.choices)
    places = forms.IntegerField(
        label=gettext_lazy("Places"), error_messages={"required": gettext_lazy("Indiquez le nombre de places.")}
    )
    starts_on = swiss_date_field(
        gettext_lazy("Du"), required=True, required_message=gettext_lazy("Indiquez le début du prêt.")
    )
    ends_on = swiss_date_field(
        gettext_lazy("Au"), required=True, required_message=gettext_lazy("Indiquez la fin du prêt.")
    )
    remarks = forms.CharField(label=gettext_lazy("Remarques"), max_length=LOAN_REMARKS_MAX_CHARS, required=False)

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measures = Measure.objects.filter(active_during(year)).select_related("provider").order_by("name")
        cast(forms.ModelChoiceField, self.fields["measure"]).queryset = measures


class LoanAnswerForm(forms.Form):
    AGREE, REFUSE = "agree", "refuse"
    decision = forms.ChoiceField(
        label=gettext_lazy("Réponse"),
        choices=[(AGREE, gettext_lazy("Accepter")), (REFUSE, gettext_lazy("Refuser"))],
        error_messages={"required": gettext_lazy("Choisissez d'accepter ou de refuser.")},
    )


@login_required
@require_GET
def budget_index(request: HttpRequest) -> HttpResponse:
    """The budget years; members of the coordination group open the next one here."""
    user = _user(request)
    years = budget_years(user=user)
    context = {
        "years": years,
        "current_year": timezone.localdate().year,
        "may_manage": is_coordination_member(user),
        "open_form": YearOpenForm(initial={"year": timezone.localdate().year + 1}),
    }
    return render(request, "measures/budget_years.html", context)


@login_required
@require_POST
def budget_year_open_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    measures_reader_or_404(user)
    form = YearOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez l'année à ouvrir."))
        return redirect("measures:budgets")
    try:
        budget_year = budget_year_open(year=form.cleaned_data["year"], opened_by=user, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("measures:budgets")
    messages.success(request, _("L'année budgétaire %(year)d est ouverte.") % {"year": budget_year.year})
    return redirect("measures:budget_table", year=budget_year.year)


@login_required
@require_POST
def budget_year_close_view(request: HttpRequest, year: int) -> HttpResponse:
    user = _user(request)
    budget_year = budget_year_get(user=user, year=year)
    page_action(
        request,
        lambda: budget_year_close(budget_year=budget_year, closed_by=user, request=request),
        done=_("L'année %(year)d est clôturée.") % {"year": year},
        refused="%(errors)s",
    )
    return redirect("measures:budget_table", year=year)


def _line_forms(table: Any) -> None:
    """Attach a prefilled form to each cell the viewer may edit (their own sectors, open year)."""
    for row in table.rows:
        for cell in row.editable_cells:
            cell.form = BudgetLineForm(
                prefix=f"{row.measure.code}-{cell.sector}",
                initial={"places": cell.places, "amount": cell.amount, "version": cell.version},
            )


@login_required
@require_GET
def budget_table_view(request: HttpRequest, year: int) -> HttpResponse:
    """The budgets of a year, measure by sector, with places, CHF and the places lent and borrowed."""
    user = _user(request)
    table = budget_table(user=user, year=year)
    _line_forms(table)
    context = {
        "table": table,
        "own_sectors": sorted(table.editable_sectors),
        "may_close": is_coordination_member(user) and not table.year.is_closed,
    }
    return render(request, "measures/budget_table.html", context)


@login_required
@require_POST
def budget_line(request: HttpRequest, year: int, measure_code: str, sector: str) -> HttpResponse:
    """Set one sector's places and CHF in one measure; only that sector's delegate may, others get 404."""
    user = _user(request)
    budget_year, measure = budget_get_for_edit(user=user, year=year, measure_code=measure_code, sector=sector)
    form = BudgetLineForm(request.POST, prefix=f"{measure.code}-{sector}")
    if not form.is_valid():
        errors = " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
        messages.error(request, _("Budget non enregistré : %(errors)s") % {"errors": errors})
        return redirect("measures:budget_table", year=budget_year.year)
    data = form.cleaned_data
    try:
        sector_budget_set(
            year=budget_year.year,
            measure=measure,
            sector=sector,
            places=data["places"],
            amount=data["amount"],
            expected_version=data["version"],
            set_by=user,
            request=request,
        )
    except PermissionDenied:
        raise Http404 from None
    except StaleSectorBudget as stale:
        messages.error(request, str(stale))
    except ValidationError as error:
        messages.error(request, _("Budget non enregistré : %(errors)s") % {"errors": " ".join(error.messages)})
    else:
        messages.success(
            request,
            _("Budget %(sector)s de « %(measure)s » enregistré.")
            % {"sector": Sector(sector).label, "measure": measure.name},
        )
    return redirect("measures:budget_table", year=budget_year.year)


@login_required
@require_http_methods(["GET", "POST"])
def loans(request: HttpRequest, year: int) -> HttpResponse:
    """The loans of a year, with the propose form for delegates and an answer form on each loan they answer."""
    user = _user(request)
    budget_year = budget_year_get(user=user, year=year)
    may_propose = bool(delegate_sectors(user)) and not budget_year.is_closed
    form = LoanProposeForm(request.POST or None, year=year)
    if request.method == "POST":
        if not may_propose:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                place_loan_propose(year=year, proposed_by=user, request=request, **data)
            except PermissionDenied as refused:
                form.add_error(None, str(refused))
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Le prêt est proposé ; il attend la réponse de l'autre secteur."))
                return redirect("measures:loans", year=year)
    context = {
        "budget_year": budget_year,
        "loans": loan_list(user=user, year=year),
        "form": form,
        "may_propose": may_propose,
        "answer_form": LoanAnswerForm(),
    }
    return render(request, "measures/budget_loans.html", context)


@login_required
@require_POST
def loan_answer(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Agree to or refuse a loan (the other sector's delegate only; anyone else gets 404)."""
    user = _user(request)
    loan = loan_get_for_answer(user=user, loan_id=loan_id)
    form = LoanAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez d'accepter ou de refuser."))
        return redirect("measures:loans", year=loan.year.year)
    page_action(
        request,
        lambda: place_loan_answer(
            loan=loan, agree=form.cleaned_data["decision"] == LoanAnswerForm.AGREE, answered_by=user, request=request
        ),
        done=lambda answered: _("Prêt %(status)s.") % {"status": answered.get_status_display()},
        refused="%(errors)s",
    )
    return redirect("measures:loans", year=loan.year.year)


@login_required
@require_POST
def loan_cancel(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Withdraw a loan that waits for its answer (the proposer's side only; anyone else gets 404)."""
    user = _user(request)
    loan = loan_get_for_reading(user=user, loan_id=loan_id)
    if not loan.can_cancel:  # type: ignore[attr-defined]
        raise Http404
    try:
        place_loan_cancel(loan=loan, cancelled_by=user, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le prêt a été retiré."))
    return redirect("measures:loans", year=loan.year.year)


urlpatterns: list[URLPattern] = [
    path("budgets/", budget_index, name="budgets"),
    path("budgets/ouvrir/", budget_year_open_view, name="budget_year_open"),
    path("budgets/<int:year>/", budget_table_view, name="budget_table"),
    path("budgets/<int:year>/cloturer/", budget_year_close_view, name="budget_year_close"),
    path("budgets/<int:year>/lignes/<slug:measure_code>/<slug:sector>/", budget_line, name="budget_line"),
    path("budgets/<int:year>/prets/", loans, name="loans"),
    path("prets/<int:loan_id>/repondre/", loan_answer, name="loan_answer"),
    path("prets/<int:loan_id>/retirer/", loan_cancel, name="loan_cancel"),
]
