"""Pages of the referrals part of a case file: proposing, answering, withdrawing; the referrals to answer.

The lead service proposes (its caseworkers only; anyone else gets the 404 of a
missing case). The target service answers without having access to the case:
its pages show only what the referral's basis covers (see
`cases.selectors.referrals`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms.referrals import ReferralAnswerForm, ReferralForm
from cases.models import Referral
from cases.selectors.consents import consents_in_force
from cases.selectors.participations import case_get_for_sharing
from cases.selectors.referrals import (
    REFERRAL_REMINDER_DAYS,
    referral_get_for_answer,
    referral_get_for_case,
    referrals_pending_page,
)
from cases.services.referrals import referral_accept, referral_propose, referral_refuse, referral_withdraw
from cii_platform.accounts.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=request.method == "GET")
    usable = consents_in_force(case=case)
    form = ReferralForm(request.POST or None, case=case, consents=usable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referral_propose(
                case=case,
                kind=data["kind"],
                to_service=data["to_service"],
                reason=data["reason"],
                legal_basis=data["legal_basis"],
                consent=data["consent"],
                proposed_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("La proposition a été transmise à « %(service)s ».") % {"service": referral.to_service.name},
            )
            return redirect("cases:detail", reference=case.reference)
    context = {"case": case, "form": form, "reminder_days": REFERRAL_REMINDER_DAYS}
    return render(request, "cases/referrals/referral_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def referral_answer(request: HttpRequest, reference: str, referral_id: int) -> HttpResponse:
    """Accept or refuse a referral addressed to the user's service (which does not see the case yet)."""
    user = _user(request)
    referral = referral_get_for_answer(user=user, reference=reference, referral_id=referral_id, request=request)
    form = ReferralAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == ReferralAnswerForm.ACCEPT:
                referral_accept(referral=referral, accepted_by=user, request=request)
            else:
                referral_refuse(referral=referral, refused_by=user, reason=data["refusal_reason"], request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if referral.status == Referral.Status.ACCEPTED:
                messages.success(request, _("Proposition acceptée : votre service a désormais accès au dossier."))
                return redirect("cases:detail", reference=reference)
            messages.success(request, _("Proposition refusée : le service qui l'a faite verra votre motif."))
            return redirect("cases:referrals_pending")
    context = {"referral": referral, "form": form, "reminder_days": REFERRAL_REMINDER_DAYS}
    return render(request, "cases/referrals/answer.html", context)


@login_required
@require_POST
def referral_withdraw_view(request: HttpRequest, reference: str, referral_id: int) -> HttpResponse:
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=False)
    referral = referral_get_for_case(case=case, referral_id=referral_id)
    try:
        referral_withdraw(referral=referral, withdrawn_by=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La proposition a été retirée."))
    return redirect("cases:detail", reference=case.reference)


@login_required
@require_GET
def referrals_pending(request: HttpRequest) -> HttpResponse:
    """The referrals the user's service must answer, oldest waiting flagged."""
    page = referrals_pending_page(user=_user(request), after=request.GET.get("apres"), request=request)
    return render(request, "cases/referrals/pending.html", {"page": page, "reminder_days": REFERRAL_REMINDER_DAYS})


urlpatterns: list[URLPattern] = [
    path("transferts/a-traiter/", referrals_pending, name="referrals_pending"),
    path("<str:reference>/transferts/nouveau/", referral_new, name="referral_new"),
    path("<str:reference>/transferts/<int:referral_id>/repondre/", referral_answer, name="referral_answer"),
    path("<str:reference>/transferts/<int:referral_id>/retirer/", referral_withdraw_view, name="referral_withdraw"),
]
