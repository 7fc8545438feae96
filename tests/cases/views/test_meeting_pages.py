"""Network-meeting pages: recorded by the participating caseworkers, read by every service that sees the case."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Meeting, Task
from cases.services.action_plans import task_create
from cases.services.meetings import meeting_record
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


@pytest.fixture
def meeting(shared_case, orp_counsellor, oai_counsellor, services) -> Meeting:
    return meeting_record(
        case=shared_case,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        place="OAI-NE",
        services=[services["semp"], services["oai"]],
        participants=[orp_counsellor, oai_counsellor],
        other_participants="la personne, son médecin traitant",
        decisions="Stage d'évaluation au CNIP.",
        recorded_by=orp_counsellor,
    )


def _date(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d.%m.%Y")


def test_a_caseworker_records_a_meeting_and_lands_on_its_page(
    client_for, oai_counsellor, orp_counsellor, shared_case, services
):
    client = client_for(oai_counsellor)
    form = client.get(reverse("cases:meeting_new", args=[shared_case.reference])).content.decode()
    assert "Office de l&#x27;assurance-invalidité (OAI)" in form
    assert "Service des migrations" not in form

    response = client.post(
        reverse("cases:meeting_new", args=[shared_case.reference]),
        {
            "held_on": _date(0),
            "place": "ORP Littoral",
            "services": [services["semp"].pk, services["oai"].pk],
            "participants": [orp_counsellor.pk, oai_counsellor.pk],
            "other_participants": "Dr Matthey",
            "decisions": "Bilan de compétences, puis stage.",
        },
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:meeting_detail", args=[shared_case.reference, meeting.pk])
    assert (meeting.recorded_by, meeting.other_participants) == (oai_counsellor, "Dr Matthey")
    assert set(meeting.participants.all()) == {orp_counsellor, oai_counsellor}


def test_a_meeting_in_the_future_is_refused_in_french_and_nothing_is_saved(
    client_for, orp_counsellor, shared_case, services
):
    response = client_for(orp_counsellor).post(
        reverse("cases:meeting_new", args=[shared_case.reference]),
        {"held_on": _date(3), "services": [services["semp"].pk], "decisions": "Prévue."},
    )

    assert response.status_code == 200
    assert "la date ne peut pas être dans le futur" in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_meeting_page_shows_who_was_there_the_decisions_and_the_joint_assessment_link(
    client_for, oai_counsellor, shared_case, meeting
):
    response = client_for(oai_counsellor).get(reverse("cases:meeting_detail", args=[shared_case.reference, meeting.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Stage d&#x27;évaluation au CNIP." in html
    assert "la personne, son médecin traitant" in html
    assert reverse("cases:assessment_new", args=[shared_case.reference]) in html
    assert "Saisir l'évaluation de votre service (OAI)" in html
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, actor=oai_counsellor, object_id=str(shared_case.pk)
    ).exists()


def test_a_commitment_is_added_from_the_meeting_and_shown_there(
    client_for, oai_counsellor, shared_case, meeting, services
):
    client = client_for(oai_counsellor)
    url = reverse("cases:task_new", args=[shared_case.reference]) + f"?seance={meeting.pk}"
    assert "Engagement pris lors de la séance" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "title": "Envoyer le rapport d'évaluation",
            "assigned_service": services["oai"].pk,
            "due_on": _date(14),
            "meeting": meeting.pk,
            "seance": meeting.pk,
        },
    )

    detail_url = reverse("cases:meeting_detail", args=[shared_case.reference, meeting.pk])
    assert response["Location"] == detail_url
    assert Task.objects.get().meeting == meeting
    assert "Envoyer le rapport d&#x27;évaluation" in client.get(detail_url).content.decode()


def test_marking_a_commitment_done_from_the_meeting_returns_to_it(
    client_for, orp_counsellor, shared_case, meeting, services
):
    task = task_create(
        case=shared_case,
        title="Rapport",
        assigned_service=services["oai"],
        due_on=timezone.localdate() + dt.timedelta(days=5),
        meeting=meeting,
        created_by=orp_counsellor,
    )

    response = client_for(orp_counsellor).post(
        reverse("cases:task_done", args=[shared_case.reference, task.pk]), {"seance": meeting.pk}
    )

    assert response["Location"] == reverse("cases:meeting_detail", args=[shared_case.reference, meeting.pk])
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_the_meeting_list_pages_without_counting(client_for, orp_counsellor, shared_case, services):
    meetings = [
        Meeting.objects.create(
            case=shared_case, held_on=timezone.localdate(), decisions="D.", recorded_by=orp_counsellor
        )
        for _ in range(25)
    ]
    client = client_for(orp_counsellor)

    first = client.get(reverse("cases:meeting_list", args=[shared_case.reference])).content.decode()
    cursor = meetings[5].pk

    assert f"?apres={cursor}" in first
    second = client.get(reverse("cases:meeting_list", args=[shared_case.reference]), {"apres": cursor})
    assert second.status_code == 200
    assert reverse("cases:meeting_detail", args=[shared_case.reference, meetings[0].pk]) in second.content.decode()


def test_another_services_user_gets_404_like_a_missing_case_and_nothing_changes(
    client_for, smig_counsellor, shared_case, meeting, services
):
    client = client_for(smig_counsellor)
    ref, missing = shared_case.reference, "CII-2026-99999"
    post = {"held_on": _date(0), "services": [services["smig"].pk], "decisions": "Intrusion."}

    for method, name, args, data in (
        ("get", "cases:meeting_list", [], None),
        ("get", "cases:meeting_new", [], None),
        ("post", "cases:meeting_new", [], post),
        ("get", "cases:meeting_detail", [meeting.pk], None),
    ):
        forbidden = getattr(client, method)(reverse(name, args=[ref, *args]), data)
        absent = getattr(client, method)(reverse(name, args=[missing, *args]), data)
        assert forbidden.status_code == absent.status_code == 404, name
        assert _without_csrf(forbidden.content) == _without_csrf(absent.content), name

    assert list(Meeting.objects.values_list("pk", flat=True)) == [meeting.pk]
    assert not AuditEvent.objects.filter(action=AuditAction.READ, actor=smig_counsellor).exists()


def test_a_meeting_of_another_case_answers_404(client_for, orp_counsellor, shared_case, services):
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    foreign = Meeting.objects.create(
        case=other, held_on=timezone.localdate(), decisions="D.", recorded_by=orp_counsellor
    )

    response = client_for(orp_counsellor).get(reverse("cases:meeting_detail", args=[shared_case.reference, foreign.pk]))

    assert response.status_code == 404


def test_the_meeting_page_costs_the_same_queries_for_few_and_many_commitments(
    client_for, orp_counsellor, oai_counsellor, shared_case, meeting, services
):
    client = client_for(oai_counsellor)
    url = reverse("cases:meeting_detail", args=[shared_case.reference, meeting.pk])

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(count: int) -> None:
        for _ in range(count):
            task_create(
                case=shared_case,
                title="Engagement",
                assigned_service=services["oai"],
                assigned_to=oai_counsellor,
                due_on=timezone.localdate() + dt.timedelta(days=3),
                meeting=meeting,
                created_by=orp_counsellor,
            )

    add(10)
    with_10 = page_queries()
    add(50)
    with_60 = page_queries()

    assert with_10 == with_60
