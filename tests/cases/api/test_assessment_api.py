"""Assessment API: read by every service that sees the case, recorded as on the assessment page."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Assessment, AssessmentScore
from cases.services.assessments import ScoreInput, assessment_record
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _url(case, assessment_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    return f"/api/cases/{case.reference}/assessments/" + (f"{assessment_id}/" if assessment_id is not None else "")


def _assess(case, author, days_ago: int = 1, **values: int) -> Assessment:  # type: ignore[no-untyped-def]
    return assessment_record(
        case=case,
        author=author,
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        scores={code: ScoreInput(value) for code, value in values.items()},
    )


def _day(days_ago: int = 0) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()


def test_the_services_of_the_case_read_its_assessments_with_their_scores(
    client_for, orp_counsellor, oai_counsellor, shared_case
):
    older = _assess(shared_case, orp_counsellor, 3, debts=2)
    newer = _assess(shared_case, oai_counsellor, 1, work_capacity=50)

    response = client_for(oai_counsellor).get(_url(shared_case))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert (rows[1]["service"], rows[1]["author"], rows[1]["assessed_on"]) == ("semp", str(orp_counsellor), _day(3))
    assert rows[1]["scores"] == [
        {
            "dimension": "debts",
            "dimension_label": "Dettes",
            "dimension_kind": "score",
            "score": 2,
            "percent": None,
            "comment": "",
        }
    ]
    assert rows[0]["scores"][0]["percent"] == 50
    detail = client_for(oai_counsellor).get(_url(shared_case, older.pk))
    assert detail.json()["id"] == older.pk


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "gp_cii_member"])
def test_a_service_the_consent_does_not_cover_gets_404_like_a_missing_case_and_scores_nothing(
    request, client_for, orp_counsellor, shared_case, persona, post_json
):
    assessment = _assess(shared_case, orp_counsellor, debts=1)
    client = client_for(request.getfixturevalue(persona))

    for url in (_url(shared_case), _url(shared_case, assessment.pk)):
        forbidden, missing = client.get(url), client.get(url.replace(shared_case.reference, MISSING))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json()
    posted = post_json(client, _url(shared_case), {"assessed_on": _day(), "scores": {"debts": {"value": 3}}})
    assert posted.status_code == 404
    assert Assessment.objects.count() == 1


def test_the_invited_service_gets_404_as_soon_as_the_consent_is_revoked(
    client_for, oai_counsellor, orp_counsellor, shared_case, revoke_consent, post_json
):
    assessment = _assess(shared_case, orp_counsellor, debts=1)
    client = client_for(oai_counsellor)
    assert client.get(_url(shared_case, assessment.pk)).status_code == 200

    revoke_consent(shared_case)

    assert client.get(_url(shared_case)).status_code == 404
    assert client.get(_url(shared_case, assessment.pk)).status_code == 404
    posted = post_json(client, _url(shared_case), {"assessed_on": _day(), "scores": {"debts": {"value": 3}}})
    assert posted.status_code == 404
    assert Assessment.objects.count() == 1


def test_a_participating_caseworker_records_an_assessment_signed_for_its_service(
    client_for, oai_counsellor, shared_case, post_json
):
    response = post_json(
        client_for(oai_counsellor),
        _url(shared_case),
        {
            "assessed_on": _day(1),
            "summary": "Capacité à confirmer par le médecin.",
            "scores": {"debts": {"value": 3, "comment": "Poursuites"}, "work_capacity": {"value": 40}},
        },
    )

    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get()
    assert (assessment.service.code, assessment.author, assessment.summary) == (
        "oai",
        oai_counsellor,
        "Capacité à confirmer par le médecin.",
    )
    assert {score["dimension"]: (score["score"], score["percent"]) for score in response.json()["scores"]} == {
        "debts": (3, None),
        "work_capacity": (None, 40),
    }
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(assessment.pk)).exists()


def test_invalid_scores_answer_400_with_the_french_messages_and_nothing_is_saved(
    client_for, orp_counsellor, shared_case, post_json
):
    response = post_json(
        client_for(orp_counsellor),
        _url(shared_case),
        {
            "assessed_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "scores": {"debts": {"value": 5}, "work_capacity": {"value": 120}, "unknown": {"value": 1}},
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "assessed_on": ["La date de l'évaluation ne peut pas être dans le futur."],
        "non_field_errors": ["Dimensions inconnues dans la grille v1 : unknown."],
        "debts": ["« Dettes » : choisissez une cote de 0 à 3, ou laissez vide."],
        "work_capacity": ["« Capacité de travail (%) » : indiquez un pourcentage entre 0 et 100, ou laissez vide."],
    }
    assert not Assessment.objects.exists()
    assert not AssessmentScore.objects.exists()


def test_an_assessment_with_nothing_scored_is_refused_in_french(client_for, orp_counsellor, shared_case, post_json):
    response = post_json(client_for(orp_counsellor), _url(shared_case), {"assessed_on": _day(), "scores": {}})

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Cotez au moins une dimension de la grille."]}
    assert not Assessment.objects.exists()


def test_a_member_who_sees_the_case_without_the_caseworker_role_gets_403_like_on_the_page(
    client_for, coordination_member, orp_counsellor, shared_case, post_json
):
    _assess(shared_case, orp_counsellor, debts=1)
    client = client_for(coordination_member)

    assert client.get(_url(shared_case)).status_code == 200
    posted = post_json(client, _url(shared_case), {"assessed_on": _day(), "scores": {"debts": {"value": 3}}})

    assert posted.status_code == 403
    assert Assessment.objects.count() == 1


def test_an_assessment_of_another_case_answers_404(client_for, orp_counsellor, shared_case, services):
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    assessment = _assess(other, orp_counsellor, debts=1)

    assert client_for(orp_counsellor).get(_url(shared_case, assessment.pk)).status_code == 404


def test_the_list_costs_the_same_queries_for_2_and_for_20_assessments(
    client_for, orp_counsellor, oai_counsellor, shared_case, count_queries
):
    client = client_for(orp_counsellor)
    for author in (orp_counsellor, oai_counsellor):
        _assess(shared_case, author, debts=2, work_capacity=50)
    with_2 = count_queries(client, _url(shared_case))
    for index in range(18):
        _assess(shared_case, orp_counsellor, index % 5, debts=index % 4, housing=1, mobility=2)
    with_20 = count_queries(client, _url(shared_case))

    assert with_2 == with_20
