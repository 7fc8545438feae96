"""Accepting a referral: a shared handling is the invitation; a hand-over moves the lead and keeps every row."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseFile, CaseFileGroupObjectPermission, Participation, Referral
from cases.services.consents import consent_revoke
from cases.services.participations import consent_access_ends_at
from cases.services.referrals import referral_accept
from cii_platform.access import Capability, access_can
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.referrals import propose
from tests.cases.sharing import invite_on_consent, record_consent
from tests.factories import open_case

pytestmark = pytest.mark.django_db


def _open(case, service):
    return Participation.objects.get(case=case, service=service, ended_at__isnull=True)


def test_accepting_a_shared_handling_invites_the_target_on_the_referral_s_basis(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    referral = propose(case, services["oai"], orp_counsellor, consent=consent)

    referral_accept(referral=referral, accepted_by=oai_counsellor)

    referral.refresh_from_db()
    assert (referral.status, referral.answered_by) == ("accepted", oai_counsellor)
    participation = _open(case, services["oai"])
    assert (participation.role, participation.caseworker, participation.consent) == (
        "participant",
        oai_counsellor,
        consent,
    )
    assert access_can(user=oai_counsellor, obj=case)
    assert not access_can(user=oai_counsellor, obj=case, capability=Capability.CHANGE)
    accepted = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.referral")
    assert (accepted.actor, accepted.detail["status"]) == (oai_counsellor, "accepted")


def test_an_acceptance_after_the_consent_was_revoked_is_refused_and_changes_nothing(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    referral = propose(case, services["oai"], orp_counsellor, consent=consent)
    consent_revoke(case=case, consent=consent, revoked_by=orp_counsellor)

    with pytest.raises(ValidationError) as error:
        referral_accept(referral=referral, accepted_by=oai_counsellor)

    assert "révoqué" in error.value.messages[0]
    referral.refresh_from_db()
    assert referral.status == "pending"
    assert not access_can(user=oai_counsellor, obj=case)


@pytest.mark.parametrize("persona", ["ssr_social_worker", "orp_counsellor", "cnip_staff"])
def test_only_a_caseworker_of_the_target_service_accepts(request, orp_counsellor, services, persona):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)

    with pytest.raises(PermissionDenied):
        referral_accept(referral=referral, accepted_by=request.getfixturevalue(persona))

    referral.refresh_from_db()
    assert referral.status == "pending"


def test_a_referral_is_answered_once(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["oai"], orp_counsellor)
    referral_accept(referral=referral, accepted_by=oai_counsellor)

    with pytest.raises(ValidationError) as error:
        referral_accept(referral=referral, accepted_by=oai_counsellor)

    assert "n'attend plus de réponse" in error.value.messages[0]


def test_a_hand_over_makes_the_target_the_lead_and_the_former_lead_a_reader_on_the_consent(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    until = timezone.localdate() + dt.timedelta(days=90)
    consent = record_consent(case, orp_counsellor, [services["oai"]], valid_until=until)
    referral = propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER, consent=consent)
    version = case.version

    referral_accept(referral=referral, accepted_by=oai_counsellor)

    case = CaseFile.objects.get(pk=case.pk)
    assert (case.lead_service, case.case_manager, case.version) == (services["oai"], oai_counsellor, version + 1)
    rows = list(Participation.objects.filter(case=case).order_by("id").values_list("service__code", "role", "ended_at"))
    assert [(code, role, ended is not None) for code, role, ended in rows] == [
        ("semp", "lead", True),
        ("oai", "lead", False),
        ("semp", "participant", False),
    ]
    former = _open(case, services["semp"])
    assert (former.consent, former.caseworker) == (consent, orp_counsellor)
    assert access_can(user=oai_counsellor, obj=case, capability=Capability.CHANGE)
    assert access_can(user=orp_counsellor, obj=case)
    assert not access_can(user=orp_counsellor, obj=case, capability=Capability.CHANGE)
    view = CaseFileGroupObjectPermission.objects.get(
        content_object=case, group=services["semp"].permission_group, permission__codename="view_casefile"
    )
    assert view.expires_at == consent_access_ends_at(until)
    lead_view = CaseFileGroupObjectPermission.objects.get(
        content_object=case, group=services["oai"].permission_group, permission__codename="view_casefile"
    )
    assert (lead_view.legal_basis, lead_view.expires_at) == ("Service pilote du dossier", None)


def test_a_hand_over_to_a_participating_service_ends_its_participation_and_keeps_the_row(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    consent = record_consent(case, orp_counsellor, [services["oai"]])
    invite_on_consent(case, services["oai"], orp_counsellor, consent)
    referral = propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER, consent=consent)

    referral_accept(referral=referral, accepted_by=oai_counsellor)

    assert Participation.objects.filter(case=case).count() == 4
    assert _open(case, services["oai"]).role == "lead"
    assert not Participation.objects.filter(case=case, service=services["oai"], role="participant", ended_at=None)


def test_a_hand_over_on_an_article_of_law_leaves_the_former_lead_reading_until_withdrawn_and_asks_to_inform(
    orp_counsellor, ssr_social_worker, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral = propose(case, services["saso"], orp_counsellor, kind=Referral.Kind.HANDOVER, basis="laci-97a")

    referral_accept(referral=referral, accepted_by=ssr_social_worker)

    former = _open(case, services["semp"])
    assert (former.legal_basis.code, former.consent, former.person_informed_at) == ("laci-97a", None, None)
    view = CaseFileGroupObjectPermission.objects.get(
        content_object=case, group=services["semp"].permission_group, permission__codename="view_casefile"
    )
    assert (view.legal_basis, view.expires_at) == ("art. 97a LACI (communication de données)", None)


def test_a_hand_over_withdraws_what_the_former_lead_still_proposed_and_counts_as_a_transfer(
    orp_counsellor, oai_counsellor, services
):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    other = propose(case, services["saso"], orp_counsellor, basis="lasoc-28")
    referral = propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER)
    points = CaseFile.objects.get(pk=case.pk).priority_points

    referral_accept(referral=referral, accepted_by=oai_counsellor)

    other.refresh_from_db()
    assert other.status == "withdrawn"
    assert CaseFile.objects.get(pk=case.pk).priority_points == points + 2
    changed = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="cases.casefile", object_id=str(case.pk))
    assert changed.detail["lead_service"] == ["semp", "oai"]
    assert changed.legal_basis == "art. 68bis LAI (collaboration interinstitutionnelle)"


def test_the_new_lead_may_now_share_and_the_former_lead_may_not(orp_counsellor, oai_counsellor, services):
    case = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
    referral_accept(
        referral=propose(case, services["oai"], orp_counsellor, kind=Referral.Kind.HANDOVER), accepted_by=oai_counsellor
    )
    case = CaseFile.objects.get(pk=case.pk)

    with pytest.raises(PermissionDenied):
        propose(case, services["saso"], orp_counsellor, basis="lasoc-28")
    onwards = propose(case, services["saso"], oai_counsellor, basis="lai-68bis", kind=Referral.Kind.HANDOVER)

    assert onwards.from_service == services["oai"]
