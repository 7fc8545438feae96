"""Person pages and the signalement form (see cases/urls.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.forms.persons import SignalForm
from cases.selectors.persons import LikelyDuplicates, person_case_files_visible, person_get_for_reading
from cases.services.persons import LikelyDuplicatesFound, OverProgrammeAge, person_signal
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees an account


def _may_signal(user: User) -> bool:
    return user.service_id is not None and user.has_role(Role.CASEWORKER)


def _add_service_error(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError in the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = person_get_for_reading(user=user, person_id=person_id, request=request)
    context = {
        "person": person,
        "case_files": person_case_files_visible(user=user, person=person),
        "may_signal": _may_signal(user),
    }
    return render(request, "cases/persons/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def signal(request: HttpRequest) -> HttpResponse:
    """Any caseworker signals a case led by their own service; everyone else gets 404."""
    user = _user(request)
    if not _may_signal(user):
        audit_record(action=AuditAction.ACCESS_DENIED, actor=user, object_type="cases.signal", request=request)
        raise Http404
    duplicates: LikelyDuplicates | None = None
    over_age = False
    if request.method == "POST":
        form = SignalForm(request.POST, user=user)
        if form.is_valid():
            try:
                case = person_signal(signalled_by=user, request=request, **form.signal_arguments())
            except LikelyDuplicatesFound as found:
                duplicates = found.duplicates
                form.add_error(None, found)
            except OverProgrammeAge as warning:
                over_age = True
                form.add_error(None, warning)
            except ValidationError as error:
                _add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Le dossier %(reference)s est ouvert ; votre service en est le service pilote.")
                    % {"reference": case.reference},
                )
                return redirect("cases:detail", case.reference)
        # A confirmation already ticked stays visible, so that it can be unticked.
        over_age = over_age or bool(form.data.get("confirm_over_age"))
    else:
        initial = {}
        if request.GET.get("personne", "").isdigit():
            initial["existing_person"] = request.GET["personne"]
        form = SignalForm(user=user, initial=initial)
    context = {
        "form": form,
        "chosen_person": form.preselected_person() if duplicates is None else None,
        "duplicates": duplicates,
        "over_age": over_age,
    }
    return render(request, "cases/persons/signal.html", context)


urlpatterns: list[URLPattern] = [
    path("signaler/", signal, name="signal"),
    path("personnes/<int:person_id>/", person_detail, name="person_detail"),
]
