"""Loans of places: one delegate proposes, the other sector's delegate answers; the lender lends only unused places.

Unused places = the lender's budget places − its placements in the measure during the period − the
places it already lends in agreed loans over the period.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.audit.models import AuditAction, AuditEvent
from measures.models import PlaceLoan, Placement, Sector
from measures.services.budgets import place_loan_answer, place_loan_cancel, place_loan_propose
from tests.measures.budget_builders import closed_year, delegate, open_year, placement
from tests.measures.factories import budget, measure_with_places

pytestmark = pytest.mark.django_db

SPRING = (dt.date(2026, 3, 1), dt.date(2026, 5, 31))


@pytest.fixture
def measure(coordination_member):  # type: ignore[no-untyped-def]
    """A measure where SMIG buys 4 places and SAS 2 in 2026."""
    measure = measure_with_places(year=2026, places={"professional": 10})
    for sector, places in ((Sector.SMIG, 4), (Sector.SAS, 2)):
        budget(measure=measure, year=2026, sector=sector, places=places, amount=Decimal("1.00"), by=coordination_member)
    return measure


@pytest.fixture
def smig(make_account):  # type: ignore[no-untyped-def]
    return delegate(make_account, "smig")


@pytest.fixture
def sas(make_account):  # type: ignore[no-untyped-def]
    return delegate(make_account, "saso")


def _propose(user, measure, places: int = 2, period=SPRING, lender=Sector.SMIG, borrower=Sector.SAS):  # type: ignore[no-untyped-def]
    return place_loan_propose(
        year=2026,
        measure=measure,
        from_sector=lender,
        to_sector=borrower,
        places=places,
        starts_on=period[0],
        ends_on=period[1],
        proposed_by=user,
    )


def test_the_lender_proposes_and_the_borrower_agrees_so_both_agreements_are_recorded(measure, smig, sas):
    loan = _propose(smig, measure)

    agreed = place_loan_answer(loan=loan, agree=True, answered_by=sas)

    assert agreed.status == PlaceLoan.Status.AGREED
    assert (agreed.proposed_by, agreed.answered_by) == (smig, sas)
    assert agreed.answered_at is not None
    actions = list(
        AuditEvent.objects.filter(object_type="measures.placeloan").order_by("id").values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE, AuditAction.CHANGE]


def test_the_borrower_may_propose_and_the_lender_then_answers(measure, smig, sas):
    loan = _propose(sas, measure)

    refused = place_loan_answer(loan=loan, agree=False, answered_by=smig)

    assert refused.status == PlaceLoan.Status.REFUSED
    assert refused.answered_by == smig


def test_the_proposer_cannot_answer_their_own_proposal(measure, smig):
    loan = _propose(smig, measure)

    with pytest.raises(PermissionDenied):
        place_loan_answer(loan=loan, agree=True, answered_by=smig)

    loan.refresh_from_db()
    assert loan.status == PlaceLoan.Status.PROPOSED


def test_a_delegate_of_neither_sector_can_neither_propose_nor_answer(measure, smig, coordination_member):
    with pytest.raises(PermissionDenied):
        _propose(coordination_member, measure)
    loan = _propose(smig, measure)
    with pytest.raises(PermissionDenied):
        place_loan_answer(loan=loan, agree=True, answered_by=coordination_member)

    assert PlaceLoan.objects.get().status == PlaceLoan.Status.PROPOSED


def test_a_sector_cannot_lend_more_than_its_unused_places(measure, smig, orp_counsellor, services):
    placement(
        measure=measure,
        sector=Sector.SMIG,
        service=services["smig"],
        by=orp_counsellor,
        starts_on=dt.date(2026, 1, 1),
        planned_end_on=dt.date(2026, 4, 30),
    )

    with pytest.raises(ValidationError) as refused:
        _propose(smig, measure, places=4)

    assert refused.value.message_dict["places"] == [
        f"Le secteur SMIG (migration) n'a que 3 place(s) inutilisée(s) dans « {measure.name} » du 01.03.2026 "
        "au 31.05.2026 : il ne peut pas en prêter 4."
    ]
    assert not PlaceLoan.objects.exists()


def test_a_placement_ended_before_the_period_and_a_cancelled_one_use_no_place(measure, smig, orp_counsellor, services):
    ended, cancelled = (
        placement(
            measure=measure,
            sector=Sector.SMIG,
            service=services["smig"],
            by=orp_counsellor,
            starts_on=dt.date(2026, 1, 1),
            planned_end_on=dt.date(2026, 12, 31),
        )
        for _ in range(2)
    )
    ended.status, ended.ended_on, ended.exit_reason = Placement.Status.ENDED, dt.date(2026, 2, 1), "planned_end"
    ended.save(update_fields=["status", "ended_on", "exit_reason"])
    cancelled.status = Placement.Status.CANCELLED
    cancelled.save(update_fields=["status"])

    assert _propose(smig, measure, places=4).places == 4


def test_places_already_lent_in_an_agreed_loan_are_not_lent_twice(measure, smig, sas, make_account):
    place_loan_answer(loan=_propose(smig, measure, places=3), agree=True, answered_by=sas)

    with pytest.raises(ValidationError):
        _propose(smig, measure, places=2, borrower=Sector.LACI)
    later = _propose(smig, measure, places=4, period=(dt.date(2026, 6, 1), dt.date(2026, 8, 31)))

    assert later.places == 4


def test_an_agreement_checks_again_that_the_places_are_still_unused(measure, smig, sas, coordination_member):
    first = _propose(smig, measure, places=3)
    second = _propose(coordination_member, measure, places=3, borrower=Sector.LACI)
    place_loan_answer(loan=first, agree=True, answered_by=sas)

    with pytest.raises(ValidationError):
        place_loan_answer(loan=second, agree=True, answered_by=smig)

    second.refresh_from_db()
    assert second.status == PlaceLoan.Status.PROPOSED


def test_an_answered_loan_cannot_be_answered_again(measure, smig, sas):
    loan = place_loan_answer(loan=_propose(smig, measure), agree=False, answered_by=sas)

    with pytest.raises(ValidationError) as refused:
        place_loan_answer(loan=loan, agree=True, answered_by=sas)

    assert "a déjà reçu une réponse" in " ".join(refused.value.messages)


def test_a_loan_ending_before_it_starts_or_outside_its_year_is_refused(measure, smig):
    with pytest.raises(ValidationError) as backwards:
        _propose(smig, measure, period=(dt.date(2026, 5, 1), dt.date(2026, 4, 1)))
    with pytest.raises(ValidationError) as outside:
        _propose(smig, measure, period=(dt.date(2026, 12, 1), dt.date(2027, 1, 31)))
    with pytest.raises(ValidationError) as itself:
        _propose(smig, measure, borrower=Sector.SMIG)

    assert backwards.value.message_dict["ends_on"] == [
        "La fin du prêt (01.04.2026) ne peut pas précéder son début (01.05.2026)."
    ]
    assert outside.value.message_dict["ends_on"] == ["Le prêt doit tenir dans l'année budgétaire 2026."]
    assert "ne se prête pas de places à lui-même" in " ".join(itself.value.messages)
    assert not PlaceLoan.objects.exists()


def test_no_loan_in_a_closed_year(measure, smig):
    closed_year(2026)

    with pytest.raises(ValidationError) as refused:
        _propose(smig, measure)

    assert "est clôturée" in " ".join(refused.value.messages)
    assert not PlaceLoan.objects.exists()


def test_the_proposer_withdraws_a_waiting_loan_but_the_other_side_cannot(measure, smig, sas):
    loan = _propose(smig, measure)

    with pytest.raises(PermissionDenied):
        place_loan_cancel(loan=loan, cancelled_by=sas)
    cancelled = place_loan_cancel(loan=loan, cancelled_by=smig)

    assert cancelled.status == PlaceLoan.Status.CANCELLED


def test_a_loan_between_two_sectors_of_one_service_is_answered_by_that_services_delegate(coordination_member):
    open_year(2026)
    measure = measure_with_places(year=2026)
    budget(measure=measure, year=2026, sector=Sector.LACI, places=5, amount=Decimal("1.00"), by=coordination_member)

    loan = _propose(coordination_member, measure, lender=Sector.LACI, borrower=Sector.MIP)

    assert place_loan_answer(loan=loan, agree=True, answered_by=coordination_member).status == PlaceLoan.Status.AGREED


def test_the_loan_remembers_the_side_that_proposed_it_even_if_the_proposer_changes_service(
    measure, smig, sas, services
):
    from cii_platform.accounts.services import account_set_service

    loan = _propose(smig, measure)
    assert loan.proposer_sector == Sector.SMIG
    account_set_service(user=smig, service=services["saso"], office=None, changed_by=None)
    smig.refresh_from_db()

    with pytest.raises(PermissionDenied):  # now speaking for SAS, they still may not withdraw a SMIG proposal
        place_loan_cancel(loan=loan, cancelled_by=smig)
    agreed = place_loan_answer(loan=loan, agree=True, answered_by=sas)
    assert agreed.status == PlaceLoan.Status.AGREED
