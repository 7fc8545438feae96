"""Revoking consent: every access resting on it ends at once; the history stays; it is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Consent, Participation
from cases.services.consents import consent_revoke
from cases.services.participations import participation_invite
from cii_platform.access import access_can
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.sharing import invite_on_consent, law, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_revoking_ends_the_participations_on_the_consent_and_withdraws_their_access_at_once(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    participation = invite_on_consent(case, services["oai"], orp_counsellor, consent)
    assert access_can(user=oai_counsellor, obj=case)

    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor, note="Retrait oral le 12.03.2026")

    assert not access_can(user=oai_counsellor, obj=case)
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert (consent.revoked_by, consent.revocation_note) == (orp_counsellor, "Retrait oral le 12.03.2026")
    participation.refresh_from_db()
    assert participation.ended_at == consent.revoked_at  # the row stays, as history
    assert access_can(user=orp_counsellor, obj=case)  # the lead service keeps its case


def test_revoking_is_audited_with_the_person_and_the_access_it_ended(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)

    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor, note="Par courrier")

    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.consent", object_id=str(consent.pk))
    assert change.person_id == str(case.person_id)
    assert change.detail["participations_ended"] == [f"{case.reference}:oai"]
    assert AuditEvent.objects.filter(
        action=AuditAction.PERMISSION_REVOKE, object_id=str(case.pk), detail__service="oai"
    ).exists()


def test_revoking_ends_the_access_in_every_case_of_the_person_resting_on_that_consent(
    orp_counsellor, oai_counsellor, services
):
    first = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    second = open_case(lead_service=services["semp"], opened_by=orp_counsellor, person=first.person)
    consent = record_consent(first, orp_counsellor, [services["oai"]])
    invite_on_consent(first, services["oai"], orp_counsellor, consent)
    invite_on_consent(second, services["oai"], orp_counsellor, consent)

    consent_revoke(case=first, consent=consent, revoked_by=orp_counsellor)

    assert not access_can(user=oai_counsellor, obj=first)
    assert not access_can(user=oai_counsellor, obj=second)


def test_revoking_leaves_an_exchange_authorised_by_law_untouched(orp_counsellor, ssr_social_worker, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    by_law = participation_invite(
        case=case, service=services["saso"], invited_by=orp_counsellor, legal_basis=law("laci-85f")
    )

    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    by_law.refresh_from_db()
    assert by_law.ended_at is None
    assert access_can(user=ssr_social_worker, obj=case)


def test_it_refuses_to_revoke_twice(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)
    first_revocation = Consent.objects.get(pk=consent.pk).revoked_at

    with pytest.raises(ValidationError, match="déjà été révoqué"):
        consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    assert Consent.objects.get(pk=consent.pk).revoked_at == first_revocation


def test_it_refuses_a_consent_of_another_person(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    other_case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(other_case, orp_counsellor, [services["oai"]])

    with pytest.raises(ValidationError, match="ne concerne pas la personne"):
        consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    assert Consent.objects.get(pk=consent.pk).revoked_at is None


def test_only_a_caseworker_of_the_lead_service_may_revoke(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)

    with pytest.raises(PermissionDenied):
        consent_revoke(case=case, consent=consent, revoked_by=oai_counsellor)

    assert Consent.objects.get(pk=consent.pk).revoked_at is None
    assert Participation.objects.filter(case=case, service=services["oai"], ended_at__isnull=True).exists()
