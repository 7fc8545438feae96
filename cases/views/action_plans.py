"""Pages of the action plan and of the network meetings of a case file.

Every page reads the case through `cases.selectors.action_plans.action_plan_case_get`:
a case the user may not see answers 404 like a missing one, and so does a page
that changes something for a user who may only read the plan. Pages audit the
read; actions audit their change (in the service) instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms.action_plans import GoalForm, MeetingForm, TaskForm
from cases.models import CaseFile, Goal, Meeting
from cases.selectors.action_plans import (
    action_plan_case_get,
    action_plan_for,
    assignable_caseworkers,
    case_active_services,
    goal_get_for_case,
    task_get_for_case,
)
from cases.selectors.meetings import meeting_detail_for, meeting_get_for_case, meeting_page_for_case
from cases.services.action_plans import goal_create, goal_mark_achieved, task_cancel, task_complete, task_create
from cases.services.meetings import meeting_record
from cii_platform.accounts.models import User

# Where an action leads back to (a fixed list: never a URL taken from the request).
RETURN_TO = {"dossier": "cases:detail", "plan": "cases:action_plan"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a staff account


def _back(request: HttpRequest, case: CaseFile, meeting_id: int | None = None) -> HttpResponse:
    """Back to the page the action came from: the case page, the plan, or a meeting of the case."""
    if meeting_id is not None:
        return redirect("cases:meeting_detail", reference=case.reference, pk=meeting_id)
    target = RETURN_TO.get(request.POST.get("retour", ""), "cases:action_plan")
    anchor = "#plan-action" if target == "cases:detail" else ""
    return redirect(reverse(target, args=[case.reference]) + anchor)


def _meeting_param(request: HttpRequest) -> int | None:
    value = request.POST.get("seance") or request.GET.get("seance") or ""
    return int(value) if value.isdigit() else None


@login_required
@require_GET
def action_plan(request: HttpRequest, reference: str) -> HttpResponse:
    """The whole action plan: goals, tasks (overdue ones flagged), the latest meetings."""
    user = _user(request)
    case = action_plan_case_get(user=user, reference=reference, request=request)
    return render(request, "cases/action_plans/plan.html", {"action_plan": action_plan_for(user=user, case=case)})


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = action_plan_case_get(
        user=user, reference=reference, request=request, write=True, audit_read=request.method == "GET"
    )
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            goal_create(
                case=case,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                created_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("L'objectif a été ajouté au plan d'action."))
            return redirect("cases:action_plan", reference=case.reference)
    return render(request, "cases/action_plans/goal_form.html", {"case": case, "form": form})


@login_required
@require_POST
def goal_achieved(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Record that a goal is achieved today."""
    user = _user(request)
    case = action_plan_case_get(user=user, reference=reference, request=request, write=True, audit_read=False)
    goal = goal_get_for_case(case=case, pk=pk)
    try:
        goal_mark_achieved(goal=goal, achieved_by=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'objectif « %(title)s » est atteint.") % {"title": goal.title})
    return _back(request, case)


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, reference: str) -> HttpResponse:
    """Add a task; with `?seance=<id>`, a commitment taken in that meeting."""
    user = _user(request)
    case = action_plan_case_get(
        user=user, reference=reference, request=request, write=True, audit_read=request.method == "GET"
    )
    services = case_active_services(case=case)
    meetings = Meeting.objects.filter(case=case).order_by("-held_on", "-id")
    meeting_id = _meeting_param(request)
    meeting = meetings.filter(pk=meeting_id).first() if meeting_id is not None else None
    if meeting_id is not None and meeting is None:
        raise Http404
    form = TaskForm(
        request.POST if request.method == "POST" else None,
        services=services,
        caseworkers=assignable_caseworkers(services=services),
        goals=Goal.objects.filter(case=case).order_by("created_at", "id"),
        meetings=meetings,
        initial={"meeting": meeting},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = task_create(
                case=case,
                title=data["title"],
                assigned_service=data["assigned_service"],
                assigned_to=data["assigned_to"],
                due_on=data["due_on"],
                goal=data["goal"],
                meeting=data["meeting"],
                created_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("La tâche a été ajoutée au plan d'action."))
            return _back(request, case, meeting_id=task.meeting_id)
    context = {"case": case, "form": form, "meeting": meeting, "has_services": bool(services)}
    return render(request, "cases/action_plans/task_form.html", context)


@login_required
@require_POST
def task_done(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Mark a task done today (a user of its service or of the lead service)."""
    user = _user(request)
    case = action_plan_case_get(user=user, reference=reference, request=request, write=True, audit_read=False)
    task = task_get_for_case(case=case, pk=pk)
    try:
        task_complete(task=task, done_by=user, request=request)
    except PermissionDenied:
        # Visible but not theirs to close: answer like a missing task (nothing changed).
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La tâche « %(title)s » est faite.") % {"title": task.title})
    return _back(request, case, meeting_id=_meeting_param(request))


@login_required
@require_POST
def task_cancel_view(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Cancel a task (a user of its service or of the lead service)."""
    user = _user(request)
    case = action_plan_case_get(user=user, reference=reference, request=request, write=True, audit_read=False)
    task = task_get_for_case(case=case, pk=pk)
    try:
        task_cancel(task=task, cancelled_by=user, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La tâche « %(title)s » est annulée.") % {"title": task.title})
    return _back(request, case, meeting_id=_meeting_param(request))


@login_required
@require_GET
def meeting_list(request: HttpRequest, reference: str) -> HttpResponse:
    """Every network meeting of the case, newest recorded first, by pages."""
    user = _user(request)
    case = action_plan_case_get(user=user, reference=reference, request=request)
    page = meeting_page_for_case(case=case, after=request.GET.get("apres"))
    return render(request, "cases/action_plans/meeting_list.html", {"case": case, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = action_plan_case_get(
        user=user, reference=reference, request=request, write=True, audit_read=request.method == "GET"
    )
    services = case_active_services(case=case)
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        services=services,
        caseworkers=assignable_caseworkers(services=services),
        initial={"held_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_record(
                case=case,
                held_on=data["held_on"],
                place=data["place"],
                services=list(data["services"]),
                participants=list(data["participants"]),
                other_participants=data["other_participants"],
                decisions=data["decisions"],
                recorded_by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("La séance est enregistrée. Ajoutez maintenant les engagements de chaque service."),
            )
            return redirect("cases:meeting_detail", reference=case.reference, pk=meeting.pk)
    return render(request, "cases/action_plans/meeting_form.html", {"case": case, "form": form})


@login_required
@require_GET
def meeting_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """A meeting: who was there, the decisions, each service's commitments and the joint assessment."""
    user = _user(request)
    case = action_plan_case_get(user=user, reference=reference, request=request)
    meeting = meeting_get_for_case(case=case, pk=pk)
    return render(
        request, "cases/action_plans/meeting_detail.html", meeting_detail_for(user=user, case=case, meeting=meeting)
    )


urlpatterns: list[URLPattern] = [
    path("<str:reference>/plan/", action_plan, name="action_plan"),
    path("<str:reference>/plan/objectifs/nouveau/", goal_new, name="goal_new"),
    path("<str:reference>/plan/objectifs/<int:pk>/atteint/", goal_achieved, name="goal_achieved"),
    path("<str:reference>/plan/taches/nouvelle/", task_new, name="task_new"),
    path("<str:reference>/plan/taches/<int:pk>/faite/", task_done, name="task_done"),
    path("<str:reference>/plan/taches/<int:pk>/annulee/", task_cancel_view, name="task_cancel"),
    path("<str:reference>/seances/", meeting_list, name="meeting_list"),
    path("<str:reference>/seances/nouvelle/", meeting_new, name="meeting_new"),
    path("<str:reference>/seances/<int:pk>/", meeting_detail, name="meeting_detail"),
]
