"""Internships and training programmes: recorded by CNIP staff, pseudonymous, coherent dates and outcomes.

Bad input gets a French error and changes nothing; a stale edit is refused; every change is audited; editing
an internship never depends on the label's editions.
"""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import Edition, EditionStatus, Internship, TrainingProgramme
from labels.services.internships import StaleInternship, internship_create, internship_update, programme_create
from tests.labels.factories import InternshipFactory, PartnerCompanyFactory, TrainingProgrammeFactory

pytestmark = pytest.mark.django_db


def _details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "company": overrides.pop("company", None) or PartnerCompanyFactory(),
        "intern_pseudonym": "Stagiaire A",
        "programme": overrides.pop("programme", None) or TrainingProgrammeFactory(),
        "starts_on": dt.date(2020, 2, 3),
        "ends_on": dt.date(2020, 5, 29),
        "finished": True,
        "employed_on_last_day": True,
        "coaching_notes": "Bonne intégration dans l'équipe.",
    }
    return {**details, **overrides}


def _current(internship: Internship, **overrides: Any) -> dict[str, Any]:
    """The internship's current details (as the edit form shows them), with `overrides`."""
    fields = (
        "company",
        "intern_pseudonym",
        "programme",
        "starts_on",
        "ends_on",
        "finished",
        "employed_on_last_day",
        "coaching_notes",
    )
    return {**{name: getattr(internship, name) for name in fields}, **overrides}


def _messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict.get(field, []))


# -- Programmes ---------------------------------------------------------------------------


def test_cnip_staff_add_a_programme_with_its_code_in_lower_case_and_it_is_audited(cnip_staff):
    programme = programme_create(code=" Logistique ", name="Logistique et magasinage", created_by=cnip_staff)

    assert (programme.code, programme.name, programme.active) == ("logistique", "Logistique et magasinage", True)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="labels.trainingprogramme", object_id=str(programme.pk)
    ).exists()


def test_a_programme_code_already_used_is_refused_in_french(cnip_staff):
    programme_create(code="logistique", name="Logistique", created_by=cnip_staff)

    with pytest.raises(ValidationError) as refused:
        programme_create(code="LOGISTIQUE", name="Autre", created_by=cnip_staff)

    assert _messages(refused.value, "code") == "Une formation porte déjà le code « logistique »."
    assert TrainingProgramme.objects.count() == 1


def test_a_programme_without_code_or_name_is_refused_field_by_field(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        programme_create(code=" ", name="", created_by=cnip_staff)

    assert _messages(refused.value, "code") == "Indiquez le code de la formation."
    assert _messages(refused.value, "name") == "Indiquez le nom de la formation."


def test_a_programme_code_that_is_not_a_slug_is_refused(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        programme_create(code="vente & commerce", name="Vente", created_by=cnip_staff)

    assert "code" in refused.value.message_dict
    assert not TrainingProgramme.objects.exists()


def test_anyone_but_cnip_staff_is_refused_a_programme(outsider):
    with pytest.raises(PermissionDenied):
        programme_create(code="vente", name="Vente", created_by=outsider)

    assert not TrainingProgramme.objects.exists()


# -- Creation -----------------------------------------------------------------------------


def test_cnip_staff_record_a_finished_internship_with_a_hired_intern_and_it_is_audited(cnip_staff):
    internship = internship_create(**_details(intern_pseudonym="  Stagiaire A "), created_by=cnip_staff)

    internship.refresh_from_db()
    assert (internship.intern_pseudonym, internship.finished, internship.employed_on_last_day) == (
        "Stagiaire A",
        True,
        True,
    )
    assert (internship.version, internship.created_by) == (1, cnip_staff)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="labels.internship")
    assert event.object_id == str(internship.pk)
    # Coaching notes stay out of the trail.
    assert "intégration" not in str(event.detail)


def test_a_running_internship_may_end_in_the_future(cnip_staff):
    today = timezone.localdate()

    internship = internship_create(
        **_details(starts_on=today, ends_on=today + dt.timedelta(days=60), finished=False, employed_on_last_day=False),
        created_by=cnip_staff,
    )

    assert internship.finished is False


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "jury_oai"])
def test_anyone_but_cnip_staff_is_refused_and_nothing_is_saved(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        internship_create(**_details(), created_by=user)

    assert not Internship.objects.exists()


def test_an_end_before_the_start_is_refused_in_french(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        internship_create(**_details(starts_on=dt.date(2020, 5, 4), ends_on=dt.date(2020, 5, 1)), created_by=cnip_staff)

    assert (
        _messages(refused.value, "ends_on")
        == "La fin du stage (01.05.2020) ne peut pas précéder son début (04.05.2020)."
    )
    assert not Internship.objects.exists()


def test_an_intern_hired_on_the_last_day_of_an_unfinished_internship_is_refused(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        internship_create(**_details(finished=False, employed_on_last_day=True), created_by=cnip_staff)

    assert _messages(refused.value, "employed_on_last_day") == (
        "Un·e stagiaire ne peut être engagé·e au dernier jour que si le stage est terminé."
    )
    assert not Internship.objects.exists()


def test_a_finished_internship_ending_in_the_future_is_refused(cnip_staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        internship_create(
            **_details(starts_on=tomorrow - dt.timedelta(days=30), ends_on=tomorrow, finished=True),
            created_by=cnip_staff,
        )

    assert "Un stage terminé ne peut pas finir dans le futur" in _messages(refused.value, "ends_on")
    assert not Internship.objects.exists()


def test_a_new_internship_in_an_inactive_company_is_refused(cnip_staff):
    company = PartnerCompanyFactory(name="Ancienne Scierie", active=False)

    with pytest.raises(ValidationError) as refused:
        internship_create(**_details(company=company), created_by=cnip_staff)

    assert _messages(refused.value, "company") == (
        "L'entreprise « Ancienne Scierie » n'est plus active : elle ne reçoit pas de nouveau stage."
    )
    assert not Internship.objects.exists()


def test_a_new_internship_in_a_programme_no_longer_offered_is_refused(cnip_staff):
    programme = TrainingProgrammeFactory(name="Ancienne formation", active=False)

    with pytest.raises(ValidationError) as refused:
        internship_create(**_details(programme=programme), created_by=cnip_staff)

    assert "n'est plus proposée" in _messages(refused.value, "programme")


@pytest.mark.parametrize("pseudonym", ["", "   "])
def test_an_empty_pseudonym_is_refused(cnip_staff, pseudonym):
    with pytest.raises(ValidationError) as refused:
        internship_create(**_details(intern_pseudonym=pseudonym), created_by=cnip_staff)

    assert _messages(refused.value, "intern_pseudonym") == "Indiquez le pseudonyme du ou de la stagiaire."
    assert not Internship.objects.exists()


@pytest.mark.parametrize("pseudonym", ["756.9217.0769.85", "7569217076985"])
def test_an_avs_number_is_refused_as_a_pseudonym(cnip_staff, pseudonym):
    with pytest.raises(ValidationError) as refused:
        internship_create(**_details(intern_pseudonym=pseudonym), created_by=cnip_staff)

    assert "ne doit pas être un numéro AVS" in _messages(refused.value, "intern_pseudonym")
    assert not Internship.objects.exists()


def test_every_error_of_the_form_is_reported_at_once(cnip_staff):
    with pytest.raises(ValidationError) as refused:
        internship_create(
            **_details(
                intern_pseudonym="",
                starts_on=dt.date(2020, 5, 4),
                ends_on=dt.date(2020, 5, 1),
                finished=False,
                employed_on_last_day=True,
            ),
            created_by=cnip_staff,
        )

    assert set(refused.value.message_dict) == {"intern_pseudonym", "ends_on", "employed_on_last_day"}


# -- Update -------------------------------------------------------------------------------


def test_an_update_records_the_actual_end_and_the_outcome_increments_the_version_and_is_audited(cnip_staff):
    internship = InternshipFactory(ends_on=dt.date(2020, 6, 30), finished=False)

    updated = internship_update(
        internship=internship,
        **_current(internship, ends_on=dt.date(2020, 6, 12), finished=True, employed_on_last_day=True),
        expected_version=1,
        changed_by=cnip_staff,
    )

    updated.refresh_from_db()
    assert (updated.ends_on, updated.finished, updated.employed_on_last_day, updated.version) == (
        dt.date(2020, 6, 12),
        True,
        True,
        2,
    )
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(internship.pk))
    assert event.detail["changed"] == ["employed_on_last_day", "ends_on", "finished"]


def test_an_update_that_changes_nothing_keeps_the_version(cnip_staff):
    internship = InternshipFactory()

    internship_update(internship=internship, **_current(internship), expected_version=1, changed_by=cnip_staff)

    internship.refresh_from_db()
    assert internship.version == 1
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE).exists()


def test_an_update_from_a_stale_version_is_refused_and_the_other_edit_is_kept(cnip_staff):
    internship = InternshipFactory(coaching_notes="")
    internship_update(
        internship=internship,
        **_current(internship, coaching_notes="Premier bilan."),
        expected_version=1,
        changed_by=cnip_staff,
    )

    with pytest.raises(StaleInternship) as refused:
        internship_update(
            internship=internship,
            **_current(internship, coaching_notes="Autre bilan."),
            expected_version=1,
            changed_by=cnip_staff,
        )

    assert "modifié par quelqu'un d'autre" in str(refused.value)
    internship.refresh_from_db()
    assert (internship.coaching_notes, internship.version) == ("Premier bilan.", 2)


def test_an_update_with_an_end_before_the_start_is_refused_and_nothing_changes(cnip_staff):
    internship = InternshipFactory()

    with pytest.raises(ValidationError):
        internship_update(
            internship=internship,
            **_current(internship, ends_on=internship.starts_on - dt.timedelta(days=1)),
            expected_version=1,
            changed_by=cnip_staff,
        )

    internship.refresh_from_db()
    assert (internship.ends_on, internship.version) == (dt.date(2020, 3, 27), 1)


def test_an_internship_stays_editable_after_its_company_became_inactive(cnip_staff):
    internship = InternshipFactory(company=PartnerCompanyFactory(active=False))

    internship_update(
        internship=internship,
        **_current(internship, coaching_notes="Bilan final."),
        expected_version=1,
        changed_by=cnip_staff,
    )

    internship.refresh_from_db()
    assert internship.coaching_notes == "Bilan final."


def test_moving_an_internship_to_an_inactive_company_is_refused(cnip_staff):
    internship = InternshipFactory()
    closed = PartnerCompanyFactory(active=False)

    with pytest.raises(ValidationError) as refused:
        internship_update(
            internship=internship, **_current(internship, company=closed), expected_version=1, changed_by=cnip_staff
        )

    assert "n'est plus active" in _messages(refused.value, "company")
    internship.refresh_from_db()
    assert internship.company_id != closed.pk


def test_an_internship_of_a_published_edition_stays_editable(cnip_staff):
    Edition.objects.create(
        year=2020,
        period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2020, 12, 31),
        status=EditionStatus.PUBLISHED,
        published_at=timezone.now(),
        created_by=cnip_staff,
    )
    internship = InternshipFactory(starts_on=dt.date(2020, 3, 2), ends_on=dt.date(2020, 8, 28), finished=True)

    internship_update(
        internship=internship,
        **_current(internship, employed_on_last_day=True),
        expected_version=1,
        changed_by=cnip_staff,
    )

    internship.refresh_from_db()
    assert (internship.employed_on_last_day, internship.version) == (True, 2)


def test_anyone_but_cnip_staff_is_refused_an_update_and_nothing_changes(oai_counsellor):
    internship = InternshipFactory(coaching_notes="")

    with pytest.raises(PermissionDenied):
        internship_update(
            internship=internship,
            **_current(internship, coaching_notes="Changé."),
            expected_version=1,
            changed_by=oai_counsellor,
        )

    internship.refresh_from_db()
    assert (internship.coaching_notes, internship.version) == ("", 1)
