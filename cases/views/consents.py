"""Pages of the sharing part of a case file: consents, invited services and their legal basis.

Only a caseworker of the lead service reaches the pages that change something;
anyone else gets the same 404 as for a missing case (see
`cases.selectors.participations.case_get_for_sharing`).
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms.consents import ConsentForm, ConsentRevokeForm, ParticipationEndForm, ParticipationInviteForm
from cases.models import DataCategory
from cases.selectors.case_files import case_get_for_reading
from cases.selectors.consents import (
    consent_document_content_type,
    consent_get_for_case,
    consent_read,
    consent_state,
    consents_in_force,
)
from cases.selectors.participations import case_get_for_sharing, case_sharing_for, participation_get_for_case
from cases.services.consents import consent_record, consent_revoke
from cases.services.participations import participation_end, participation_invite, participation_record_person_informed
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record

# Where the sharing actions lead back to: the page that shows the sharing section.
AFTER_SHARING = "cases:sharing"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


@login_required
@require_GET
def case_sharing(request: HttpRequest, reference: str) -> HttpResponse:
    """Who takes part in the case and on which basis; for the lead service, the consents and actions."""
    user = _user(request)
    case = case_get_for_reading(user=user, reference=reference, request=request)
    return render(request, "cases/consents/sharing.html", {"sharing": case_sharing_for(user=user, case=case)})


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=request.method == "GET")
    form = ConsentForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = consent_record(
                case=case,
                services=list(data["services"]),
                data_categories=data["data_categories"],
                purpose=data["purpose"],
                signed_on=data["signed_on"],
                valid_until=data["valid_until"],
                document=data["document"] or None,
                recorded_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le consentement a été enregistré."))
            return redirect("cases:consent_detail", reference=case.reference, consent_id=consent.pk)
    return render(request, "cases/consents/consent_form.html", {"case": case, "form": form})


@login_required
@require_GET
def consent_detail(request: HttpRequest, reference: str, consent_id: int) -> HttpResponse:
    """The printable consent form: what the person agrees to, in plain French."""
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=False)
    consent = consent_read(
        user=user, case=case, consent=consent_get_for_case(case=case, consent_id=consent_id), request=request
    )
    labels = dict(DataCategory.choices)
    context = {
        "case": case,
        "person": case.person,
        "consent": consent,
        "state": consent_state(consent=consent),
        "categories": [labels.get(value, value) for value in consent.data_categories],
        "services": list(consent.services.all()),
    }
    return render(request, "cases/consents/consent_detail.html", context)


@never_cache
@login_required
@require_GET
def consent_document(request: HttpRequest, reference: str, consent_id: int) -> FileResponse:
    """The signed document, to the lead service only; every download is audited."""
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=False)
    consent = consent_get_for_case(case=case, consent_id=consent_id)
    if not consent.document:
        raise Http404
    try:
        file = consent.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=consent,
        person_id=str(consent.person_id),
        request=request,
        detail={"case": case.reference, "document": True},
    )
    extension = os.path.splitext(consent.document.name)[1]
    return FileResponse(
        file,
        as_attachment=True,
        filename=f"consentement-{case.reference}-C{consent.pk}{extension}",
        content_type=consent_document_content_type(consent=consent),
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_revoke_view(request: HttpRequest, reference: str, consent_id: int) -> HttpResponse:
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=request.method == "GET")
    consent = consent_get_for_case(case=case, consent_id=consent_id)
    form = ConsentRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_revoke(case=case, consent=consent, revoked_by=user, note=form.cleaned_data["note"], request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Le consentement est révoqué : les services qui en dépendaient n'ont plus accès au dossier."),
            )
            return redirect(AFTER_SHARING, reference=case.reference)
    resting = consent.participations.filter(ended_at__isnull=True).select_related("service", "case")
    context = {"case": case, "consent": consent, "form": form, "resting": list(resting)}
    return render(request, "cases/consents/consent_revoke.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def participation_invite_view(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=request.method == "GET")
    usable = consents_in_force(case=case)
    form = ParticipationInviteForm(request.POST or None, case=case, consents=usable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            participation = participation_invite(
                case=case,
                service=data["service"],
                legal_basis=data["legal_basis"],
                consent=data["consent"],
                caseworker=data["caseworker"],
                person_informed=data["person_informed"],
                invited_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("« %(service)s » participe désormais au dossier.") % {"service": participation.service.name},
            )
            return redirect(AFTER_SHARING, reference=case.reference)
    return render(request, "cases/consents/participation_invite.html", {"case": case, "form": form})


@login_required
@require_POST
def participation_person_informed(request: HttpRequest, reference: str, participation_id: int) -> HttpResponse:
    """Record that the person was informed of an exchange made without their consent."""
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=False)
    participation = participation_get_for_case(case=case, participation_id=participation_id)
    try:
        participation_record_person_informed(participation=participation, informed_by=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'information de la personne est enregistrée."))
    return redirect(AFTER_SHARING, reference=case.reference)


@login_required
@require_POST
def participation_end_view(request: HttpRequest, reference: str, participation_id: int) -> HttpResponse:
    """End a participating service's part in the case: its access ends at once."""
    user = _user(request)
    case = case_get_for_sharing(user=user, reference=reference, request=request, audit_read=False)
    participation = participation_get_for_case(case=case, participation_id=participation_id)
    form = ParticipationEndForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        participation_end(participation=participation, ended_by=user, reason=reason, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("« %(service)s » ne participe plus au dossier.") % {"service": participation.service.name}
        )
    return redirect(AFTER_SHARING, reference=case.reference)


urlpatterns: list[URLPattern] = [
    path("<str:reference>/partage/", case_sharing, name="sharing"),
    path("<str:reference>/consentements/nouveau/", consent_new, name="consent_new"),
    path("<str:reference>/consentements/<int:consent_id>/", consent_detail, name="consent_detail"),
    path("<str:reference>/consentements/<int:consent_id>/document/", consent_document, name="consent_document"),
    path("<str:reference>/consentements/<int:consent_id>/revoquer/", consent_revoke_view, name="consent_revoke"),
    path("<str:reference>/services/inviter/", participation_invite_view, name="participation_invite"),
    path(
        "<str:reference>/services/<int:participation_id>/personne-informee/",
        participation_person_informed,
        name="participation_person_informed",
    ),
    path("<str:reference>/services/<int:participation_id>/retirer/", participation_end_view, name="participation_end"),
]
