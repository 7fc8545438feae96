"""Corrective measures: requested, followed until done, escalated to the GP CII only when they change the contract."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import CorrectiveMeasure
from measures.services.corrective import (
    StaleCorrectiveMeasure,
    corrective_measure_decide,
    corrective_measure_escalate,
    corrective_measure_request,
    corrective_measure_update,
)
from tests.measures.factories import MeasureFactory, ProviderFactory

pytestmark = pytest.mark.django_db

Status = CorrectiveMeasure.Status


def _request(user, *, changes_contract: bool = False, **kwargs) -> CorrectiveMeasure:  # type: ignore[no-untyped-def]
    measure = MeasureFactory()
    values = {
        "provider": measure.provider,
        "measure": measure,
        "description": "Raccourcir le délai d'admission.",
        "changes_contract": changes_contract,
        "requested_on": dt.date(2026, 3, 2),
        "due_on": dt.date(2026, 5, 29),
        "requested_by": user,
    } | kwargs
    return corrective_measure_request(**values)


def test_a_member_requests_a_correction_and_follows_it_until_done(coordination_member):
    corrective = _request(coordination_member)

    progress = corrective_measure_update(
        corrective=corrective,
        expected_version=1,
        follow_up="Entretiens regroupés le mardi.",
        status=Status.IN_PROGRESS,
        updated_by=coordination_member,
    )
    done = corrective_measure_update(
        corrective=progress,
        expected_version=2,
        follow_up="Délai moyen ramené à 8 jours.",
        status=Status.DONE,
        updated_by=coordination_member,
    )

    assert done.status == Status.DONE
    assert done.version == 3
    assert done.follow_up == "Délai moyen ramené à 8 jours."
    events = AuditEvent.objects.filter(object_type="measures.correctivemeasure", object_id=str(corrective.pk))
    assert list(events.order_by("id").values_list("action", flat=True)) == [
        AuditAction.CREATE,
        AuditAction.CHANGE,
        AuditAction.CHANGE,
    ]


def test_it_refuses_a_due_date_before_the_request_and_a_measure_of_another_provider(coordination_member):
    other = ProviderFactory(name="Autre prestataire")

    with pytest.raises(ValidationError) as refused:
        _request(coordination_member, provider=other, due_on=dt.date(2026, 3, 1))

    assert set(refused.value.message_dict) == {"measure", "due_on"}
    assert not CorrectiveMeasure.objects.exists()


def test_escalation_is_refused_when_the_correction_does_not_change_the_contract(coordination_member):
    corrective = _request(coordination_member, changes_contract=False)

    with pytest.raises(ValidationError, match="modifie la convention"):
        corrective_measure_escalate(corrective=corrective, expected_version=1, escalated_by=coordination_member)

    corrective.refresh_from_db()
    assert corrective.status == Status.REQUESTED
    assert corrective.escalated_at is None


def test_a_correction_that_changes_the_contract_is_escalated_then_decided_by_the_gp_cii(
    coordination_member, gp_cii_member
):
    corrective = _request(coordination_member, changes_contract=True)

    escalated = corrective_measure_escalate(corrective=corrective, expected_version=1, escalated_by=coordination_member)
    assert escalated.status == Status.ESCALATED
    assert escalated.escalated_at is not None

    decided = corrective_measure_decide(
        corrective=escalated,
        expected_version=2,
        decision="Avenant accepté : prix par place relevé dès le 1er juillet.",
        decided_by=gp_cii_member,
    )
    assert decided.status == Status.DECIDED
    assert decided.gp_decision.startswith("Avenant accepté")
    assert AuditEvent.objects.filter(actor=gp_cii_member, object_id=str(corrective.pk)).exists()


@pytest.mark.parametrize("persona", ["coordination_member", "orp_counsellor", "platform_admin"])
def test_a_decision_is_refused_to_anyone_outside_the_gp_cii(request, coordination_member, persona):
    corrective = _request(coordination_member, changes_contract=True)
    corrective_measure_escalate(corrective=corrective, expected_version=1, escalated_by=coordination_member)

    with pytest.raises(PermissionDenied):
        corrective_measure_decide(
            corrective=corrective, expected_version=2, decision="Accepté.", decided_by=request.getfixturevalue(persona)
        )

    corrective.refresh_from_db()
    assert corrective.status == Status.ESCALATED
    assert corrective.gp_decision == ""


def test_the_gp_cii_decides_only_escalated_corrections(coordination_member, gp_cii_member):
    corrective = _request(coordination_member, changes_contract=True)

    with pytest.raises(ValidationError, match="soumise au GP CII"):
        corrective_measure_decide(corrective=corrective, expected_version=1, decision="Oui.", decided_by=gp_cii_member)


def test_a_correction_that_changes_the_contract_cannot_be_closed_as_done(coordination_member):
    corrective = _request(coordination_member, changes_contract=True)

    with pytest.raises(ValidationError, match="soumettez-la au GP CII"):
        corrective_measure_update(
            corrective=corrective,
            expected_version=1,
            follow_up="Fait.",
            status=Status.DONE,
            updated_by=coordination_member,
        )


def test_it_refuses_a_stale_follow_up_and_anyone_outside_the_group(coordination_member, gp_cii_member):
    corrective = _request(coordination_member)
    corrective_measure_update(
        corrective=corrective,
        expected_version=1,
        follow_up="Premier suivi.",
        status=Status.IN_PROGRESS,
        updated_by=coordination_member,
    )

    with pytest.raises(StaleCorrectiveMeasure, match="modifiée par quelqu'un d'autre"):
        corrective_measure_update(
            corrective=corrective,
            expected_version=1,
            follow_up="Suivi parallèle.",
            status=Status.IN_PROGRESS,
            updated_by=coordination_member,
        )
    with pytest.raises(PermissionDenied):
        _request(gp_cii_member)
    corrective.refresh_from_db()
    assert corrective.follow_up == "Premier suivi."
