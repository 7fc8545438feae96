"""Referral API: listed as on the case page, proposed by the lead, answered by the target, 404 for the rest."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseFile, Referral
from cases.services.referrals import referral_withdraw
from cii_platform.access import Capability, access_can
from cii_platform.audit.models import AuditAction, AuditEvent
from tests.cases.referrals import propose
from tests.factories import open_case

pytestmark = pytest.mark.django_db

MISSING = "CII-2026-99999"


def _url(case: CaseFile, referral_id: int | None = None, step: str = "") -> str:
    url = f"/api/cases/{case.reference}/referrals/"
    if referral_id is not None:
        url += f"{referral_id}/"
    return url + (f"{step}/" if step else "")


def _statuses() -> list[tuple[int, str]]:
    return list(Referral.objects.order_by("id").values_list("id", "status"))


def test_the_lead_lists_the_referrals_with_their_reasons_and_a_participant_without(
    client_for, orp_counsellor, oai_counsellor, shared_case, services
):
    referral = propose(shared_case, services["smig"], orp_counsellor, reason="Permis F : programme OSAS ?")

    by_lead = client_for(orp_counsellor).get(_url(shared_case))
    by_participant = client_for(oai_counsellor).get(_url(shared_case))

    assert by_lead.status_code == by_participant.status_code == 200
    lead_row = by_lead.json()["results"][0]
    assert (lead_row["id"], lead_row["kind"], lead_row["status"]) == (referral.pk, "share", "pending")
    assert (lead_row["from_service"], lead_row["to_service"]) == ("semp", "smig")
    assert (lead_row["reason"], lead_row["show_reason"], lead_row["can_withdraw"]) == (
        "Permis F : programme OSAS ?",
        True,
        True,
    )
    participant_row = by_participant.json()["results"][0]
    assert (participant_row["reason"], participant_row["show_reason"]) == ("", False)
    assert "programme OSAS" not in by_participant.content.decode()
    assert client_for(oai_counsellor).get(_url(shared_case, referral.pk)).json()["reason"] == ""


@pytest.mark.parametrize("persona", ["ssr_social_worker", "outsider", "platform_admin"])
def test_a_service_the_consent_does_not_cover_gets_404_everywhere_and_nothing_changes(
    request, client_for, orp_counsellor, shared_case, services, persona, post_json
):
    referral = propose(shared_case, services["smig"], orp_counsellor)
    client = client_for(request.getfixturevalue(persona))

    for url in (_url(shared_case), _url(shared_case, referral.pk)):
        forbidden, missing = client.get(url), client.get(url.replace(shared_case.reference, MISSING))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json()
    for step in ("accept", "refuse", "withdraw"):
        assert post_json(client, _url(shared_case, referral.pk, step), {"refusal_reason": "Non"}).status_code == 404
    proposal = {"kind": "share", "to_service": "sfpo", "reason": "x", "legal_basis": "lai-68bis"}
    assert post_json(client, _url(shared_case), proposal).status_code == 404
    assert _statuses() == [(referral.pk, "pending")]


def test_the_invited_service_gets_404_as_soon_as_the_consent_is_revoked(
    client_for, oai_counsellor, orp_counsellor, shared_case, services, revoke_consent
):
    referral = propose(shared_case, services["smig"], orp_counsellor)
    client = client_for(oai_counsellor)
    assert client.get(_url(shared_case)).status_code == 200

    revoke_consent(shared_case)

    assert client.get(_url(shared_case)).status_code == 404
    assert client.get(_url(shared_case, referral.pk)).status_code == 404


def test_the_lead_proposes_a_shared_handling_on_an_article_of_law(client_for, orp_counsellor, shared_case, post_json):
    response = post_json(
        client_for(orp_counsellor),
        _url(shared_case),
        {"kind": "share", "to_service": "saso", "reason": "Aide sociale à coordonner.", "legal_basis": "lasoc-28"},
    )

    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert (referral.to_service.code, referral.legal_basis.code, referral.created_by) == (
        "saso",
        "lasoc-28",
        orp_counsellor,
    )
    assert response.json()["can_withdraw"] is True
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(referral.pk)).exists()


def test_a_proposal_without_a_basis_answers_400_in_french_and_nothing_is_saved(
    client_for, orp_counsellor, shared_case, post_json
):
    client = client_for(orp_counsellor)

    no_basis = post_json(client, _url(shared_case), {"kind": "share", "to_service": "saso", "reason": "Motif"})
    no_reason = post_json(client, _url(shared_case), {"kind": "share", "to_service": "saso", "reason": ""})

    assert no_basis.status_code == no_reason.status_code == 400
    assert no_basis.json() == {
        "non_field_errors": [
            "Une proposition de transfert ne peut reposer que sur une base légale : le consentement de la "
            "personne ou un article de loi. Rien n'a été transmis."
        ]
    }
    assert no_reason.json() == {"reason": ["Indiquez le motif de la proposition."]}
    assert not Referral.objects.exists()


def test_a_participating_service_that_may_only_read_gets_404_on_proposing_like_on_the_page(
    client_for, oai_counsellor, shared_case, post_json
):
    response = post_json(
        client_for(oai_counsellor),
        _url(shared_case),
        {"kind": "share", "to_service": "saso", "reason": "x", "legal_basis": "lai-68bis"},
    )

    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_the_target_service_accepts_without_seeing_the_case_before_and_then_sees_it(
    client_for, orp_counsellor, smig_counsellor, shared_case, services, post_json
):
    referral = propose(shared_case, services["smig"], orp_counsellor)
    client = client_for(smig_counsellor)
    assert client.get(_url(shared_case)).status_code == 404

    response = post_json(client, _url(shared_case, referral.pk, "accept"))

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["case"]) == ("accepted", shared_case.reference)
    assert access_can(user=smig_counsellor, obj=shared_case, capability=Capability.VIEW)
    assert client.get(_url(shared_case)).status_code == 200
    assert post_json(client, _url(shared_case, referral.pk, "accept")).status_code == 404  # answered already


def test_a_refusal_needs_a_reason_in_french_and_then_leaves_the_target_without_access(
    client_for, orp_counsellor, smig_counsellor, shared_case, services, post_json
):
    referral = propose(shared_case, services["smig"], orp_counsellor)
    client = client_for(smig_counsellor)

    without = post_json(client, _url(shared_case, referral.pk, "refuse"), {"refusal_reason": " "})
    assert without.status_code == 400
    assert without.json() == {"refusal_reason": ["Indiquez le motif du refus."]}
    assert _statuses() == [(referral.pk, "pending")]

    refused = post_json(client, _url(shared_case, referral.pk, "refuse"), {"refusal_reason": "Pas de place."})

    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["refusal_reason"]) == ("refused", "Pas de place.")
    assert not access_can(user=smig_counsellor, obj=shared_case, capability=Capability.VIEW)
    assert client.get(_url(shared_case)).status_code == 404


def test_only_a_caseworker_of_the_target_answers_the_others_get_404(
    client_for, orp_counsellor, oai_counsellor, shared_case, services, post_json
):
    referral = propose(shared_case, services["smig"], orp_counsellor)

    for user in (orp_counsellor, oai_counsellor):
        assert post_json(client_for(user), _url(shared_case, referral.pk, "accept")).status_code == 404
    assert _statuses() == [(referral.pk, "pending")]


def test_the_lead_withdraws_its_proposal_and_a_participant_may_not(
    client_for, orp_counsellor, oai_counsellor, shared_case, services, post_json
):
    referral = propose(shared_case, services["smig"], orp_counsellor)

    assert post_json(client_for(oai_counsellor), _url(shared_case, referral.pk, "withdraw")).status_code == 404
    assert _statuses() == [(referral.pk, "pending")]
    response = post_json(client_for(orp_counsellor), _url(shared_case, referral.pk, "withdraw"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_withdraw"]) == ("withdrawn", False)


def test_the_list_costs_the_same_queries_for_2_and_for_20_referrals(
    client_for, orp_counsellor, shared_case, services, count_queries
):
    client = client_for(orp_counsellor)

    def propose_and_withdraw(n: int) -> None:
        for _ in range(n):
            referral_withdraw(
                referral=propose(shared_case, services["smig"], orp_counsellor), withdrawn_by=orp_counsellor
            )

    propose_and_withdraw(2)
    with_2 = count_queries(client, _url(shared_case))
    propose_and_withdraw(17)
    propose(shared_case, services["saso"], orp_counsellor, basis="lasoc-28")
    with_20 = count_queries(client, _url(shared_case))

    assert with_2 == with_20


PENDING = "/api/referrals/pending/"


def test_the_target_service_lists_what_it_must_answer_without_the_persons_identity(
    client_for, orp_counsellor, smig_counsellor, shared_case, services
):
    referral = propose(shared_case, services["smig"], orp_counsellor)

    response = client_for(smig_counsellor).get(PENDING)

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["id"], row["case"], row["from_service"], row["overdue"]) == (
        referral.pk,
        shared_case.reference,
        "semp",
        False,
    )
    assert shared_case.person.last_name not in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, actor=smig_counsellor, object_type="cases.referral"
    ).exists()


@pytest.mark.parametrize("persona", ["orp_counsellor", "oai_counsellor", "coordination_member", "outsider"])
def test_other_services_and_roles_find_nothing_to_answer(
    request, client_for, orp_counsellor, shared_case, services, persona
):
    propose(shared_case, services["smig"], orp_counsellor)

    response = client_for(request.getfixturevalue(persona)).get(PENDING)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_pending_list_costs_the_same_queries_for_one_and_for_several_referrals(
    client_for, orp_counsellor, smig_counsellor, ssr_social_worker, shared_case, services
):
    client = client_for(smig_counsellor)
    propose(shared_case, services["smig"], orp_counsellor)
    with CaptureQueriesContext(connection) as one:
        client.get(PENDING)
    for _ in range(4):
        other = open_case(lead_service=services["semp"], opened_by=orp_counsellor)
        propose(other, services["smig"], orp_counsellor)
    with CaptureQueriesContext(connection) as several:
        assert len(client.get(PENDING).json()["results"]) == 5

    assert len(several) == len(one)
