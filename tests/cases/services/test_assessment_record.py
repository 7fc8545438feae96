"""Recording an assessment on the common evaluation grid."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Assessment, AssessmentScore, CaseFile, GridVersion
from cases.services.assessments import ScoreInput, assessment_record
from cii_platform.access import Capability, access_grant
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def test_the_grid_in_force_is_version_1_with_twelve_dimensions(services):
    version = GridVersion.objects.get(is_current=True)

    assert version.number == 1
    assert version.dimensions.count() == 12
    assert version.dimensions.get(code="work_capacity").kind == "percent"


def test_a_caseworker_of_the_lead_service_records_an_assessment_signed_for_their_service(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    assessment = assessment_record(
        case=case,
        author=orp_counsellor,
        assessed_on=_yesterday(),
        summary="  Situation fragile.  ",
        scores={
            "debts": ScoreInput(3, "Poursuites en cours"),
            "work_capacity": ScoreInput(60, "Selon le médecin traitant"),
            "housing": ScoreInput(0),
        },
    )

    assert (assessment.service, assessment.author, assessment.version.number) == (services["semp"], orp_counsellor, 1)
    assert assessment.summary == "Situation fragile."
    scores = {score.dimension.code: score for score in assessment.scores.select_related("dimension")}
    assert set(scores) == {"debts", "work_capacity", "housing"}
    assert (scores["debts"].score, scores["debts"].comment) == (3, "Poursuites en cours")
    assert (scores["work_capacity"].score, scores["work_capacity"].percent) == (None, 60)
    assert scores["housing"].score == 0


def test_the_creation_is_audited_with_the_person_and_the_legal_basis(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    assessment = assessment_record(
        case=case, author=orp_counsellor, assessed_on=_yesterday(), scores={"debts": ScoreInput(2)}
    )

    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.assessment")
    assert event.object_id == str(assessment.pk)
    assert event.person_id == str(case.person_id)
    assert event.actor == orp_counsellor
    assert event.legal_basis == "Service pilote du dossier"
    assert event.detail["scored"] == ["debts"]


def test_a_participating_service_records_its_own_assessment(oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)
    access_grant(service=services["oai"], obj=case, capability=Capability.VIEW, legal_basis="consent", granted_by=None)

    assessment = assessment_record(
        case=case, author=oai_counsellor, assessed_on=_yesterday(), scores={"physical_health": ScoreInput(2)}
    )

    assert assessment.service == services["oai"]


def test_it_refuses_a_caseworker_whose_service_does_not_see_the_case(oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    with pytest.raises(PermissionDenied):
        assessment_record(case=case, author=oai_counsellor, assessed_on=_yesterday(), scores={"debts": ScoreInput(1)})

    assert not Assessment.objects.exists()


def test_it_refuses_a_member_of_the_service_without_the_caseworker_role(coordination_member, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    with pytest.raises(PermissionDenied):
        assessment_record(
            case=case, author=coordination_member, assessed_on=_yesterday(), scores={"debts": ScoreInput(1)}
        )

    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("debts", 4, "« Dettes » : choisissez une cote de 0 à 3, ou laissez vide."),
        ("debts", -1, "« Dettes » : choisissez une cote de 0 à 3, ou laissez vide."),
        (
            "work_capacity",
            101,
            "« Capacité de travail (%) » : indiquez un pourcentage entre 0 et 100, ou laissez vide.",
        ),
    ],
)
def test_it_refuses_a_value_out_of_range_and_saves_nothing(orp_counsellor, services, code, value, message):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        assessment_record(
            case=case,
            author=orp_counsellor,
            assessed_on=_yesterday(),
            scores={"housing": ScoreInput(1), code: ScoreInput(value)},
        )

    assert refused.value.message_dict[code] == [message]
    assert not Assessment.objects.exists()
    assert not AssessmentScore.objects.exists()
    assert not AuditEvent.objects.filter(object_type="cases.assessment").exists()


def test_it_refuses_a_date_in_the_future(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        assessment_record(
            case=case,
            author=orp_counsellor,
            assessed_on=timezone.localdate() + dt.timedelta(days=1),
            scores={"debts": ScoreInput(1)},
        )

    assert refused.value.message_dict["assessed_on"] == ["La date de l'évaluation ne peut pas être dans le futur."]
    assert not Assessment.objects.exists()


def test_it_refuses_an_assessment_without_any_dimension_scored_even_with_comments(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        assessment_record(
            case=case,
            author=orp_counsellor,
            assessed_on=_yesterday(),
            scores={"debts": ScoreInput(None, "À clarifier"), "housing": ScoreInput()},
        )

    assert refused.value.messages == ["Cotez au moins une dimension de la grille."]
    assert not Assessment.objects.exists()


def test_it_refuses_a_dimension_that_is_not_in_the_grid(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        assessment_record(
            case=case,
            author=orp_counsellor,
            assessed_on=_yesterday(),
            scores={"debts": ScoreInput(1), "astrology": ScoreInput(2)},
        )

    assert "astrology" in refused.value.messages[0]
    assert not Assessment.objects.exists()


def test_it_refuses_a_comment_longer_than_500_characters(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as refused:
        assessment_record(
            case=case, author=orp_counsellor, assessed_on=_yesterday(), scores={"debts": ScoreInput(1, "x" * 501)}
        )

    assert "500 caractères" in refused.value.message_dict["debts"][0]
    assert not Assessment.objects.exists()


def test_a_comment_on_a_dimension_left_unscored_is_kept(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    assessment = assessment_record(
        case=case,
        author=orp_counsellor,
        assessed_on=_yesterday(),
        scores={"debts": ScoreInput(2), "mental_health": ScoreInput(None, "Avis médical attendu")},
    )

    kept = assessment.scores.get(dimension__code="mental_health")
    assert (kept.score, kept.percent, kept.comment) == (None, None, "Avis médical attendu")


def test_dimensions_scored_3_in_the_latest_assessment_raise_the_triage_priority(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    assert case.priority_points == 0

    assessment_record(
        case=case,
        author=orp_counsellor,
        assessed_on=_yesterday(),
        scores={"debts": ScoreInput(3), "housing": ScoreInput(3), "family": ScoreInput(2)},
    )
    assert CaseFile.objects.get(pk=case.pk).priority_points == 2

    assessment_record(
        case=case, author=orp_counsellor, assessed_on=timezone.localdate(), scores={"debts": ScoreInput(1)}
    )
    assert CaseFile.objects.get(pk=case.pk).priority_points == 0


def test_recording_an_assessment_does_not_change_the_case_version(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    assessment_record(case=case, author=orp_counsellor, assessed_on=_yesterday(), scores={"debts": ScoreInput(1)})

    # An assessment is not an edit of the case: a form open elsewhere stays valid.
    assert CaseFile.objects.get(pk=case.pk).version == 1
