"""Case-file pages: the triage queue, the list, the case page and its workflow steps."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.forms.case_files import QueueFilterForm, TransitionForm
from cases.models import CaseFile
from cases.selectors import case_get_for_reading, case_page_visible
from cases.selectors.case_files import case_page_context
from cases.selectors.queue import QueueQuery, triage_queue_page
from cases.services import StaleCaseFile, case_transition
from cii_platform.access import Capability, access_get_or_404


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    page = case_page_visible(user=request.user, after=request.GET.get("apres"))  # type: ignore[arg-type]
    return render(request, "cases/case_list.html", {"page": page})


@login_required
def triage_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    query = QueueQuery(
        status=data.get("status", ""),
        programme=data.get("programme", ""),
        region=data.get("region", ""),
        service=data.get("service", ""),
        search=data.get("q", ""),
        overdue_only=bool(data.get("overdue")),
    )
    page = triage_queue_page(user=request.user, query=query, cursor=request.GET.get("apres"))  # type: ignore[arg-type]
    # Fifty links to case pages: one reverse() for the prefix instead of one per row.
    case_url_prefix = reverse("cases:detail", args=["-"]).removesuffix("-/")
    return render(request, "cases/queue.html", {"form": form, "page": page, "case_url_prefix": case_url_prefix})


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get_for_reading(user=request.user, reference=reference, request=request)  # type: ignore[arg-type]
    context = case_page_context(user=request.user, case=case)  # type: ignore[arg-type]
    return render(request, "cases/case_detail.html", context)


@login_required
@require_POST
def case_step(request: HttpRequest, reference: str) -> HttpResponse:
    """Apply one workflow step; a stale or illegal step changes nothing and says why."""
    case = access_get_or_404(
        user=request.user,  # type: ignore[arg-type]
        queryset=CaseFile.objects.all(),
        capability=Capability.CHANGE,
        request=request,
        reference=reference,
    )
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le changement de statut est incomplet : %(errors)s") % {"errors": _errors(form)})
        return redirect("cases:detail", reference=reference)
    data = form.cleaned_data
    try:
        case_transition(
            case=case,
            to_status=data["to_status"],
            expected_version=data["version"],
            changed_by=request.user,  # type: ignore[arg-type]
            note=data["note"],
            outcome=data["outcome"],
            outcome_date=data["outcome_date"],
            out_of_criteria_reason=data["out_of_criteria_reason"],
            request=request,
        )
    except StaleCaseFile as stale:
        messages.error(request, str(stale))
        if data["note"]:
            messages.info(request, _("Votre remarque, non enregistrée : « %(note)s »") % {"note": data["note"]})
        return redirect("cases:detail", reference=reference)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:detail", reference=reference)
    messages.success(request, _("Le statut du dossier a été mis à jour."))
    return redirect("cases:detail", reference=reference)


def _errors(form: TransitionForm) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)
