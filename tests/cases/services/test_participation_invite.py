"""Inviting a service: only on a recorded legal basis; a consent must be in force and cover the service."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseFileGroupObjectPermission, Participation
from cases.services.consents import consent_revoke
from cases.services.participations import (
    consent_access_ends_at,
    participation_end,
    participation_invite,
    participation_record_person_informed,
)
from cii_platform.access import Capability, access_can
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, law, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")


def _grants(case, service):
    return CaseFileGroupObjectPermission.objects.filter(content_object=case, group=service.permission_group)


def _participants(case):
    return Participation.objects.filter(case=case, role=Participation.Role.PARTICIPANT)


def test_a_consent_gives_the_invited_service_a_view_until_the_end_of_its_last_day_in_neuchatel(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    until = timezone.localdate() + dt.timedelta(days=30)
    consent = record_consent(case, orp_counsellor, [services["oai"]], valid_until=until)

    participation = invite_on_consent(case, services["oai"], orp_counsellor, consent)

    assert (participation.role, participation.consent, participation.legal_basis.code) == (
        Participation.Role.PARTICIPANT,
        consent,
        "consent",
    )
    grant = _grants(case, services["oai"]).get()
    assert grant.permission.codename == "view_casefile"
    assert grant.legal_basis == "Consentement exprès de la personne"
    assert grant.expires_at == dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=ZURICH)
    assert access_can(user=oai_counsellor, obj=case)
    assert not access_can(user=oai_counsellor, obj=case, capability=Capability.CHANGE)


def test_the_end_of_a_consent_day_is_midnight_in_neuchatel_in_summer_and_in_winter():
    summer = consent_access_ends_at(dt.date(2026, 7, 14))
    winter = consent_access_ends_at(dt.date(2026, 1, 14))

    assert summer.isoformat() == "2026-07-15T00:00:00+02:00"
    assert winter.isoformat() == "2026-01-15T00:00:00+01:00"


def test_an_invitation_without_any_basis_is_refused_and_changes_nothing(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as error:
        participation_invite(case=case, service=services["oai"], invited_by=orp_counsellor)

    assert "base légale" in error.value.messages[0]
    assert not _participants(case).exists()
    assert not _grants(case, services["oai"]).exists()
    assert not access_can(user=oai_counsellor, obj=case)
    assert AuditEvent.objects.count() == events_before


def test_the_consent_basis_without_a_consent_is_refused(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError, match="choisissez le consentement"):
        participation_invite(case=case, service=services["oai"], invited_by=orp_counsellor, legal_basis=law("consent"))

    assert not _participants(case).exists()


def test_an_expired_consent_is_refused(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    expired = record_consent(
        case,
        orp_counsellor,
        [services["oai"]],
        signed_on=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )

    with pytest.raises(ValidationError, match="n'est pas valable aujourd'hui"):
        invite_on_consent(case, services["oai"], orp_counsellor, expired)

    assert not _participants(case).exists()
    assert not _grants(case, services["oai"]).exists()


def test_a_revoked_consent_is_refused(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    with pytest.raises(ValidationError, match="révoqué"):
        invite_on_consent(case, services["oai"], orp_counsellor, consent)

    assert not _participants(case).exists()


def test_a_consent_that_does_not_name_the_service_is_refused(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])

    with pytest.raises(ValidationError, match="ne couvre pas"):
        invite_on_consent(case, services["saso"], orp_counsellor, consent)

    assert not _participants(case).exists()


def test_a_consent_of_another_person_is_refused(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(other, orp_counsellor, [services["oai"]])

    with pytest.raises(ValidationError, match="ne concerne pas la personne"):
        invite_on_consent(case, services["oai"], orp_counsellor, consent)

    assert not _participants(case).exists()


def test_a_consent_recorded_by_another_lead_service_must_name_this_lead_service_too(
    orp_counsellor, ssr_social_worker, services
):
    semp_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    saso_case = open_case(lead_service=services["saso"], opened_by=ssr_social_worker, person=semp_case.person)
    consent = record_consent(semp_case, orp_counsellor, [services["oai"]])  # SEMP and OAI only

    with pytest.raises(ValidationError, match="ne couvre pas"):
        invite_on_consent(saso_case, services["oai"], ssr_social_worker, consent)


def test_an_article_of_law_opens_the_case_without_end_and_asks_to_inform_the_person(
    orp_counsellor, ssr_social_worker, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    participation = participation_invite(
        case=case, service=services["saso"], invited_by=orp_counsellor, legal_basis=law("laci-85f")
    )

    assert participation.consent is None
    assert participation.person_informed_at is None
    grant = _grants(case, services["saso"]).get()
    assert grant.expires_at is None
    assert grant.legal_basis == "art. 85f LACI (collaboration interinstitutionnelle)"
    assert access_can(user=ssr_social_worker, obj=case)
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.participation")
    assert (created.legal_basis, created.person_id) == (grant.legal_basis, str(case.person_id))


def test_recording_that_the_person_was_informed_is_kept_and_audited(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    participation = participation_invite(
        case=case, service=services["oai"], invited_by=orp_counsellor, legal_basis=law("lai-68bis")
    )

    participation_record_person_informed(participation=participation, informed_by=orp_counsellor)

    participation.refresh_from_db()
    assert participation.person_informed_at is not None
    event = AuditEvent.objects.get(
        action=AuditAction.CHANGE, object_type="cases.participation", object_id=str(participation.pk)
    )
    assert event.detail["person_informed"] is True
    assert event.legal_basis == "art. 68bis LAI (collaboration interinstitutionnelle)"
    assert event.person_id == str(case.person_id)
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        participation_record_person_informed(participation=participation, informed_by=orp_counsellor)


def test_the_person_may_be_recorded_as_informed_with_the_invitation(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    participation = participation_invite(
        case=case,
        service=services["oai"],
        invited_by=orp_counsellor,
        legal_basis=law("lai-68bis"),
        person_informed=True,
    )

    assert participation.person_informed_at is not None


def test_a_consent_based_participation_needs_no_information_afterwards(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    participation = invite_on_consent(case, services["oai"], orp_counsellor, consent)

    with pytest.raises(ValidationError, match="consentement"):
        participation_record_person_informed(participation=participation, informed_by=orp_counsellor)


def test_a_service_already_taking_part_is_not_invited_twice(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)

    with pytest.raises(ValidationError, match="participe déjà"):
        participation_invite(case=case, service=services["oai"], invited_by=orp_counsellor, legal_basis=law())
    with pytest.raises(ValidationError, match="participe déjà"):
        participation_invite(case=case, service=services["semp"], invited_by=orp_counsellor, legal_basis=law())

    assert _participants(case).count() == 1


def test_a_renewed_consent_replaces_a_lapsed_one_and_keeps_the_old_participation(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    today = timezone.localdate()
    old = record_consent(case, orp_counsellor, [services["oai"]], signed_on=today - dt.timedelta(days=30))
    first = invite_on_consent(case, services["oai"], orp_counsellor, old)
    # Time passes: the old consent reached its end yesterday.
    type(old).objects.filter(pk=old.pk).update(valid_until=today - dt.timedelta(days=1))
    new = record_consent(case, orp_counsellor, [services["oai"]])

    second = invite_on_consent(case, services["oai"], orp_counsellor, new)

    first.refresh_from_db()
    assert first.ended_at is not None
    assert second.consent == new and second.ended_at is None
    assert _grants(case, services["oai"]).get().expires_at == consent_access_ends_at(new.valid_until)
    assert access_can(user=oai_counsellor, obj=case)


def test_the_caseworker_must_work_for_the_invited_service(orp_counsellor, ssr_social_worker, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        participation_invite(
            case=case,
            service=services["oai"],
            invited_by=orp_counsellor,
            legal_basis=law(),
            caseworker=ssr_social_worker,
        )

    assert "caseworker" in error.value.message_dict
    assert not _participants(case).exists()


def test_an_inactive_article_of_law_is_refused(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    basis = law("lse-35a")
    basis.active = False
    basis.save(update_fields=["active"])

    with pytest.raises(ValidationError, match="n'est plus en vigueur"):
        participation_invite(case=case, service=services["oai"], invited_by=orp_counsellor, legal_basis=basis)


def test_only_a_caseworker_of_the_lead_service_may_invite(oai_counsellor, coordination_member, services):
    case = open_case(lead_service=services["semp"], opened_by=None)

    for user in (oai_counsellor, coordination_member):
        with pytest.raises(PermissionDenied):
            participation_invite(case=case, service=services["saso"], invited_by=user, legal_basis=law())

    assert not _participants(case).exists()


def test_ending_a_participation_withdraws_the_access_at_once_and_keeps_the_row(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    participation = participation_invite(
        case=case, service=services["oai"], invited_by=orp_counsellor, legal_basis=law()
    )

    participation_end(participation=participation, ended_by=orp_counsellor, reason="Fin de la mesure AI")

    assert not access_can(user=oai_counsellor, obj=case)
    participation.refresh_from_db()
    assert participation.ended_at is not None
