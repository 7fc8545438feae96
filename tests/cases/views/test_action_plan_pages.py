"""Action-plan pages: read by every service that sees the case, written by its participating caseworkers.

Anyone who may not see the case gets the 404 of a missing case and changes nothing;
a user who may only read the plan gets the same 404 on the pages that change it.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Goal, Task
from cases.selectors.action_plans import action_plan_for
from cases.services.action_plans import goal_create, task_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.fixture
def shared_case(orp_counsellor, services):
    """A case led by SEMP, shared with OAI on the person's consent."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))
    return case


def _date(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d.%m.%Y")


def _task(case, by, service, *, title: str = "Demander un rapport médical", goal=None) -> Task:
    return task_create(
        case=case,
        title=title,
        assigned_service=service,
        due_on=timezone.localdate() + dt.timedelta(days=7),
        goal=goal,
        created_by=by,
    )


def _snapshot():
    return (
        list(Goal.objects.values_list("id", "title", "achieved_on")),
        list(Task.objects.values_list("id", "status", "done_on")),
    )


def test_the_plan_shows_goals_tasks_and_flags_late_ones_in_words_and_audits_the_read(
    client_for, orp_counsellor, oai_counsellor, shared_case, services
):
    goal = goal_create(case=shared_case, title="Clarifier la capacité de travail", created_by=orp_counsellor)
    late = _task(shared_case, orp_counsellor, services["oai"], goal=goal)
    Task.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=4))

    response = client_for(oai_counsellor).get(reverse("cases:action_plan", args=[shared_case.reference]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Objectif : Clarifier la capacité de travail" in html
    assert "En retard de 4 jours" in html
    assert "1 tâche en retard" in html
    assert "Marquer comme faite" in html  # OAI's own task
    assert AuditEvent.objects.filter(
        action=AuditAction.READ,
        object_id=str(shared_case.pk),
        actor=oai_counsellor,
        person_id=str(shared_case.person_id),
    ).exists()


def test_a_reader_without_the_caseworker_role_sees_the_plan_without_any_action(
    client_for, coordination_member, orp_counsellor, shared_case, services
):
    _task(shared_case, orp_counsellor, services["semp"])

    html = client_for(coordination_member).get(reverse("cases:action_plan", args=[shared_case.reference])).content
    html = html.decode()

    assert "Demander un rapport médical" in html
    assert "Marquer comme faite" not in html
    assert "Ajouter une tâche" not in html


def test_a_caseworker_adds_a_goal_and_a_task_through_the_forms(client_for, orp_counsellor, shared_case, services):
    client = client_for(orp_counsellor)

    response = client.post(
        reverse("cases:goal_new", args=[shared_case.reference]), {"title": "Entrer en formation", "description": ""}
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    response = client.post(
        reverse("cases:task_new", args=[shared_case.reference]),
        {
            "title": "Inscrire au semestre de motivation",
            "assigned_service": services["semp"].pk,
            "assigned_to": orp_counsellor.pk,
            "due_on": _date(10),
            "goal": goal.pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:action_plan", args=[shared_case.reference])
    task = Task.objects.get()
    assert (task.goal, task.assigned_to, task.created_by) == (goal, orp_counsellor, orp_counsellor)


def test_a_refused_task_shows_the_french_message_on_the_field_and_saves_nothing(
    client_for, orp_counsellor, shared_case, services
):
    response = client_for(orp_counsellor).post(
        reverse("cases:task_new", args=[shared_case.reference]),
        {"title": "Tâche", "assigned_service": services["semp"].pk, "due_on": _date(-2)},
    )

    assert response.status_code == 200
    assert "L&#x27;échéance ne peut pas être dans le passé." in response.content.decode()
    assert not Task.objects.exists()


def test_a_service_outside_the_case_cannot_be_chosen(client_for, orp_counsellor, shared_case, services):
    response = client_for(orp_counsellor).post(
        reverse("cases:task_new", args=[shared_case.reference]),
        {"title": "Tâche", "assigned_service": services["smig"].pk, "due_on": _date(3)},
    )

    assert response.status_code == 200
    assert "Choisissez un service qui participe au dossier." in response.content.decode()
    assert not Task.objects.exists()


def test_the_responsible_service_marks_its_task_done_and_returns_to_the_case_page(
    client_for, orp_counsellor, oai_counsellor, shared_case, services
):
    task = _task(shared_case, orp_counsellor, services["oai"])

    response = client_for(oai_counsellor).post(
        reverse("cases:task_done", args=[shared_case.reference, task.pk]), {"retour": "dossier"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[shared_case.reference]) + "#plan-action"
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_the_lead_service_cancels_a_task(client_for, orp_counsellor, shared_case, services):
    task = _task(shared_case, orp_counsellor, services["oai"])

    response = client_for(orp_counsellor).post(reverse("cases:task_cancel", args=[shared_case.reference, task.pk]))

    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == Task.Status.CANCELLED


def test_a_participating_service_cannot_close_a_task_of_another_and_gets_404(
    client_for, orp_counsellor, oai_counsellor, shared_case, services
):
    task = _task(shared_case, orp_counsellor, services["semp"])
    client = client_for(oai_counsellor)

    done = client.post(reverse("cases:task_done", args=[shared_case.reference, task.pk]))
    cancelled = client.post(reverse("cases:task_cancel", args=[shared_case.reference, task.pk]))

    assert done.status_code == cancelled.status_code == 404
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN


def test_a_goal_is_marked_achieved_from_the_plan(client_for, orp_counsellor, shared_case):
    goal = goal_create(case=shared_case, title="Objectif", created_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:goal_achieved", args=[shared_case.reference, goal.pk]), {"retour": "plan"}
    )

    assert response["Location"] == reverse("cases:action_plan", args=[shared_case.reference])
    assert Goal.objects.get(pk=goal.pk).achieved_on == timezone.localdate()


def test_another_services_user_gets_404_everywhere_like_a_missing_case_and_nothing_changes(
    client_for, orp_counsellor, smig_counsellor, shared_case, services
):
    goal = goal_create(case=shared_case, title="Objectif", created_by=orp_counsellor)
    task = _task(shared_case, orp_counsellor, services["semp"], goal=goal)
    before = _snapshot()
    client = client_for(smig_counsellor)
    ref, missing = shared_case.reference, "CII-2026-99999"

    pages = [
        ("get", "cases:action_plan", []),
        ("get", "cases:goal_new", []),
        ("post", "cases:goal_new", {"title": "Intrus"}),
        ("get", "cases:task_new", []),
        ("post", "cases:task_new", {"title": "Intrus", "assigned_service": services["smig"].pk, "due_on": _date(1)}),
    ]
    for method, name, data in pages:
        forbidden = getattr(client, method)(reverse(name, args=[ref]), data or None)
        absent = getattr(client, method)(reverse(name, args=[missing]), data or None)
        assert forbidden.status_code == absent.status_code == 404, name
        assert _without_csrf(forbidden.content) == _without_csrf(absent.content), name
    for name, pk in (("cases:task_done", task.pk), ("cases:task_cancel", task.pk), ("cases:goal_achieved", goal.pk)):
        assert client.post(reverse(name, args=[ref, pk])).status_code == 404, name

    assert _snapshot() == before
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_id=str(shared_case.pk)).count() == 8
    assert not AuditEvent.objects.filter(action=AuditAction.READ, actor=smig_counsellor).exists()


def test_a_reader_who_may_not_write_gets_404_on_the_forms_and_nothing_changes(
    client_for, coordination_member, orp_counsellor, shared_case, services
):
    task = _task(shared_case, orp_counsellor, services["semp"])
    before = _snapshot()
    client = client_for(coordination_member)

    assert client.get(reverse("cases:task_new", args=[shared_case.reference])).status_code == 404
    assert client.post(reverse("cases:goal_new", args=[shared_case.reference]), {"title": "X"}).status_code == 404
    assert client.post(reverse("cases:task_done", args=[shared_case.reference, task.pk])).status_code == 404
    assert _snapshot() == before


def test_a_task_of_another_case_answers_404(client_for, orp_counsellor, shared_case, services):
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    foreign = _task(other, orp_counsellor, services["semp"])

    response = client_for(orp_counsellor).post(reverse("cases:task_done", args=[shared_case.reference, foreign.pk]))

    assert response.status_code == 404
    assert Task.objects.get(pk=foreign.pk).status == Task.Status.OPEN


def test_the_case_section_renders_under_its_context_name(rf, orp_counsellor, shared_case, services):
    _task(shared_case, orp_counsellor, services["oai"], title="Tâche visible sur le dossier")
    request = rf.get("/")
    request.user = orp_counsellor

    html = render_to_string(
        "cases/action_plans/_case_section.html",
        {"action_plan": action_plan_for(user=orp_counsellor, case=shared_case), "case": shared_case},
        request=request,
    )

    assert 'id="plan-action"' in html
    assert "Tâche visible sur le dossier" in html
    assert 'name="retour" value="dossier"' in html


def test_the_plan_page_costs_the_same_queries_for_few_and_many_tasks(
    client_for, orp_counsellor, oai_counsellor, shared_case, services
):
    client = client_for(oai_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:action_plan", args=[shared_case.reference])).status_code == 200
        return len(queries)

    def add(count: int) -> None:
        for index in range(count):
            goal = goal_create(case=shared_case, title=f"Objectif {index}", created_by=orp_counsellor)
            _task(shared_case, orp_counsellor, services["oai"], goal=goal)
            _task(shared_case, orp_counsellor, services["semp"])

    add(5)
    with_10 = page_queries()
    add(25)
    with_60 = page_queries()

    assert with_10 == with_60
