"""The case summary for a network meeting: what the requester may see, read at render time with their rights."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import Task
from cases.reports import case_summary
from cases.services.action_plans import goal_create, task_create
from cases.services.assessments import ScoreInput, assessment_record
from cases.services.consents import consent_revoke
from cases.services.journal import journal_entry_create
from cases.services.meetings import meeting_record
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.registry import ReportUnavailable
from cii_platform.reports.services import report_job_request
from tests.cases.referrals import propose
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _shared_case(orp_counsellor, services):  # type: ignore[no-untyped-def]
    """A SEMP case shared with the OAI on the person's consent; returns the case and the consent."""
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    return case, consent


def _request(user, case, capture, *, execute: bool = True) -> ReportJob:  # type: ignore[no-untyped-def]
    with capture(execute=execute):
        job = report_job_request(kind=ReportKind.CASE_SUMMARY, parameters={"case": str(case.pk)}, requested_by=user)
    job.refresh_from_db()
    return job


def test_the_lead_services_caseworker_gets_the_case_with_its_network_entries_and_the_avs_masked(
    orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks, job_pdf_text
):
    case, _consent = _shared_case(orp_counsellor, services)
    journal_entry_create(case=case, author=orp_counsellor, text="Bilan partagé avec le réseau", visibility="network")
    journal_entry_create(case=case, author=oai_counsellor, text="Note interne de l'OAI", visibility="service")

    job = _request(orp_counsellor, case, django_capture_on_commit_callbacks)

    assert job.status == ReportStatus.DONE
    text = job_pdf_text(job)
    assert case.reference in text
    assert "Bilan partagé avec le réseau" in text
    assert "Note interne de l'OAI" not in text
    assert case.person.full_name in text
    assert case.person.avs_masked in text
    assert case.person.avs_number not in text
    assert "Consentement exprès" in text  # the basis of the participating service
    assert "Page 1 sur" in text


def test_the_invited_service_reads_its_own_service_entries_but_not_the_lead_services(
    orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks, job_pdf_text
):
    case, _consent = _shared_case(orp_counsellor, services)
    journal_entry_create(case=case, author=orp_counsellor, text="Note interne de l'ORP", visibility="service")
    journal_entry_create(case=case, author=oai_counsellor, text="Note interne de l'OAI", visibility="service")

    text = job_pdf_text(_request(oai_counsellor, case, django_capture_on_commit_callbacks))

    assert "Note interne de l'OAI" in text
    assert "Note interne de l'ORP" not in text


def test_it_holds_the_grid_the_open_tasks_with_their_delay_the_meetings_and_the_referrals(
    orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks, job_pdf_text
):
    case, _consent = _shared_case(orp_counsellor, services)
    assessment_record(
        case=case,
        author=orp_counsellor,
        assessed_on=timezone.localdate(),
        scores={"debts": ScoreInput(3), "work_capacity": ScoreInput(60)},
    )
    goal = goal_create(case=case, title="Retrouver un emploi à temps partiel", created_by=orp_counsellor)
    late = task_create(
        case=case,
        title="Demander le rapport du médecin",
        assigned_service=services["oai"],
        due_on=timezone.localdate(),
        created_by=orp_counsellor,
        goal=goal,
    )
    Task.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=4))
    done = task_create(
        case=case,
        title="Tâche déjà faite",
        assigned_service=services["semp"],
        due_on=timezone.localdate(),
        created_by=orp_counsellor,
        goal=goal,
    )
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, done_on=timezone.localdate())
    meeting_record(
        case=case,
        held_on=timezone.localdate(),
        services=[services["semp"], services["oai"]],
        decisions="Stage d'évaluation au CNIP dès le mois prochain.",
        recorded_by=orp_counsellor,
    )
    propose(case, services["saso"], orp_counsellor, reason="Situation financière à examiner.")

    text = " ".join(job_pdf_text(_request(orp_counsellor, case, django_capture_on_commit_callbacks)).split())

    assert "Retrouver un emploi à temps partiel" in text
    assert "Demander le rapport du médecin" in text
    assert "en retard (4 jours)" in text
    assert "Tâche déjà faite" not in text
    assert "60 %" in text
    assert "Stage d'évaluation au CNIP" in text
    assert "Service de l'action sociale" in text
    assert "Situation financière à examiner." in text


def test_the_render_reads_the_case_with_the_requesters_rights_and_audits_it(
    orp_counsellor, services, django_capture_on_commit_callbacks
):
    case, _consent = _shared_case(orp_counsellor, services)
    reads_before = AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(case.pk)).count()

    job = _request(orp_counsellor, case, django_capture_on_commit_callbacks)

    read = AuditEvent.objects.filter(action=AuditAction.READ, object_type="cases.casefile", object_id=str(case.pk))
    assert read.count() == reads_before + 1
    event = read.order_by("-id").first()
    assert event is not None
    assert event.actor == orp_counsellor
    assert event.person_id == str(case.person_id)
    assert event.legal_basis == "Service pilote du dossier"
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, object_id=str(job.pk))
    assert export.person_id == str(case.person_id)
    assert job.parameters == {"case": str(case.pk), "reference": case.reference, "person": str(case.person_id)}


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "data_protection_officer", "gp_cii_member"])
def test_it_refuses_anyone_whose_service_does_not_see_the_case(
    request, orp_counsellor, services, django_capture_on_commit_callbacks, persona
):
    case, _consent = _shared_case(orp_counsellor, services)
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        _request(user, case, django_capture_on_commit_callbacks)

    assert not ReportJob.objects.exists()


def test_a_summary_rendered_after_the_consent_was_revoked_fails_in_french_without_content(
    orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks
):
    case, consent = _shared_case(orp_counsellor, services)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = report_job_request(
            kind=ReportKind.CASE_SUMMARY, parameters={"case": str(case.pk)}, requested_by=oai_counsellor
        )
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    callbacks[0]()  # the worker renders it now

    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert "vous n'avez plus accès" in job.error
    assert not job.result


def test_building_the_content_for_a_requester_who_lost_the_case_raises_report_unavailable(
    orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks
):
    case, consent = _shared_case(orp_counsellor, services)
    job = _request(oai_counsellor, case, django_capture_on_commit_callbacks, execute=False)
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    with pytest.raises(ReportUnavailable, match="plus accès à ce dossier"):
        case_summary.build_context(job)


def test_the_job_is_visible_only_while_the_requester_sees_the_case(
    orp_counsellor, oai_counsellor, services, django_capture_on_commit_callbacks
):
    case, consent = _shared_case(orp_counsellor, services)
    parameters = case_summary.clean_parameters({"case": str(case.pk)})

    before = case_summary.may_see_job(oai_counsellor, parameters)
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)
    del oai_counsellor._access_group_ids  # a new request reads the groups again

    assert before is True
    assert case_summary.may_see_job(oai_counsellor, parameters) is False
    assert case_summary.may_see_job(orp_counsellor, parameters) is True
    assert case_summary.may_see_job(orp_counsellor, {"case": "abc"}) is False


def test_it_refuses_an_unknown_case_or_parameter(orp_counsellor, services):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        case_summary.clean_parameters({"case": "999999"})
    with pytest.raises(ValidationError):
        case_summary.clean_parameters({"case": "1", "person": "2", "sql": "1=1"})


def test_the_file_name_holds_the_reference_and_no_name(orp_counsellor, services, django_capture_on_commit_callbacks):
    case, _consent = _shared_case(orp_counsellor, services)

    job = _request(orp_counsellor, case, django_capture_on_commit_callbacks, execute=False)

    name = case_summary.filename(job)
    assert name == f"resume-seance-reseau-{case.reference}-{job.pk}.pdf"
    assert case.person.last_name not in name
