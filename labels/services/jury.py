"""The jury of an edition: its three seats, recusals, qualitative marks and approvals.

Who does what:

* CNIP staff fill the seats (`jury_member_set`, `jury_member_remove`): one account per seat, an
  account holding the `LABEL_JURY` role, sitting once per edition;
* a jury member records their recusal for a company they are linked to, or CNIP staff record it
  for them (`recusal_record`, `recusal_withdraw`); a recused member's marks for that company are
  deleted and they cannot mark it again;
* a jury member marks the companies on the qualitative criteria (`jury_score_set`,
  `jury_score_delete`), only for their own seat;
* a jury member approves the computed ranking once it is with the jury (`jury_approve`,
  `jury_approval_withdraw`); the approval names the computation it approves (`ranking_computed_at`).

Every change of the seats, recusals or marks voids a computed ranking (see `labels.services.editions`):
its entries and all approvals are deleted and the edition is a draft again, to be computed anew. Nothing
changes once the edition is published (`EditionFrozen`). Refusals: `PermissionDenied` for the wrong
person, `ValidationError` (French) for bad input, `StaleJuryScore` for a mark changed since it was read.
Everything is audited.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from labels.models import (
    Criterion,
    CriterionKind,
    Edition,
    EditionStatus,
    Internship,
    JuryApproval,
    JuryMember,
    JuryScore,
    JurySeat,
    PartnerCompany,
    Recusal,
)
from labels.roles import is_cnip_staff, is_label_jury
from labels.services.editions import lock_open_edition, require_cnip_staff, save_edition, void_ranking

SCORE_PLACES = Decimal("0.01")


class StaleJuryScore(StaleVersion):
    """The mark changed since it was read (another tab, another save): refused, nothing is lost."""

    def __init__(self, score: JuryScore | None) -> None:
        super().__init__(
            _(
                "Cette note a été modifiée depuis que vous l'avez ouverte. Votre note n'a pas été "
                "enregistrée : rechargez la page pour voir la note actuelle."
            )
        )
        self.score = score


def _voided(edition: Edition, actor: User, request: HttpRequest | None) -> bool:
    """Void a computed ranking of the locked `edition` and save it (its version moves on either way)."""
    voided = void_ranking(edition)
    save_edition(edition, [])
    if voided:
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            obj=edition,
            request=request,
            detail={"status": edition.status, "ranking_voided": True},
        )
    return voided


def _require_self(member: JuryMember, user: User) -> None:
    if not (is_label_jury(user) and member.user_id == user.pk):
        raise PermissionDenied(_("Seul·e le·la membre du jury concerné·e agit pour son siège."))


# --- seats --------------------------------------------------------------------------------------


@transaction.atomic
def jury_member_set(
    *,
    edition: Edition,
    seat: str,
    user: User,
    title: str = "",
    expected_version: int,
    set_by: User,
    request: HttpRequest | None = None,
) -> JuryMember:
    """Seat `user` in `edition`'s jury at `seat` (with their title and function); return the member.

    Seating the account already in the seat only changes the title. Seating another account replaces
    the former member, whose marks, recusals and approval go with them, and voids a computed ranking.
    `expected_version` is the edition's version. Raises `PermissionDenied` (not CNIP staff),
    `EditionFrozen`, `StaleEdition`, and `ValidationError` (French) for an unknown seat, an account
    without the jury role or inactive, or an account already sitting in another seat of this jury.
    """
    require_cnip_staff(set_by)
    current = lock_open_edition(edition, expected_version=expected_version)
    if seat not in JurySeat.values:
        raise ValidationError({"seat": _("Siège du jury inconnu.")})
    if not is_label_jury(user):
        raise ValidationError({"user": _("Ce compte n'a pas le rôle de membre du jury du Label Intégration.")})
    elsewhere = JuryMember.objects.filter(edition=current, user=user).exclude(seat=seat).first()
    if elsewhere is not None:
        raise ValidationError(
            {"user": _("Ce compte siège déjà dans ce jury (%(seat)s).") % {"seat": elsewhere.get_seat_display()}}
        )
    title = (title or "").strip()
    member = JuryMember.objects.select_for_update().filter(edition=current, seat=seat).first()
    if member is not None and member.user_id == user.pk:
        member.title = title
        member.full_clean()
        member.save(update_fields=["title"])
        save_edition(current, [])
        audit_record(
            action=AuditAction.CHANGE,
            actor=set_by,
            obj=member,
            request=request,
            detail={"edition": current.year, "seat": seat, "title": title},
        )
        return member
    replaced = None
    if member is not None:
        replaced = member.user_id
        member.delete()
    member = JuryMember(edition=current, seat=seat, user=user, title=title)
    member.full_clean()
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:
        raise ValidationError({"seat": _("Ce siège vient d'être pourvu : rechargez la page.")}) from error
    voided = _voided(current, set_by, request)
    audit_record(
        action=AuditAction.CREATE,
        actor=set_by,
        obj=member,
        request=request,
        detail={
            "edition": current.year,
            "seat": seat,
            "user": user.pk,
            "replaced_user": replaced,
            "ranking_voided": voided,
        },
    )
    return member


@transaction.atomic
def jury_member_remove(
    *, member: JuryMember, expected_version: int, removed_by: User, request: HttpRequest | None = None
) -> None:
    """Empty a seat (the member's marks, recusals and approval go with it); voids a computed ranking.

    Raises `PermissionDenied` (not CNIP staff), `EditionFrozen` and `StaleEdition`.
    """
    require_cnip_staff(removed_by)
    current = lock_open_edition(member.edition, expected_version=expected_version)
    audit_record(
        action=AuditAction.DELETE,
        actor=removed_by,
        obj=member,
        request=request,
        detail={"edition": current.year, "seat": member.seat, "user": member.user_id},
    )
    JuryMember.objects.filter(pk=member.pk).delete()
    _voided(current, removed_by, request)


# --- recusals -----------------------------------------------------------------------------------


def _require_self_or_staff(member: JuryMember, user: User) -> None:
    if is_cnip_staff(user):
        return
    _require_self(member, user)


@transaction.atomic
def recusal_record(
    *, member: JuryMember, company: PartnerCompany, reason: str, recorded_by: User, request: HttpRequest | None = None
) -> Recusal:
    """Record that `member` is linked to `company` and does not mark it; return the recusal.

    By the member themself or CNIP staff. The member's marks for the company are deleted and a
    computed ranking is voided. Raises `PermissionDenied` (anyone else), `EditionFrozen`, and
    `ValidationError` for a missing reason or a recusal already recorded.
    """
    _require_self_or_staff(member, recorded_by)
    current = lock_open_edition(member.edition)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la récusation (le lien avec l'entreprise).")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("Le motif a 300 caractères au plus.")})
    if Recusal.objects.filter(member=member, company=company).exists():
        raise ValidationError(_("Cette récusation est déjà enregistrée."))
    recusal = Recusal(member=member, company=company, reason=reason)
    recusal.full_clean()
    recusal.save()
    marks_deleted, _detail = JuryScore.objects.filter(member=member, company=company).delete()
    voided = _voided(current, recorded_by, request)
    audit_record(
        action=AuditAction.CREATE,
        actor=recorded_by,
        obj=recusal,
        request=request,
        detail={
            "edition": current.year,
            "seat": member.seat,
            "company": company.pk,
            "marks_deleted": marks_deleted,
            "ranking_voided": voided,
        },
    )
    return recusal


@transaction.atomic
def recusal_withdraw(*, recusal: Recusal, withdrawn_by: User, request: HttpRequest | None = None) -> None:
    """Withdraw a recusal (recorded by mistake): the member may mark the company again; voids a computed ranking.

    By the member themself or CNIP staff. Raises `PermissionDenied` and `EditionFrozen`.
    """
    member = recusal.member
    _require_self_or_staff(member, withdrawn_by)
    current = lock_open_edition(member.edition)
    audit_record(
        action=AuditAction.DELETE,
        actor=withdrawn_by,
        obj=recusal,
        request=request,
        detail={"edition": current.year, "seat": member.seat, "company": recusal.company_id},
    )
    Recusal.objects.filter(pk=recusal.pk).delete()
    _voided(current, withdrawn_by, request)


# --- marks --------------------------------------------------------------------------------------


def _score_value(score: Decimal | int | str | float, criterion: Criterion) -> Decimal:
    message = _("La note va de 0 à %(max)d, avec deux décimales au plus.") % {"max": criterion.max_score}
    try:
        value = Decimal(str(score))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({"score": message}) from error
    if not value.is_finite() or value < 0 or value > criterion.max_score or value != value.quantize(SCORE_PLACES):
        raise ValidationError({"score": message})
    return value


def _company_hosted_interns(edition: Edition, company: PartnerCompany) -> bool:
    return Internship.objects.filter(
        company=company, starts_on__lte=edition.period_end, ends_on__gte=edition.period_start
    ).exists()


@transaction.atomic
def jury_score_set(
    *,
    member: JuryMember,
    criterion: Criterion,
    company: PartnerCompany,
    score: Decimal,
    scored_by: User,
    expected_version: int | None = None,
    comment: str = "",
    request: HttpRequest | None = None,
) -> JuryScore:
    """The member's mark (0 to the criterion's maximal mark) for `company` on a qualitative criterion.

    Only the member themself marks. `expected_version` is the version of the mark as read, None for
    a new mark: a mark saved since (or created meanwhile) raises `StaleJuryScore`. A computed ranking
    is voided. Raises `PermissionDenied` (anyone but the member), `EditionFrozen`, and
    `ValidationError` (French) for a criterion of another edition or not qualitative, a mark out of
    range, a member recused for the company, or a company without intern in the reference period.
    """
    _require_self(member, scored_by)
    current = lock_open_edition(member.edition)
    if criterion.edition_id != current.pk or criterion.kind != CriterionKind.QUALITATIVE:
        raise ValidationError({"criterion": _("Le jury ne note que les critères qualitatifs de son édition.")})
    value = _score_value(score, criterion)
    if Recusal.objects.filter(member=member, company=company).exists():
        raise ValidationError(_("Vous êtes récusé·e pour cette entreprise : vous ne la notez pas."))
    if not _company_hosted_interns(current, company):
        raise ValidationError(
            _(
                "Cette entreprise n'a accueilli aucun·e stagiaire pendant la période de référence : "
                "elle n'est pas notée."
            )
        )
    comment = (comment or "").strip()
    if len(comment) > 300:
        raise ValidationError({"comment": _("Le commentaire a 300 caractères au plus.")})
    existing = JuryScore.objects.select_for_update().filter(member=member, criterion=criterion, company=company).first()
    if (existing is None) != (expected_version is None) or (
        existing is not None and existing.version != expected_version
    ):
        raise StaleJuryScore(existing)
    if existing is None:
        mark = JuryScore(member=member, criterion=criterion, company=company, score=value, comment=comment)
        mark.full_clean()
        try:
            with transaction.atomic():
                mark.save()
        except IntegrityError as error:  # the same mark created concurrently (another tab)
            raise StaleJuryScore(None) from error
        action = AuditAction.CREATE
    else:
        mark = existing
        mark.score = value
        mark.comment = comment
        mark.version += 1
        mark.full_clean()
        mark.save(update_fields=["score", "comment", "version", "updated_at"])
        action = AuditAction.CHANGE
    voided = _voided(current, scored_by, request)
    audit_record(
        action=action,
        actor=scored_by,
        obj=mark,
        request=request,
        detail={
            "edition": current.year,
            "criterion": criterion.pk,
            "company": company.pk,
            "score": str(value),
            "ranking_voided": voided,
        },
    )
    return mark


@transaction.atomic
def jury_score_delete(
    *, score: JuryScore, expected_version: int, deleted_by: User, request: HttpRequest | None = None
) -> None:
    """Withdraw a mark (the member themself); voids a computed ranking.

    Raises `PermissionDenied`, `EditionFrozen` and `StaleJuryScore`.
    """
    member = score.member
    _require_self(member, deleted_by)
    current = lock_open_edition(member.edition)
    existing = JuryScore.objects.select_for_update().filter(pk=score.pk).first()
    if existing is None or existing.version != expected_version:
        raise StaleJuryScore(existing)
    audit_record(
        action=AuditAction.DELETE,
        actor=deleted_by,
        obj=existing,
        request=request,
        detail={"edition": current.year, "criterion": existing.criterion_id, "company": existing.company_id},
    )
    existing.delete()
    _voided(current, deleted_by, request)


# --- approvals ----------------------------------------------------------------------------------


def _require_with_jury(edition: Edition) -> None:
    if edition.status != EditionStatus.JURY:
        raise ValidationError(
            _("Le classement de l'édition %(year)s n'est pas soumis au jury.") % {"year": edition.year}
        )


@transaction.atomic
def jury_approve(
    *, member: JuryMember, approved_by: User, comment: str = "", request: HttpRequest | None = None
) -> JuryApproval:
    """The member approves the ranking as computed now (`ranking_computed_at` = the edition's `computed_at`).

    Only the member themself, only while the ranking is with the jury, once per computation.
    Raises `PermissionDenied`, `EditionFrozen`, and `ValidationError` (not with the jury, already
    approved, comment too long).
    """
    _require_self(member, approved_by)
    current = lock_open_edition(member.edition)
    _require_with_jury(current)
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError({"comment": _("Le commentaire a 500 caractères au plus.")})
    if JuryApproval.objects.filter(member=member).exists():
        raise ValidationError(_("Vous avez déjà approuvé ce classement."))
    if current.computed_at is None:  # never so: a ranking with the jury has been computed
        raise ValidationError(_("Le classement de l'édition %(year)s n'est pas calculé.") % {"year": current.year})
    approval = JuryApproval(member=member, ranking_computed_at=current.computed_at, comment=comment)
    approval.full_clean()
    approval.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=approved_by,
        obj=approval,
        request=request,
        detail={
            "edition": current.year,
            "seat": member.seat,
            "ranking_computed_at": current.computed_at.isoformat(),
            "comment": comment,
        },
    )
    return approval


@transaction.atomic
def jury_approval_withdraw(*, member: JuryMember, withdrawn_by: User, request: HttpRequest | None = None) -> None:
    """The member withdraws their approval while the ranking is with the jury.

    Raises `PermissionDenied`, `EditionFrozen`, and `ValidationError` (not with the jury, nothing to withdraw).
    """
    _require_self(member, withdrawn_by)
    current = lock_open_edition(member.edition)
    _require_with_jury(current)
    approval = JuryApproval.objects.filter(member=member).first()
    if approval is None:
        raise ValidationError(_("Vous n'avez pas approuvé ce classement."))
    detail: dict[str, Any] = {"edition": current.year, "seat": member.seat}
    audit_record(action=AuditAction.DELETE, actor=withdrawn_by, obj=approval, request=request, detail=detail)
    approval.delete()
