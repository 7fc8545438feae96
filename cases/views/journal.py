"""Pages of the journal part of a case file: the journal, the attachments and their download.

Every page starts from the case files the user may see: a case of another
service, an entry kept for another service and a missing one all answer 404.
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
from django.views.decorators.http import require_GET, require_http_methods

from cases.forms.journal import AttachmentForm, JournalEntryForm
from cases.selectors.case_files import case_get_for_reading
from cases.selectors.journal import (
    attachment_get_for_download,
    attachment_page,
    case_get_for_journal,
    journal_page,
    journal_writer_allowed,
)
from cases.services.journal import attachment_create, journal_entry_create
from cii_platform.accounts.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


@login_required
@require_GET
def journal_list(request: HttpRequest, reference: str) -> HttpResponse:
    """The journal of the case as the user may read it, newest first, page by page."""
    user = _user(request)
    case = case_get_for_reading(user=user, reference=reference, request=request)
    context = {
        "case": case,
        "page": journal_page(user=user, case=case, after=request.GET.get("apres")),
        "can_write": journal_writer_allowed(user=user, case=case),
    }
    return render(request, "cases/journal/journal_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def journal_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_get_for_journal(user=user, reference=reference, request=request, audit_read=request.method == "GET")
    form = JournalEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            journal_entry_create(
                case=case, author=user, text=data["text"], visibility=data["visibility"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("L'entrée a été ajoutée au journal."))
            return redirect("cases:journal_list", reference=case.reference)
    return render(request, "cases/journal/journal_form.html", {"case": case, "form": form})


@login_required
@require_GET
def attachment_list(request: HttpRequest, reference: str) -> HttpResponse:
    """The attachments of the case the user may download, newest first, page by page."""
    user = _user(request)
    case = case_get_for_reading(user=user, reference=reference, request=request)
    context = {
        "case": case,
        "page": attachment_page(user=user, case=case, after=request.GET.get("apres")),
        "can_write": journal_writer_allowed(user=user, case=case),
    }
    return render(request, "cases/journal/attachment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def attachment_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_get_for_journal(user=user, reference=reference, request=request, audit_read=request.method == "GET")
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attachment_create(
                case=case,
                uploaded_by=user,
                title=data["title"],
                document=data["document"],
                visibility=data["visibility"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("La pièce a été jointe au dossier."))
            return redirect("cases:attachment_list", reference=case.reference)
    return render(request, "cases/journal/attachment_form.html", {"case": case, "form": form})


@never_cache
@login_required
@require_GET
def attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """The attachment, to those who may read it only; every download is audited."""
    attachment = attachment_get_for_download(
        user=_user(request), reference=reference, attachment_id=attachment_id, request=request
    )
    try:
        file = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = os.path.splitext(attachment.file.name or "")[1]
    return FileResponse(
        file,
        as_attachment=True,
        filename=f"piece-{attachment.case.reference}-{attachment.pk}{extension}",
        content_type=attachment.content_type or "application/octet-stream",
    )


urlpatterns: list[URLPattern] = [
    path("<str:reference>/journal/", journal_list, name="journal_list"),
    path("<str:reference>/journal/nouveau/", journal_new, name="journal_new"),
    path("<str:reference>/pieces/", attachment_list, name="attachment_list"),
    path("<str:reference>/pieces/nouvelle/", attachment_new, name="attachment_new"),
    path("<str:reference>/pieces/<int:attachment_id>/telecharger/", attachment_download, name="attachment_download"),
]
