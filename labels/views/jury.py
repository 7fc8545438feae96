"""Pages of a jury member: the marking sheet of their edition, their recusals and their approval of the ranking.

Only the member themself reaches these pages and actions (CNIP staff included get the 404 of a
missing page on the marking sheet: they do not mark); a jury member of another edition and anyone
else get the 404 of `labels.selectors.editions.edition_get`. The writes are those of
`labels.services.jury`; its refusals are shown in French and change nothing.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cii_platform.accounts.models import User
from cii_platform.core.forms import ServiceErrorsMixin
from cii_platform.core.pages import page_action
from labels.models import Criterion, CriterionKind, Edition, JuryMember, JuryScore, PartnerCompany, Recusal
from labels.selectors.editions import edition_get, jury_member_for, marking_candidates, member_marks
from labels.services.jury import (
    StaleJuryScore,
    jury_approval_withdraw,
    jury_approve,
    jury_score_delete,
    jury_score_set,
    recusal_record,
    recusal_withdraw,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees an account


def member_or_404(request: HttpRequest, year: int) -> tuple[Edition, JuryMember]:
    """The edition of `year` and the seat the user holds in its jury; the 404 of a missing page otherwise."""
    user = _user(request)
    edition = edition_get(user=user, year=year, request=request)
    member = jury_member_for(edition=edition, user=user)
    if member is None:
        raise Http404
    return edition, member


class MarkForm(ServiceErrorsMixin, forms.Form):
    """One mark: the score (empty withdraws a mark already given), a comment, the mark's version as read."""

    score = forms.DecimalField(
        label=gettext_lazy("Note"),
        required=False,
        min_value=Decimal(0),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "invalid": gettext_lazy("La note est un nombre, par exemple 7.5."),
            "min_value": gettext_lazy("La note est positive ou nulle."),
            "max_digits": gettext_lazy("La note va jusqu'à 100, avec deux décimales au plus."),
            "max_decimal_places": gettext_lazy("La note a deux décimales au plus."),
        },
    )
    comment = forms.CharField(label=gettext_lazy("Commentaire"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class RecusalForm(ServiceErrorsMixin, forms.Form):
    company = forms.ModelChoiceField(
        label=gettext_lazy("Entreprise"),
        queryset=PartnerCompany.objects.none(),
        empty_label=gettext_lazy("— choisir l'entreprise —"),
        error_messages={
            "required": gettext_lazy("Choisissez l'entreprise à laquelle vous êtes lié·e."),
            "invalid_choice": gettext_lazy("Choisissez une des entreprises notées par le jury."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif (votre lien avec l'entreprise)"),
        max_length=300,
        error_messages={"required": gettext_lazy("Indiquez le motif de la récusation (le lien avec l'entreprise).")},
    )

    def __init__(self, *args: object, companies: list[PartnerCompany], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        company_field = cast(forms.ModelChoiceField, self.fields["company"])
        company_field.queryset = PartnerCompany.objects.filter(pk__in=[company.pk for company in companies]).order_by(
            "name", "id"
        )


class ApprovalForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Commentaire"), required=False, max_length=500)


@dataclass(frozen=True)
class MarkCell:
    criterion: Criterion
    mark: JuryScore | None
    form: MarkForm
    field_id: str


@dataclass(frozen=True)
class CompanySheet:
    """A company on the marking sheet: recused (no inputs) or one form per qualitative criterion."""

    company: PartnerCompany
    recusal: Recusal | None
    cells: tuple[MarkCell, ...]


def _qualitative(edition: Edition) -> list[Criterion]:
    return list(Criterion.objects.filter(edition=edition, kind=CriterionKind.QUALITATIVE).order_by("position", "id"))


def _prefix(criterion_id: int, company_id: int) -> str:
    return f"m{criterion_id}-{company_id}"


def _marks_page(
    request: HttpRequest,
    edition: Edition,
    member: JuryMember,
    *,
    bound: tuple[int, int, MarkForm] | None = None,
    recusal_form: RecusalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    companies = marking_candidates(edition=edition)
    criteria = _qualitative(edition)
    marks = member_marks(member=member)
    recusals = {
        recusal.company_id: recusal for recusal in Recusal.objects.filter(member=member).select_related("company")
    }
    sheets = []
    for company in companies:
        cells = []
        if company.pk not in recusals:
            for criterion in criteria:
                mark = marks.get((criterion.pk, company.pk))
                prefix = _prefix(criterion.pk, company.pk)
                if bound is not None and bound[:2] == (criterion.pk, company.pk):
                    form = bound[2]
                else:
                    form = MarkForm(
                        prefix=prefix,
                        initial={
                            "score": mark.score if mark else None,
                            "comment": mark.comment if mark else "",
                            "version": mark.version if mark else None,
                        },
                    )
                form.fields["score"].widget.attrs.update({"max": criterion.max_score, "step": "0.01", "min": 0})
                cells.append(MarkCell(criterion=criterion, mark=mark, form=form, field_id=prefix))
        sheets.append(CompanySheet(company=company, recusal=recusals.get(company.pk), cells=tuple(cells)))
    if bound is not None and (bound[1] in recusals or bound[1] not in {company.pk for company in companies}):
        # The refused mark has no form on the sheet (the company is recused): its message goes above.
        errors = [str(message) for messages_ in bound[2].errors.values() for message in messages_]
        messages.error(request, " ".join(errors))
    free = [company for company in companies if company.pk not in recusals]
    context = {
        "edition": edition,
        "member": member,
        "criteria": criteria,
        "sheets": sheets,
        "recusals": list(recusals.values()),
        "recusal_form": recusal_form or RecusalForm(companies=free, prefix="recusal"),
        "editable": not edition.is_published,
    }
    return render(request, "labels/edition_marks.html", context, status=status)


@login_required
@require_GET
def marks_view(request: HttpRequest, year: int) -> HttpResponse:
    """The member's marking sheet: each company to mark × each qualitative criterion, recusals without inputs."""
    edition, member = member_or_404(request, year)
    return _marks_page(request, edition, member)


@login_required
@require_POST
def mark_set_view(request: HttpRequest, year: int, criterion_id: int, company_id: int) -> HttpResponse:
    """Save (or, with an empty score, withdraw) one of the member's marks against the version they read."""
    edition, member = member_or_404(request, year)
    criterion = Criterion.objects.filter(edition=edition, pk=criterion_id, kind=CriterionKind.QUALITATIVE).first()
    company = next((company for company in marking_candidates(edition=edition) if company.pk == company_id), None)
    if criterion is None or company is None:
        raise Http404
    user = _user(request)
    form = MarkForm(request.POST, prefix=_prefix(criterion.pk, company.pk))
    if form.is_valid():
        score = form.cleaned_data["score"]
        version = form.cleaned_data["version"]
        try:
            if score is None:
                existing = JuryScore.objects.filter(member=member, criterion=criterion, company=company).first()
                if existing is None or version is None:
                    raise ValidationError({"score": _("Indiquez une note.")})
                jury_score_delete(score=existing, expected_version=version, deleted_by=user, request=request)
                done = _("Note retirée : %(company)s, « %(criterion)s ».")
            else:
                jury_score_set(
                    member=member,
                    criterion=criterion,
                    company=company,
                    score=score,
                    comment=form.cleaned_data["comment"],
                    expected_version=version,
                    scored_by=user,
                    request=request,
                )
                done = _("Note enregistrée : %(company)s, « %(criterion)s ».")
        except PermissionDenied:
            raise Http404 from None
        except StaleJuryScore as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, done % {"company": company.name, "criterion": criterion.name})
            return redirect(f"{_marks_url(year)}#entreprise-{company.pk}")
    return _marks_page(request, edition, member, bound=(criterion.pk, company.pk, form), status=400)


def _marks_url(year: int) -> str:
    return reverse("labels:edition_marks", kwargs={"year": year})


@login_required
@require_POST
def recusal_record_view(request: HttpRequest, year: int) -> HttpResponse:
    """Record that the member is linked to a company: they do not mark it (their marks for it are deleted)."""
    edition, member = member_or_404(request, year)
    recused = set(Recusal.objects.filter(member=member).values_list("company_id", flat=True))
    free = [company for company in marking_candidates(edition=edition) if company.pk not in recused]
    form = RecusalForm(request.POST, companies=free, prefix="recusal")
    if form.is_valid():
        company = form.cleaned_data["company"]
        try:
            recusal_record(
                member=member,
                company=company,
                reason=form.cleaned_data["reason"],
                recorded_by=_user(request),
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Récusation enregistrée : vous ne notez pas %(company)s.") % {"company": company.name}
            )
            return redirect("labels:edition_marks", year=year)
    return _marks_page(request, edition, member, recusal_form=form, status=400)


@login_required
@require_POST
def recusal_withdraw_view(request: HttpRequest, year: int, recusal_id: int) -> HttpResponse:
    edition, member = member_or_404(request, year)
    recusal = Recusal.objects.filter(member=member, pk=recusal_id).select_related("member__edition").first()
    if recusal is None:
        raise Http404
    page_action(
        request,
        lambda: recusal_withdraw(recusal=recusal, withdrawn_by=_user(request), request=request),
        done=_("Récusation retirée : vous pouvez noter cette entreprise."),
        refused=_("Récusation non retirée : %(errors)s"),
    )
    return redirect("labels:edition_marks", year=edition.year)


@login_required
@require_POST
def approve_view(request: HttpRequest, year: int) -> HttpResponse:
    """The member approves the ranking as computed now, with an optional comment."""
    _edition, member = member_or_404(request, year)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le commentaire a 500 caractères au plus."))
        return redirect("labels:edition_detail", year=year)
    page_action(
        request,
        lambda: jury_approve(
            member=member, approved_by=_user(request), comment=form.cleaned_data["comment"], request=request
        ),
        done=_("Votre approbation du classement est enregistrée."),
        refused=_("Approbation non enregistrée : %(errors)s"),
    )
    return redirect("labels:edition_detail", year=year)


@login_required
@require_POST
def approval_withdraw_view(request: HttpRequest, year: int) -> HttpResponse:
    _edition, member = member_or_404(request, year)
    page_action(
        request,
        lambda: jury_approval_withdraw(member=member, withdrawn_by=_user(request), request=request),
        done=_("Votre approbation est retirée."),
        refused=_("Approbation non retirée : %(errors)s"),
    )
    return redirect("labels:edition_detail", year=year)


urlpatterns: list[URLPattern] = [
    path("editions/<int:year>/notes/", marks_view, name="edition_marks"),
    path("editions/<int:year>/notes/<int:criterion_id>/<int:company_id>/", mark_set_view, name="mark_set"),
    path("editions/<int:year>/recusations/", recusal_record_view, name="recusal_record"),
    path("editions/<int:year>/recusations/<int:recusal_id>/retirer/", recusal_withdraw_view, name="recusal_withdraw"),
    path("editions/<int:year>/approuver/", approve_view, name="jury_approve"),
    path("editions/<int:year>/approbation/retirer/", approval_withdraw_view, name="jury_approval_withdraw"),
]
