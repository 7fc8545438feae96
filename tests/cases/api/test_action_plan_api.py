"""Task API: read by every service that sees the case, written as on the action-plan pages."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Task
from cases.services.action_plans import task_create
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _url(case, task_id: int | None = None, step: str = "") -> str:  # type: ignore[no-untyped-def]
    url = f"/api/cases/{case.reference}/tasks/"
    if task_id is not None:
        url += f"{task_id}/"
    return url + (f"{step}/" if step else "")


def _task(case, by, service, *, title: str = "Demander un rapport médical", days: int = 7) -> Task:  # type: ignore[no-untyped-def]
    return task_create(
        case=case,
        title=title,
        assigned_service=service,
        due_on=timezone.localdate() + dt.timedelta(days=days),
        created_by=by,
    )


def _statuses() -> list[tuple[int, str]]:
    return list(Task.objects.order_by("id").values_list("id", "status"))


def test_the_lead_service_lists_the_tasks_with_what_it_may_do(client_for, orp_counsellor, shared_case, services):
    own = _task(shared_case, orp_counsellor, services["semp"], title="Inscrire à un stage")
    oai = _task(shared_case, orp_counsellor, services["oai"])
    Task.objects.filter(pk=own.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))

    response = client_for(orp_counsellor).get(_url(shared_case))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [oai.pk, own.pk]
    assert rows[1]["assigned_service"] == "semp"
    assert (rows[1]["is_overdue"], rows[1]["days_late"], rows[1]["can_settle"]) == (True, 3, True)
    assert (rows[0]["is_overdue"], rows[0]["can_settle"]) == (False, True)  # the lead settles any task


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "platform_admin"])
def test_a_service_the_consent_does_not_cover_gets_404_everywhere_and_nothing_changes(
    request, client_for, orp_counsellor, shared_case, services, persona, post_json
):
    task = _task(shared_case, orp_counsellor, services["semp"])
    client = client_for(request.getfixturevalue(persona))

    for url in (_url(shared_case), _url(shared_case, task.pk)):
        forbidden, missing = client.get(url), client.get(url.replace(shared_case.reference, MISSING))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json()
    assert post_json(client, _url(shared_case, task.pk, "complete")).status_code == 404
    assert post_json(client, _url(shared_case, task.pk, "cancel")).status_code == 404
    created = post_json(
        client,
        _url(shared_case),
        {"title": "x", "assigned_service": "semp", "due_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    )
    assert created.status_code == 404
    assert _statuses() == [(task.pk, "open")]


def test_the_invited_service_gets_404_as_soon_as_the_consent_is_revoked(
    client_for, oai_counsellor, orp_counsellor, shared_case, services, revoke_consent, post_json
):
    task = _task(shared_case, orp_counsellor, services["oai"])
    client = client_for(oai_counsellor)
    assert client.get(_url(shared_case, task.pk)).json()["can_settle"] is True

    revoke_consent(shared_case)

    assert client.get(_url(shared_case)).status_code == 404
    assert post_json(client, _url(shared_case, task.pk, "complete")).status_code == 404
    assert _statuses() == [(task.pk, "open")]


def test_a_participating_caseworker_adds_a_task_for_its_service(client_for, oai_counsellor, shared_case, post_json):
    due = timezone.localdate() + dt.timedelta(days=10)

    response = post_json(
        client_for(oai_counsellor),
        _url(shared_case),
        {"title": "Organiser un bilan", "assigned_service": "oai", "due_on": due.isoformat(), "assigned_to": None},
    )

    assert response.status_code == 201, response.content
    task = Task.objects.get()
    assert response.json()["id"] == task.pk
    assert (task.title, task.assigned_service.code, task.due_on) == ("Organiser un bilan", "oai", due)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(task.pk)).exists()


def test_a_refused_task_answers_400_with_the_french_message_and_saves_nothing(
    client_for, orp_counsellor, shared_case, post_json
):
    client = client_for(orp_counsellor)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    past = post_json(client, _url(shared_case), {"title": "Appeler", "assigned_service": "semp", "due_on": yesterday})
    outside = post_json(client, _url(shared_case), {"title": "Appeler", "assigned_service": "saso", "due_on": tomorrow})

    assert past.status_code == outside.status_code == 400
    assert past.json() == {"due_on": ["L'échéance ne peut pas être dans le passé."]}
    assert outside.json() == {
        "assigned_service": [
            "« Service de l'action sociale » ne participe pas à ce dossier : choisissez un service participant."
        ]
    }
    assert not Task.objects.exists()


def test_the_responsible_service_marks_its_task_done_and_the_lead_cancels_one(
    client_for, orp_counsellor, oai_counsellor, shared_case, services, post_json
):
    for_oai = _task(shared_case, orp_counsellor, services["oai"])
    for_semp = _task(shared_case, orp_counsellor, services["semp"], title="Relancer l'employeur")

    done = post_json(client_for(oai_counsellor), _url(shared_case, for_oai.pk, "complete"))
    cancelled = post_json(client_for(orp_counsellor), _url(shared_case, for_semp.pk, "cancel"))

    assert done.status_code == cancelled.status_code == 200
    assert (done.json()["status"], done.json()["done_on"]) == ("done", timezone.localdate().isoformat())
    assert cancelled.json()["status"] == "cancelled"
    assert _statuses() == [(for_oai.pk, "done"), (for_semp.pk, "cancelled")]


def test_a_participating_service_cannot_settle_a_task_of_another_and_gets_404_like_on_the_page(
    client_for, orp_counsellor, oai_counsellor, shared_case, services, post_json
):
    task = _task(shared_case, orp_counsellor, services["semp"])
    client = client_for(oai_counsellor)

    assert post_json(client, _url(shared_case, task.pk, "complete")).status_code == 404
    assert post_json(client, _url(shared_case, task.pk, "cancel")).status_code == 404
    assert _statuses() == [(task.pk, "open")]


def test_a_task_already_settled_answers_400_in_french(client_for, orp_counsellor, shared_case, services, post_json):
    task = _task(shared_case, orp_counsellor, services["semp"])
    client = client_for(orp_counsellor)
    post_json(client, _url(shared_case, task.pk, "cancel"))

    response = post_json(client, _url(shared_case, task.pk, "complete"))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Cette tâche n'est plus à faire (état : annulée)."]}
    assert _statuses() == [(task.pk, "cancelled")]


def test_a_member_who_may_only_read_the_plan_gets_404_on_every_write_like_on_the_pages(
    client_for, coordination_member, orp_counsellor, shared_case, services, post_json
):
    task = _task(shared_case, orp_counsellor, services["semp"])
    client = client_for(coordination_member)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    assert client.get(_url(shared_case, task.pk)).json()["can_settle"] is False
    assert (
        post_json(client, _url(shared_case), {"title": "x", "assigned_service": "semp", "due_on": tomorrow}).status_code
        == 404
    )
    assert post_json(client, _url(shared_case, task.pk, "complete")).status_code == 404
    assert post_json(client, _url(shared_case, task.pk, "cancel")).status_code == 404
    assert _statuses() == [(task.pk, "open")]


def test_a_task_of_another_case_answers_404(client_for, orp_counsellor, shared_case, services, post_json):
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    task = _task(other, orp_counsellor, services["semp"])
    client = client_for(orp_counsellor)

    assert client.get(_url(shared_case, task.pk)).status_code == 404
    assert post_json(client, _url(shared_case, task.pk, "complete")).status_code == 404
    assert _statuses() == [(task.pk, "open")]


def test_the_list_costs_the_same_queries_for_2_and_for_20_tasks(
    client_for, orp_counsellor, shared_case, services, count_queries
):
    client = client_for(orp_counsellor)
    for _ in range(2):
        _task(shared_case, orp_counsellor, services["oai"])
    with_2 = count_queries(client, _url(shared_case))
    for _ in range(18):
        _task(shared_case, orp_counsellor, services["semp"])
    with_20 = count_queries(client, _url(shared_case))

    assert with_2 == with_20
