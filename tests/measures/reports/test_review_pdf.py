"""The yearly review of a measure as a PDF on the reports pipeline: figures, assessment, proposal; frozen once final."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.registry import report_definition
from cii_platform.reports.services import report_job_request
from measures.models import Placement, YearlyReview
from measures.reports import clean_parameters
from measures.services.reviews import yearly_review_finalise, yearly_review_save
from tests.measures.factories import measure_with_places
from tests.measures.review_builders import year_2025_placements

pytestmark = pytest.mark.django_db


def _review(user) -> YearlyReview:  # type: ignore[no-untyped-def]
    measure = measure_with_places(year=2025, places={"professional": 10}, name="Atelier horlogerie Littoral")
    year_2025_placements(measure, by=user)
    return yearly_review_save(
        measure=measure,
        year=2025,
        assessment="Les modules reconnus par la branche facilitent les sorties.",
        prospects="Ouvrir deux places au public NE-ESO.",
        proposed_places=12,
        proposed_budget=Decimal("345600.00"),
        expected_version=None,
        saved_by=user,
    )


def _request(user, review, capture) -> ReportJob:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        job = report_job_request(
            kind=ReportKind.MEASURE_REVIEW, parameters={"review": str(review.pk)}, requested_by=user
        )
    job.refresh_from_db()
    return job


def test_the_pdf_holds_the_measure_its_figures_the_assessment_and_the_proposal(
    coordination_member, django_capture_on_commit_callbacks, job_pdf_text
):
    review = _review(coordination_member)

    job = _request(coordination_member, review, django_capture_on_commit_callbacks)

    assert job.status == ReportStatus.DONE
    text = " ".join(job_pdf_text(job).split())
    assert "Atelier horlogerie Littoral" in text
    assert "Brouillon" in text
    assert "CHF 22'500.00" in text  # cost
    assert "CHF 2'250.00" in text  # cost per place
    assert "CHF 11'250.00" in text  # cost per positive exit
    assert "10.4 %" in text  # occupancy
    assert "emploi sur le premier marché" in text
    assert "Les modules reconnus par la branche facilitent les sorties." in text
    assert "Ouvrir deux places au public NE-ESO." in text
    assert "CHF 345'600.00" in text
    assert "Page 1 sur" in text
    assert job.parameters == {"review": str(review.pk), "measure": review.measure.code, "year": "2025"}
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(job.pk)).exists()
    assert (
        report_definition(ReportKind.MEASURE_REVIEW).filename(job) == f"bilan-{review.measure.code}-2025-{job.pk}.pdf"
    )


def test_the_pdf_of_a_final_review_shows_the_frozen_figures_after_a_placement_edit(
    coordination_member, django_capture_on_commit_callbacks, job_pdf_text
):
    review = _review(coordination_member)
    yearly_review_finalise(review=review, expected_version=1, finalised_by=coordination_member)
    Placement.objects.filter(measure=review.measure, status=Placement.Status.ACTIVE, starts_on__year=2025).update(
        price_per_month=Decimal("9000.00")
    )

    text = " ".join(job_pdf_text(_request(coordination_member, review, django_capture_on_commit_callbacks)).split())

    assert "CHF 22'500.00" in text
    assert "Bilan validé" in text


@pytest.mark.parametrize("persona", ["outsider", "data_protection_officer", "platform_admin", "cnip_staff"])
def test_it_refuses_anyone_who_may_not_read_the_reviews(
    request, coordination_member, django_capture_on_commit_callbacks, persona
):
    review = _review(coordination_member)

    with pytest.raises(PermissionDenied):
        _request(request.getfixturevalue(persona), review, django_capture_on_commit_callbacks)

    assert not ReportJob.objects.exists()


def test_the_gp_cii_and_caseworkers_may_read_it(
    coordination_member, gp_cii_member, orp_counsellor, django_capture_on_commit_callbacks
):
    review = _review(coordination_member)

    for user in (gp_cii_member, orp_counsellor):
        assert _request(user, review, django_capture_on_commit_callbacks).status == ReportStatus.DONE


def test_unknown_parameters_and_reviews_are_refused():
    with pytest.raises(ValidationError, match="Bilan inconnu"):
        clean_parameters({"review": "999999"})
    with pytest.raises(ValidationError, match="Paramètres inconnus"):
        clean_parameters({"review": "1", "person": "3"})


def test_a_review_deleted_before_the_rendering_fails_in_french(coordination_member, django_capture_on_commit_callbacks):
    review = _review(coordination_member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = report_job_request(
            kind=ReportKind.MEASURE_REVIEW, parameters={"review": str(review.pk)}, requested_by=coordination_member
        )
    YearlyReview.objects.filter(pk=review.pk).delete()

    callbacks[0]()

    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert "n'existe plus" in job.error
    assert not job.result
