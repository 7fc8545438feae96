"""Writing and validating yearly reviews: members only, stale edits refused, final reviews frozen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import Placement, YearlyReview
from measures.selectors.reviews import yearly_review_figures_shown
from measures.services.reviews import StaleYearlyReview, yearly_review_finalise, yearly_review_save
from tests.measures.factories import measure_with_places
from tests.measures.review_builders import placement, year_2025_placements

pytestmark = pytest.mark.django_db


def _save(measure, user, *, version=None, **changes):  # type: ignore[no-untyped-def]
    values = {
        "assessment": "Bonne année.",
        "prospects": "Maintenir le volume.",
        "proposed_places": 12,
        "proposed_budget": Decimal("250000.00"),
    } | changes
    return yearly_review_save(measure=measure, year=2025, expected_version=version, saved_by=user, **values)


def test_a_member_writes_a_draft_and_the_write_is_audited(coordination_member):
    measure = measure_with_places(year=2025)

    review = _save(measure, coordination_member)

    assert review.status == YearlyReview.Status.DRAFT
    assert review.version == 1
    assert review.proposed_budget == Decimal("250000.00")
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="measures.yearlyreview")
    assert event.actor == coordination_member
    assert event.detail["proposed_budget"] == "250000.00"

    again = _save(measure, coordination_member, version=1, assessment="Appréciation revue.")
    assert again.version == 2
    assert again.assessment == "Appréciation revue."
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, object_id=str(review.pk)).count() == 1


def test_it_refuses_a_stale_version_and_keeps_the_other_members_text(coordination_member):
    measure = measure_with_places(year=2025)
    _save(measure, coordination_member)
    _save(measure, coordination_member, version=1, assessment="Texte du premier membre.")

    with pytest.raises(StaleYearlyReview, match="modifié par quelqu'un d'autre"):
        _save(measure, coordination_member, version=1, assessment="Texte du second membre.")
    with pytest.raises(StaleYearlyReview):
        _save(measure, coordination_member, version=None, assessment="Formulaire ouvert vide.")

    assert YearlyReview.objects.get().assessment == "Texte du premier membre."


@pytest.mark.parametrize("persona", ["orp_counsellor", "gp_cii_member", "outsider"])
def test_it_refuses_anyone_outside_the_coordination_group(request, persona):
    measure = measure_with_places(year=2025)

    with pytest.raises(PermissionDenied):
        _save(measure, request.getfixturevalue(persona))

    assert not YearlyReview.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"proposed_budget": Decimal("-1")}, "proposed_budget"), ({"proposed_places": -2}, "proposed_places")],
)
def test_it_refuses_a_negative_proposal_in_french_and_saves_nothing(coordination_member, changes, field):
    measure = measure_with_places(year=2025)

    with pytest.raises(ValidationError) as refused:
        _save(measure, coordination_member, **changes)

    assert "négati" in refused.value.message_dict[field][0]
    assert not YearlyReview.objects.exists()


def test_it_refuses_a_measure_that_is_not_mixed_and_a_year_to_come(coordination_member):
    single = measure_with_places(year=2025, is_mixed=False)
    mixed = measure_with_places(year=2025)

    with pytest.raises(ValidationError, match="mesure mixte"):
        _save(single, coordination_member)
    with pytest.raises(ValidationError, match="année à venir"):
        yearly_review_save(
            measure=mixed,
            year=timezone.localdate().year + 1,
            assessment="",
            prospects="",
            proposed_places=None,
            proposed_budget=None,
            expected_version=None,
            saved_by=coordination_member,
        )
    assert not YearlyReview.objects.exists()


def test_a_final_review_keeps_its_figures_when_a_placement_is_corrected_later(coordination_member):
    measure = measure_with_places(year=2025, places={"professional": 10})
    placements = year_2025_placements(measure, by=coordination_member)
    review = _save(measure, coordination_member)

    final = yearly_review_finalise(review=review, expected_version=1, finalised_by=coordination_member)
    # Corrections after the validation: an earlier exit and a new placement of 2025.
    Placement.objects.filter(pk=placements[2].pk).update(
        status=Placement.Status.ENDED, ended_on=dt.date(2025, 7, 31), exit_reason="health"
    )
    placement(measure, by=coordination_member, starts_on=dt.date(2025, 3, 1), planned_end_on=dt.date(2025, 12, 31))

    final.refresh_from_db()
    assert final.status == YearlyReview.Status.FINAL
    assert final.figures["placements"] == 4
    assert final.figures["cost"] == "22500.00"
    assert final.figures["exits_by_reason"]["health"] == 0
    assert yearly_review_figures_shown(review=final) == final.figures
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, object_id=str(review.pk)).exists()


def test_a_draft_shows_live_figures(coordination_member):
    measure = measure_with_places(year=2025)
    review = _save(measure, coordination_member)

    placement(measure, by=coordination_member, starts_on=dt.date(2025, 1, 1), planned_end_on=dt.date(2025, 1, 31))

    assert yearly_review_figures_shown(review=review)["placements"] == 1


def test_a_final_review_can_no_longer_be_edited_or_validated_again(coordination_member):
    measure = measure_with_places(year=2025)
    review = _save(measure, coordination_member)
    yearly_review_finalise(review=review, expected_version=1, finalised_by=coordination_member)

    with pytest.raises(ValidationError, match="validé"):
        _save(measure, coordination_member, version=2, assessment="Après coup.")
    with pytest.raises(ValidationError, match="validé"):
        yearly_review_finalise(review=review, expected_version=2, finalised_by=coordination_member)
    assert YearlyReview.objects.get().assessment == "Bonne année."


def test_it_refuses_to_validate_a_review_without_assessment_or_by_someone_else(coordination_member, gp_cii_member):
    measure = measure_with_places(year=2025)
    review = _save(measure, coordination_member, assessment="  ")

    with pytest.raises(ValidationError, match="appréciation"):
        yearly_review_finalise(review=review, expected_version=1, finalised_by=coordination_member)
    with pytest.raises(PermissionDenied):
        yearly_review_finalise(review=review, expected_version=1, finalised_by=gp_cii_member)
    with pytest.raises(StaleYearlyReview):
        yearly_review_finalise(review=review, expected_version=7, finalised_by=coordination_member)
    review.refresh_from_db()
    assert review.status == YearlyReview.Status.DRAFT
    assert review.figures == {}
