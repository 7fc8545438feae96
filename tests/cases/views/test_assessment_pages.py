"""Pages of the evaluation grid: score, history, one assessment; 404 for every service that does not see the case."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assessment, AssessmentScore, CaseFile
from cases.services.assessments import ScoreInput, assessment_record
from cii_platform.access import Capability, access_grant
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def _date(days_ago: int = 0) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).strftime("%d.%m.%Y")


def _assess(case: CaseFile, author: User, days_ago: int, **values: int) -> Assessment:
    return assessment_record(
        case=case,
        author=author,
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        scores={code: ScoreInput(value) for code, value in values.items()},
    )


def test_a_caseworker_scores_the_grid_and_finds_it_in_the_history(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    client = client_for(orp_counsellor)

    form = client.get(reverse("cases:assessment_new", args=[case.reference]))
    assert form.status_code == 200
    page = form.content.decode()
    assert "Santé physique" in page and "Prestations en cours (AC, AI, AS)" in page
    assert 'for="id_score_debts"' in page and _date() in page  # today's date offered, dd.mm.yyyy

    response = client.post(
        reverse("cases:assessment_new", args=[case.reference]),
        {
            "assessed_on": _date(1),
            "score_debts": "3",
            "comment_debts": "Poursuites en cours",
            "score_work_capacity": "50",
            "summary": "Réseau à organiser avec l'OAI.",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("cases:assessment_history", args=[case.reference])
    assessment = Assessment.objects.get(case=case)
    assert (assessment.author, assessment.service, assessment.assessed_on) == (
        orp_counsellor,
        services["semp"],
        timezone.localdate() - dt.timedelta(days=1),
    )
    html = response.content.decode()
    assert "L&#x27;évaluation a été enregistrée et signée à votre nom." in html
    assert _date(1) in html and "50 %" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score_debts": "4"}, "« Dettes » : choisissez une cote de 0 à 3, ou « non évaluée »."),
        (
            {"score_work_capacity": "150"},
            "« Capacité de travail (%) » : indiquez un pourcentage entre 0 et 100, ou laissez vide.",
        ),
        ({"score_debts": "2", "assessed_on": "2026-13-45"}, "Saisissez une date au format jj.mm.aaaa"),
        (
            {"score_debts": "2", "assessed_on": _date(-1)},
            "La date de l&#x27;évaluation ne peut pas être dans le futur.",
        ),
        ({"comment_debts": "Seulement un commentaire"}, "Cotez au moins une dimension de la grille."),
    ],
)
def test_a_refused_input_shows_a_french_message_keeps_the_form_and_saves_nothing(
    client_for, orp_counsellor, services, data, message
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:assessment_new", args=[case.reference]), {"assessed_on": _date(1), **data}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert not Assessment.objects.exists()
    assert not AssessmentScore.objects.exists()


@pytest.mark.parametrize("page", ["history", "new", "detail"])
def test_another_services_caseworker_gets_404_like_a_missing_case_and_sees_nothing(
    client_for, orp_counsellor, oai_counsellor, services, page
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    assessment = _assess(case, orp_counsellor, 1, debts=3)
    urls = {
        "history": lambda reference: reverse("cases:assessment_history", args=[reference]),
        "new": lambda reference: reverse("cases:assessment_new", args=[reference]),
        "detail": lambda reference: reverse("cases:assessment_detail", args=[reference, assessment.pk]),
    }
    client = client_for(oai_counsellor)

    forbidden = client.get(urls[page](case.reference))
    missing = client.get(urls[page]("CII-2026-99999"))

    assert forbidden.status_code == missing.status_code == 404
    assert _without_csrf(forbidden.content) == _without_csrf(missing.content)
    assert case.person.last_name not in forbidden.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_id=str(case.pk)).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.READ, actor=oai_counsellor).exists()


def test_another_service_cannot_post_an_assessment_and_nothing_is_saved(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(oai_counsellor).post(
        reverse("cases:assessment_new", args=[case.reference]), {"assessed_on": _date(1), "score_debts": "3"}
    )

    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_a_member_who_sees_the_case_without_the_caseworker_role_may_read_but_not_score(
    client_for, orp_counsellor, coordination_member, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    _assess(case, orp_counsellor, 1, debts=3)
    client = client_for(coordination_member)

    history = client.get(reverse("cases:assessment_history", args=[case.reference]))
    assert history.status_code == 200
    assert reverse("cases:assessment_new", args=[case.reference]) not in history.content.decode()

    assert client.get(reverse("cases:assessment_new", args=[case.reference])).status_code == 403
    posted = client.post(
        reverse("cases:assessment_new", args=[case.reference]), {"assessed_on": _date(1), "score_debts": "1"}
    )
    assert posted.status_code == 403
    assert Assessment.objects.count() == 1


def test_a_participating_service_scores_separately_and_the_history_shows_the_divergence(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="consent", granted_by=None)
    _assess(case, orp_counsellor, 2, mental_health=0, debts=2)

    response = client_for(oai_counsellor).post(
        reverse("cases:assessment_new", args=[case.reference]),
        {"assessed_on": _date(2), "score_mental_health": "3", "score_debts": "2"},
        follow=True,
    )

    assert Assessment.objects.get(service=services["oai"]).author == oai_counsellor
    html = response.content.decode()
    assert "Les services divergent sur 1 dimension" in html
    assert "évaluation conjointe du " + _date(2) in html
    assert "OAI 3 · SEMP 0" in html


def test_the_history_explains_each_change_in_words(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    _assess(case, orp_counsellor, 60, debts=3, housing=1)
    _assess(case, orp_counsellor, 5, debts=1, housing=2)

    html = client_for(orp_counsellor).get(reverse("cases:assessment_history", args=[case.reference])).content.decode()

    assert f"s&#x27;améliore (−2 depuis le {_date(60)})" in html
    assert f"s&#x27;aggrave (+1 depuis le {_date(60)})" in html
    assert '<th scope="row">Dettes</th>' in html
    assert "<svg" in html and "<desc" in html  # the chart, with its text alternative
    assert "<script" not in html and " style=" not in html


def test_the_detail_page_shows_every_dimension_with_its_comment(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    assessment = assessment_record(
        case=case,
        author=orp_counsellor,
        assessed_on=timezone.localdate(),
        scores={"debts": ScoreInput(3, "Poursuites en cours"), "work_capacity": ScoreInput(40)},
        summary="Bilan médical demandé.",
    )

    response = client_for(orp_counsellor).get(reverse("cases:assessment_detail", args=[case.reference, assessment.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Poursuites en cours" in html and "40 %" in html and "Bilan médical demandé." in html
    assert html.count("non évaluée") == 10


def test_an_assessment_of_another_case_is_not_found_under_this_one(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    assessment = _assess(other, orp_counsellor, 1, debts=2)

    response = client_for(orp_counsellor).get(reverse("cases:assessment_detail", args=[case.reference, assessment.pk]))

    assert response.status_code == 404


def test_reading_the_history_is_audited_with_the_person(client_for, orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    client_for(orp_counsellor).get(reverse("cases:assessment_history", args=[case.reference]))

    read = AuditEvent.objects.get(action=AuditAction.READ, object_id=str(case.pk))
    assert (read.actor, read.person_id) == (orp_counsellor, str(case.person_id))


def test_the_pages_ask_anonymous_visitors_to_log_in(client, services, orp_counsellor):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client.get(reverse("cases:assessment_history", args=[case.reference]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_history_page_costs_the_same_queries_for_3_and_for_30_assessments(
    client_for, orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="consent", granted_by=None)
    client = client_for(orp_counsellor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:assessment_history", args=[case.reference])).status_code == 200
        return len(queries)

    for day in range(3):
        _assess(case, orp_counsellor if day % 2 else oai_counsellor, 300 - day, debts=day % 4, housing=2)
    with_3 = page_queries()
    for day in range(3, 30):
        _assess(case, orp_counsellor if day % 2 else oai_counsellor, 300 - day, debts=day % 4, housing=2)
    with_30 = page_queries()

    # With more than one page, the previous assessment of each service adds two queries, once.
    assert with_30 <= with_3 + 2


@pytest.mark.parametrize(
    "data",
    [
        {"score_work_capacity": "-5"},
        {"score_work_capacity": "beaucoup"},
        {"score_debts": "2", "comment_work_capacity": "x" * 501},
    ],
)
def test_a_refused_work_capacity_names_its_dimension_with_its_percent_sign(client_for, orp_counsellor, services, data):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    response = client_for(orp_counsellor).post(
        reverse("cases:assessment_new", args=[case.reference]), {"assessed_on": _date(1), **data}
    )

    assert response.status_code == 200
    assert "« Capacité de travail (%) » : " in response.content.decode()
    assert not Assessment.objects.exists()
