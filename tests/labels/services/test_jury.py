"""The jury: seats filled by CNIP staff, recusals, marks by each member for their own seat, approvals."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cii_platform.accounts.models import Role
from cii_platform.audit.models import AuditAction, AuditEvent
from labels.models import (
    Criterion,
    CriterionKind,
    EditionStatus,
    JuryApproval,
    JuryMember,
    JuryScore,
    RankingEntry,
    Recusal,
)
from labels.services.editions import edition_compute_ranking
from labels.services.jury import (
    StaleJuryScore,
    jury_approval_withdraw,
    jury_approve,
    jury_member_remove,
    jury_member_set,
    jury_score_delete,
    jury_score_set,
    recusal_record,
    recusal_withdraw,
)
from tests.labels.edition_builders import company, edition, fresh, full_jury, outcomes, seat, with_the_jury

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(cnip_staff, jury_oai, jury_cnip_council, jury_cnci):  # type: ignore[no-untyped-def]
    """The 2020 edition with one company that hosted interns, a full jury and the first qualitative criterion."""
    host = company("Atelier du Lac")
    outcomes(host, finished=2, hired=1)
    current = edition(cnip_staff, 2020)
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    criterion = Criterion.objects.filter(edition=current, kind=CriterionKind.QUALITATIVE).order_by("position").first()
    return {"edition": fresh(current), "company": host, "members": members, "criterion": criterion}


# --- seats ------------------------------------------------------------------------------------------


def test_cnip_staff_seat_three_members_and_a_seat_takes_one_account(cnip_staff, jury_oai, jury_cnip_council):
    current = edition(cnip_staff, 2020)
    seat(current, cnip_staff, {"oai_ne": jury_oai})

    with pytest.raises(ValidationError) as twice:
        jury_member_set(
            edition=current, seat="cnci", user=jury_oai, expected_version=fresh(current).version, set_by=cnip_staff
        )

    assert twice.value.message_dict["user"] == ["Ce compte siège déjà dans ce jury (représentant·e de l'OAI-NE)."]
    seat(current, cnip_staff, {"cnci": jury_cnip_council})
    assert dict(JuryMember.objects.filter(edition=current).values_list("seat", "user")) == {
        "oai_ne": jury_oai.pk,
        "cnci": jury_cnip_council.pk,
    }


def test_an_account_without_the_jury_role_does_not_sit(cnip_staff, oai_counsellor):
    current = edition(cnip_staff, 2020)

    with pytest.raises(ValidationError) as refused:
        jury_member_set(
            edition=current, seat="oai_ne", user=oai_counsellor, expected_version=current.version, set_by=cnip_staff
        )

    assert "n'a pas le rôle de membre du jury" in refused.value.message_dict["user"][0]
    assert not JuryMember.objects.exists()


@pytest.mark.parametrize("persona", ["jury_oai", "outsider"])
def test_only_cnip_staff_fill_the_seats(persona, request, cnip_staff, jury_cnci):
    current = edition(cnip_staff, 2020)

    with pytest.raises(PermissionDenied):
        jury_member_set(
            edition=current,
            seat="cnci",
            user=jury_cnci,
            expected_version=current.version,
            set_by=request.getfixturevalue(persona),
        )
    assert not JuryMember.objects.exists()


def test_replacing_a_member_takes_their_marks_with_them_and_voids_the_ranking(setting, cnip_staff, make_account):
    members, host, criterion = setting["members"], setting["company"], setting["criterion"]
    jury_score_set(
        member=members["cnci"], criterion=criterion, company=host, score=Decimal("8"), scored_by=members["cnci"].user
    )
    edition_compute_ranking(edition=setting["edition"], computed_by=cnip_staff)
    successor = make_account("jury.cnci2", None, None, (Role.LABEL_JURY,))

    jury_member_set(
        edition=setting["edition"],
        seat="cnci",
        user=successor,
        title="Directeur de la CNCI",
        expected_version=fresh(setting["edition"]).version,
        set_by=cnip_staff,
    )

    assert JuryMember.objects.get(edition=setting["edition"], seat="cnci").user == successor
    assert not JuryScore.objects.exists()
    assert fresh(setting["edition"]).status == EditionStatus.DRAFT
    assert not RankingEntry.objects.exists()


def test_a_seat_is_emptied_by_cnip_staff(setting, cnip_staff):
    jury_member_remove(
        member=setting["members"]["cnci"], expected_version=setting["edition"].version, removed_by=cnip_staff
    )

    assert set(JuryMember.objects.values_list("seat", flat=True)) == {"oai_ne", "cnip_council"}


# --- marks ------------------------------------------------------------------------------------------


def test_a_member_marks_a_company_and_updates_the_mark_against_its_version(setting):
    member, host, criterion = setting["members"]["oai_ne"], setting["company"], setting["criterion"]

    mark = jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("7.5"), scored_by=member.user)
    changed = jury_score_set(
        member=member,
        criterion=criterion,
        company=host,
        score=Decimal("8"),
        comment="Tutrice très présente.",
        expected_version=mark.version,
        scored_by=member.user,
    )
    with pytest.raises(StaleJuryScore):
        jury_score_set(
            member=member,
            criterion=criterion,
            company=host,
            score=Decimal("2"),
            expected_version=mark.version,
            scored_by=member.user,
        )
    with pytest.raises(StaleJuryScore):  # a second "new" mark: someone created it meanwhile
        jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("2"), scored_by=member.user)

    stored = JuryScore.objects.get()
    assert (stored.score, stored.comment, stored.version) == (Decimal("8.00"), "Tutrice très présente.", 2)
    assert changed.pk == mark.pk
    assert AuditEvent.objects.filter(object_type="labels.juryscore", action=AuditAction.CHANGE).count() == 1


def test_a_member_marks_only_for_their_own_seat(setting, cnip_staff):
    member, host, criterion = setting["members"]["oai_ne"], setting["company"], setting["criterion"]

    for intruder in (setting["members"]["cnci"].user, cnip_staff):
        with pytest.raises(PermissionDenied):
            jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("5"), scored_by=intruder)
    assert not JuryScore.objects.exists()


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (Decimal("10.5"), "La note va de 0 à 10, avec deux décimales au plus."),
        (Decimal("-1"), "La note va de 0 à 10, avec deux décimales au plus."),
        (Decimal("5.125"), "La note va de 0 à 10, avec deux décimales au plus."),
    ],
)
def test_a_mark_out_of_range_is_refused(setting, score, message):
    member = setting["members"]["oai_ne"]

    with pytest.raises(ValidationError) as refused:
        jury_score_set(
            member=member,
            criterion=setting["criterion"],
            company=setting["company"],
            score=score,
            scored_by=member.user,
        )

    assert refused.value.message_dict["score"] == [message]


def test_the_jury_marks_only_qualitative_criteria_of_its_edition_and_companies_with_interns(setting, cnip_staff):
    member, host = setting["members"]["oai_ne"], setting["company"]
    quantitative = Criterion.objects.filter(edition=setting["edition"], kind=CriterionKind.QUANTITATIVE).first()
    other_edition = edition(cnip_staff, 2019)
    foreign = Criterion.objects.filter(edition=other_edition, kind=CriterionKind.QUALITATIVE).first()

    for criterion in (quantitative, foreign):
        with pytest.raises(ValidationError, match="ne note que les critères qualitatifs de son édition"):
            jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("5"), scored_by=member.user)
    with pytest.raises(ValidationError, match="n'a accueilli aucun·e stagiaire"):
        jury_score_set(
            member=member,
            criterion=setting["criterion"],
            company=company("Sans stagiaire"),
            score=Decimal("5"),
            scored_by=member.user,
        )
    assert not JuryScore.objects.exists()


def test_a_new_mark_voids_a_computed_ranking(setting, cnip_staff):
    member = setting["members"]["cnci"]
    edition_compute_ranking(edition=setting["edition"], computed_by=cnip_staff)

    jury_score_set(
        member=member,
        criterion=setting["criterion"],
        company=setting["company"],
        score=Decimal("9"),
        scored_by=member.user,
    )

    assert fresh(setting["edition"]).status == EditionStatus.DRAFT
    assert not RankingEntry.objects.exists()


def test_a_member_withdraws_a_mark_against_its_version(setting):
    member = setting["members"]["cnci"]
    mark = jury_score_set(
        member=member,
        criterion=setting["criterion"],
        company=setting["company"],
        score=Decimal("3"),
        scored_by=member.user,
    )

    with pytest.raises(StaleJuryScore):
        jury_score_delete(score=mark, expected_version=mark.version + 1, deleted_by=member.user)
    jury_score_delete(score=mark, expected_version=mark.version, deleted_by=member.user)

    assert not JuryScore.objects.exists()


# --- recusals ---------------------------------------------------------------------------------------


def test_a_recused_member_s_marks_go_and_they_cannot_mark_the_company_until_the_recusal_is_withdrawn(setting):
    member, host, criterion = setting["members"]["cnip_council"], setting["company"], setting["criterion"]
    jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("9"), scored_by=member.user)

    recusal = recusal_record(
        member=member, company=host, reason="Membre du conseil de l'entreprise", recorded_by=member.user
    )

    assert not JuryScore.objects.filter(member=member).exists()
    with pytest.raises(ValidationError, match="Vous êtes récusé·e pour cette entreprise"):
        jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("9"), scored_by=member.user)
    event = AuditEvent.objects.get(object_type="labels.recusal", action=AuditAction.CREATE)
    assert event.detail["marks_deleted"] == 1

    recusal_withdraw(recusal=recusal, withdrawn_by=member.user)
    jury_score_set(member=member, criterion=criterion, company=host, score=Decimal("9"), scored_by=member.user)
    assert JuryScore.objects.filter(member=member).count() == 1


def test_a_recusal_needs_a_reason_is_recorded_once_and_only_by_the_member_or_cnip_staff(setting, cnip_staff):
    member, host = setting["members"]["oai_ne"], setting["company"]

    with pytest.raises(ValidationError):
        recusal_record(member=member, company=host, reason="  ", recorded_by=member.user)
    with pytest.raises(PermissionDenied):
        recusal_record(member=member, company=host, reason="Lien", recorded_by=setting["members"]["cnci"].user)
    recusal_record(member=member, company=host, reason="Ancienne employée", recorded_by=cnip_staff)
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        recusal_record(member=member, company=host, reason="Ancienne employée", recorded_by=member.user)

    assert Recusal.objects.count() == 1


# --- approvals --------------------------------------------------------------------------------------


def test_a_member_approves_the_ranking_with_the_jury_naming_the_computation_they_approve(setting, cnip_staff):
    member = setting["members"]["oai_ne"]
    edition_compute_ranking(edition=setting["edition"], computed_by=cnip_staff)
    with pytest.raises(ValidationError, match="n'est pas soumis au jury"):
        jury_approve(member=member, approved_by=member.user)
    current = with_the_jury(fresh(setting["edition"]), cnip_staff)

    approval = jury_approve(member=member, approved_by=member.user, comment="D'accord avec le classement.")

    assert approval.ranking_computed_at == current.computed_at
    assert approval.comment == "D'accord avec le classement."
    with pytest.raises(ValidationError, match="déjà approuvé"):
        jury_approve(member=member, approved_by=member.user)
    with pytest.raises(PermissionDenied):
        jury_approve(member=setting["members"]["cnci"], approved_by=member.user)
    with pytest.raises(PermissionDenied):
        jury_approve(member=setting["members"]["cnci"], approved_by=cnip_staff)
    assert AuditEvent.objects.filter(object_type="labels.juryapproval", action=AuditAction.CREATE).count() == 1


def test_a_member_withdraws_their_approval(setting, cnip_staff):
    member = setting["members"]["cnci"]
    with_the_jury(setting["edition"], cnip_staff)
    jury_approve(member=member, approved_by=member.user)

    with pytest.raises(PermissionDenied):
        jury_approval_withdraw(member=member, withdrawn_by=cnip_staff)
    jury_approval_withdraw(member=member, withdrawn_by=member.user)

    assert not JuryApproval.objects.exists()
    with pytest.raises(ValidationError, match="n'avez pas approuvé"):
        jury_approval_withdraw(member=member, withdrawn_by=member.user)
