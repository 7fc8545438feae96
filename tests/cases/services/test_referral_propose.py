"""Proposing a referral: the lead service only, with a reason and a legal basis, the target seeing nothing yet."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Referral
from cases.services.consents import consent_revoke
from cii_platform.access import access_can
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.referrals import close, propose
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_the_lead_proposes_a_shared_handling_on_a_consent_and_the_target_still_sees_nothing(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])

    referral = propose(case, services["oai"], orp_counsellor, consent=consent)

    assert (referral.status, referral.kind, referral.from_service, referral.to_service) == (
        "pending",
        "share",
        services["semp"],
        services["oai"],
    )
    assert (referral.legal_basis.code, referral.consent) == ("consent", consent)
    assert not access_can(user=oai_counsellor, obj=case)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.referral")
    assert (event.person_id, event.legal_basis) == (str(case.person_id), "Consentement exprès de la personne")
    assert event.detail["to"] == "oai"


def test_a_proposal_may_rest_on_an_article_of_law(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    referral = propose(case, services["saso"], orp_counsellor, kind=Referral.Kind.HANDOVER, basis="laci-97a")

    assert (referral.kind, referral.legal_basis.code, referral.consent) == ("handover", "laci-97a", None)


def test_a_proposal_without_a_basis_is_refused_in_french_and_saves_nothing(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        propose(case, services["oai"], orp_counsellor, basis=None)

    assert "base légale" in error.value.messages[0]
    assert not Referral.objects.exists()


def test_a_consent_must_cover_the_target_and_be_in_force(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    for_oai = record_consent(case, orp_counsellor, [services["oai"]])
    revoked = record_consent(case, orp_counsellor, [services["saso"]])
    consent_revoke(case=case, consent=revoked, revoked_by=orp_counsellor)

    with pytest.raises(ValidationError) as not_covered:
        propose(case, services["saso"], orp_counsellor, consent=for_oai)
    with pytest.raises(ValidationError) as withdrawn:
        propose(case, services["saso"], orp_counsellor, consent=revoked)

    assert "ne couvre pas" in not_covered.value.messages[0]
    assert "révoqué" in withdrawn.value.messages[0]
    assert not Referral.objects.exists()


@pytest.mark.parametrize("persona", ["oai_counsellor", "coordination_member", "ssr_social_worker"])
def test_only_a_caseworker_of_the_lead_service_proposes(request, orp_counsellor, oai_counsellor, services, persona):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    # Even a participating service asks the lead instead of proposing itself.
    invite_on_consent(case, services["oai"], orp_counsellor, record_consent(case, orp_counsellor, [services["oai"]]))

    with pytest.raises(PermissionDenied):
        propose(case, services["saso"], request.getfixturevalue(persona), basis="lasoc-28")

    assert not Referral.objects.exists()


def test_a_shared_handling_is_not_proposed_to_a_service_already_taking_part_but_a_hand_over_is(
    orp_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)

    with pytest.raises(ValidationError) as error:
        propose(case, services["oai"], orp_counsellor, consent=consent)
    handover = propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER, consent=consent)

    assert "participe déjà" in error.value.messages[0]
    assert handover.status == "pending"


def test_the_same_proposal_cannot_wait_twice_nor_two_hand_overs_at_once(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    propose(case, services["oai"], orp_counsellor)
    propose(case, services["saso"], orp_counsellor, kind=Referral.Kind.HANDOVER, basis="lasoc-28")

    with pytest.raises(ValidationError) as duplicate:
        propose(case, services["oai"], orp_counsellor)
    with pytest.raises(ValidationError) as second_handover:
        propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER)

    assert "attend déjà" in duplicate.value.messages[0]
    assert "déjà proposée" in second_handover.value.messages[0]
    assert Referral.objects.count() == 2


def test_it_refuses_a_closed_case_the_lead_itself_and_an_empty_reason(orp_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)

    with pytest.raises(ValidationError) as to_itself:
        propose(case, services["semp"], orp_counsellor)
    with pytest.raises(ValidationError) as no_reason:
        propose(case, services["oai"], orp_counsellor, reason="  ")
    close(case)
    with pytest.raises(ValidationError) as closed:
        propose(case, services["oai"], orp_counsellor)

    assert "autre service que le service pilote" in to_itself.value.messages[0]
    assert no_reason.value.message_dict["reason"] == ["Indiquez le motif de la proposition."]
    assert "clôturé" in closed.value.messages[0]
    assert not Referral.objects.exists()
