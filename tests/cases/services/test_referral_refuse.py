"""Refusing a referral (with a reason) and withdrawing one: nothing else changes, the rows stay."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Participation, Referral
from cases.services.referrals import referral_refuse, referral_withdraw
from cii_platform.access import access_can
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.referrals import propose
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_the_target_refuses_with_a_reason_and_never_gets_access(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)

    referral_refuse(referral=referral, refused_by=oai_counsellor, reason="Pas de problématique de santé.")

    referral.refresh_from_db()
    assert (referral.status, referral.refusal_reason, referral.answered_by) == (
        "refused",
        "Pas de problématique de santé.",
        oai_counsellor,
    )
    assert not access_can(user=oai_counsellor, obj=case)
    assert not Participation.objects.filter(case=case, service=services["oai"]).exists()
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.referral")
    assert (event.actor, event.detail["status"]) == (oai_counsellor, "refused")


def test_a_refusal_without_a_reason_is_refused_in_french(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)

    with pytest.raises(ValidationError) as error:
        referral_refuse(referral=referral, refused_by=oai_counsellor, reason="  ")

    assert error.value.message_dict["refusal_reason"] == ["Indiquez le motif du refus."]
    referral.refresh_from_db()
    assert referral.status == "pending"


def test_only_the_target_refuses(orp_counsellor, ssr_social_worker, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)

    with pytest.raises(PermissionDenied):
        referral_refuse(referral=referral, refused_by=ssr_social_worker, reason="Non.")


def test_the_lead_withdraws_a_pending_proposal_and_the_row_stays(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)

    with pytest.raises(PermissionDenied):
        referral_withdraw(referral=referral, withdrawn_by=oai_counsellor)
    referral_withdraw(referral=referral, withdrawn_by=orp_counsellor)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        referral_withdraw(referral=referral, withdrawn_by=orp_counsellor)
