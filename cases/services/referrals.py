"""Referrals between services: shared handling and hand-over of a case's lead.

The lead service of a case proposes that another service takes part
(`Referral.Kind.SHARE`) or takes over the lead (`HANDOVER`), with a reason and a
legal basis: the person's consent (in force, naming both services) or an article
of law, exactly as for an invitation (`cases.services.participations`). Only the
lead service proposes: it is the one that shares the case; a participating
service that sees a need asks it (for instance in the journal).

A caseworker of the target service accepts or refuses (with a reason).

- Accepting a shared handling *is* the invitation: `participation_invite` on the
  referral's basis, issued in the name of the caseworker who proposed it (the
  lead's decision to share), with the accepting caseworker as the service's
  caseworker. The acceptance itself is audited in the accepting user's name.
- Accepting a hand-over makes the target the lead: the old lead role ends, a new
  lead role starts for the target (VIEW and CHANGE, on the lead's basis), the
  case's lead service and case manager move (version + 1). The former lead keeps
  reading the case as a participant **on the referral's basis**: that basis
  authorised the exchange between the two services, both ways. A consent ends
  that view on its last day; the new lead can also end it. Without a basis there
  is no hand-over at all (refused when proposed, and again when accepted if the
  basis has lapsed), so no service is ever left holding a case without one.
  Referrals still pending from the former lead are withdrawn (it no longer
  shares the case), and the case's priority is refreshed (a transfer counts).

Rows are never deleted; every step is audited.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, Consent, LegalBasis, Participation, Referral
from cases.selectors.consents import consent_is_in_force
from cases.selectors.participations import case_sharing_allowed
from cases.services.case_files import LEAD_SERVICE_BASIS
from cases.services.participations import (
    CLOSED_STATUSES,
    consent_check_covers,
    consent_legal_basis,
    participation_invite,
)
from cases.services.priority import case_priority_refresh, person_cases_priority_refresh
from cii_platform.access import Capability, access_grant, access_revoke
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

REFERRAL_REASON_MAX_CHARS = 2000
REFUSAL_REASON_MAX_CHARS = 300


def _basis_for(
    *, case: CaseFile, service: PartnerService, legal_basis: LegalBasis | None, consent: Consent | None
) -> LegalBasis:
    """The basis on which `case` may go to `service`, under the rules of `participation_invite`.

    Raises ValidationError (French) when there is none, or when it does not hold today.
    """
    if consent is not None:
        if legal_basis is not None and not legal_basis.is_consent:
            raise ValidationError(
                _("Choisissez soit le consentement de la personne, soit un article de loi, pas les deux."),
                code="two_bases",
            )
        consent_check_covers(consent=consent, case=case, service=service)
        basis = consent_legal_basis()
    elif legal_basis is None:
        raise ValidationError(
            _(
                "Une proposition de transfert ne peut reposer que sur une base légale : le consentement de la "
                "personne ou un article de loi. Rien n'a été transmis."
            ),
            code="no_basis",
        )
    elif legal_basis.is_consent:
        raise ValidationError(
            _("Pour un transfert fondé sur le consentement, choisissez le consentement signé par la personne."),
            code="consent_missing",
        )
    else:
        basis = legal_basis
    if not basis.active:
        raise ValidationError(
            _("La base légale « %(basis)s » n'est plus en vigueur.") % {"basis": basis.label}, code="inactive_basis"
        )
    return basis


def _takes_part(case: CaseFile, service: PartnerService) -> bool:
    """Whether `service` takes part in `case` now (an open participation whose consent still holds)."""
    for participation in Participation.objects.select_related("consent").filter(
        case=case, service=service, ended_at__isnull=True
    ):
        if participation.consent is None or consent_is_in_force(consent=participation.consent):
            return True
    return False


def _audit(
    referral: Referral, actor: User, request: HttpRequest | None, *, action: AuditAction, **detail: object
) -> None:
    audit_record(
        action=action,
        actor=actor,
        obj=referral,
        person_id=str(referral.case.person_id),
        legal_basis=referral.legal_basis.label if referral.legal_basis else "",
        request=request,
        detail={
            "case": referral.case.reference,
            "kind": referral.kind,
            "from": referral.from_service.code,
            "to": referral.to_service.code,
            **detail,
        },
    )


@transaction.atomic
def referral_propose(
    *,
    case: CaseFile,
    kind: Referral.Kind | str,
    to_service: PartnerService,
    reason: str,
    proposed_by: User,
    legal_basis: LegalBasis | None = None,
    consent: Consent | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """Propose that `to_service` takes part in `case` (SHARE) or takes over its lead (HANDOVER).

    Only a caseworker of the lead service proposes (PermissionDenied otherwise),
    for an open case. The basis follows the rules of `participation_invite`: a
    consent in force, of the case's person, naming the lead service and
    `to_service`, or an active article of law. A service already taking part
    cannot be proposed a shared handling; the same proposal cannot wait twice, nor
    two hand-overs at once. The reason is shown to the target service before it
    has access (write only what it needs to decide). ValidationError (French)
    saves nothing. Audited with the basis.
    """
    if not case_sharing_allowed(user=proposed_by, case=case):
        raise PermissionDenied(_("Seul le service pilote du dossier peut proposer un transfert."))
    # Proposals and answers of one case queue up behind each other.
    case = CaseFile.objects.select_for_update(of=("self",)).select_related("lead_service").get(pk=case.pk)
    if consent is not None:
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
    errors: dict[str, list[str]] = {}
    if kind not in Referral.Kind.values:
        errors.setdefault("kind", []).append(_("Choisissez une prise en charge partagée ou une reprise du pilotage."))
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("Indiquez le motif de la proposition."))
    elif len(reason) > REFERRAL_REASON_MAX_CHARS:
        errors.setdefault("reason", []).append(
            _("Le motif ne peut pas dépasser %(max)d caractères.") % {"max": REFERRAL_REASON_MAX_CHARS}
        )
    if errors:
        raise ValidationError(errors)
    if case.status in CLOSED_STATUSES:
        raise ValidationError(_("Ce dossier est clôturé : il ne peut plus être transféré."), code="case_closed")
    if to_service.pk == case.lead_service_id:
        raise ValidationError(
            {"to_service": _("Choisissez un autre service que le service pilote.")}, code="lead_service"
        )
    kind = Referral.Kind(kind)
    if kind == Referral.Kind.SHARE and _takes_part(case, to_service):
        raise ValidationError(
            {"to_service": _("« %(service)s » participe déjà à ce dossier.") % {"service": to_service.name}},
            code="already_taking_part",
        )
    pending = Referral.objects.filter(case=case, status=Referral.Status.PENDING)
    if pending.filter(kind=kind, to_service=to_service).exists():
        raise ValidationError(
            _("Une proposition identique attend déjà la réponse de « %(service)s ».") % {"service": to_service.name},
            code="duplicate",
        )
    if kind == Referral.Kind.HANDOVER and pending.filter(kind=Referral.Kind.HANDOVER).exists():
        raise ValidationError(
            _("Une reprise du pilotage est déjà proposée pour ce dossier : attendez la réponse ou retirez-la."),
            code="handover_pending",
        )
    basis = _basis_for(case=case, service=to_service, legal_basis=legal_basis, consent=consent)
    referral = Referral(
        case=case,
        kind=kind,
        from_service=case.lead_service,
        to_service=to_service,
        reason=reason,
        legal_basis=basis,
        consent=consent,
        created_by=proposed_by,
    )
    referral.full_clean()
    referral.save()
    _audit(referral, proposed_by, request, action=AuditAction.CREATE, **({"consent": consent.pk} if consent else {}))
    return referral


def _lock_pending(referral: Referral) -> Referral:
    current = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "from_service", "to_service", "legal_basis", "consent", "created_by")
        .get(pk=referral.pk)
    )
    if current.status != Referral.Status.PENDING:
        raise ValidationError(
            _("Cette proposition n'attend plus de réponse (%(status)s).") % {"status": current.get_status_display()},
            code="not_pending",
        )
    return current


def _ensure_target_caseworker(user: User, referral: Referral) -> None:
    if (
        not user.is_active
        or user.service_id is None
        or user.service_id != referral.to_service_id
        or not user.has_role(Role.CASEWORKER)
    ):
        raise PermissionDenied(_("Seul·e un·e intervenant·e du service destinataire peut répondre."))


def _accept_share(referral: Referral, case: CaseFile, accepted_by: User, request: HttpRequest | None) -> Participation:
    try:
        # The lead shared the case when it proposed; the target's acceptance completes the invitation.
        return participation_invite(
            case=case,
            service=referral.to_service,
            invited_by=referral.created_by,
            legal_basis=referral.legal_basis,
            consent=referral.consent,
            caseworker=accepted_by,
            request=request,
        )
    except PermissionDenied:
        raise ValidationError(
            _(
                "La personne qui a fait cette proposition ne peut plus partager ce dossier : "
                "demandez au service pilote de la renouveler."
            ),
            code="proposer_gone",
        ) from None


def _end(participation: Participation, actor: User, request: HttpRequest | None, *, referral: Referral) -> None:
    participation.ended_at = timezone.now()
    participation.save(update_fields=["ended_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=actor,
        obj=participation,
        person_id=str(referral.case.person_id),
        request=request,
        detail={
            "case": referral.case.reference,
            "service": participation.service.code,
            "ended": True,
            "reason": f"handover:{referral.pk}",
        },
    )


def _accept_handover(referral: Referral, case: CaseFile, accepted_by: User, request: HttpRequest | None) -> None:
    old_service, new_service = case.lead_service, referral.to_service
    if case.lead_service_id != referral.from_service_id:
        raise ValidationError(_("Le pilotage de ce dossier a changé depuis la proposition."), code="lead_changed")
    old_manager = case.case_manager
    basis = referral.legal_basis
    # The old lead role and any participation of the new lead end: the rows stay as history.
    for participation in (
        Participation.objects.select_for_update(of=("self",))
        .select_related("service")
        .filter(case=case, ended_at__isnull=True, service__in=[old_service, new_service])
        .order_by("id")
    ):
        _end(participation, accepted_by, request, referral=referral)
    lead = Participation(case=case, service=new_service, role=Participation.Role.LEAD, caseworker=accepted_by)
    lead.full_clean()
    lead.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=accepted_by,
        obj=lead,
        person_id=str(case.person_id),
        legal_basis=basis.label if basis else "",
        request=request,
        detail={"case": case.reference, "service": new_service.code, "role": "lead", "referral": referral.pk},
    )
    for capability in (Capability.VIEW, Capability.CHANGE):
        access_grant(
            service=new_service,
            obj=case,
            capability=capability,
            legal_basis=LEAD_SERVICE_BASIS,
            granted_by=accepted_by,
            request=request,
        )
    access_revoke(
        service=old_service,
        obj=case,
        capability=Capability.CHANGE,
        revoked_by=accepted_by,
        reason=f"handover:{referral.pk}",
        request=request,
    )
    case.lead_service, case.case_manager = new_service, accepted_by
    case.version += 1
    case.full_clean()
    case.save(update_fields=["lead_service", "case_manager", "version", "updated_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=accepted_by,
        obj=case,
        person_id=str(case.person_id),
        legal_basis=basis.label if basis else "",
        request=request,
        detail={"lead_service": [old_service.code, new_service.code], "referral": referral.pk},
    )
    # The former lead keeps reading the case, as a participant, on the referral's basis.
    keeps = (
        old_manager
        if old_manager is not None
        and old_manager.is_active
        and old_manager.service_id == old_service.pk
        and old_manager.has_role(Role.CASEWORKER)
        else None
    )
    participation_invite(
        case=case,
        service=old_service,
        invited_by=accepted_by,
        legal_basis=referral.legal_basis,
        consent=referral.consent,
        caseworker=keeps,
        request=request,
    )
    # What the former lead proposed and nobody answered yet is no longer its to propose.
    for other in (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "from_service", "to_service", "legal_basis")
        .filter(case=case, status=Referral.Status.PENDING)
        .exclude(pk=referral.pk)
    ):
        other.status, other.answered_at = Referral.Status.WITHDRAWN, timezone.now()
        other.save(update_fields=["status", "answered_at"])
        _audit(other, accepted_by, request, action=AuditAction.CHANGE, status=other.status, reason="handover")
    case_priority_refresh(case=case)
    # The new lead role is a transfer for the person's other waiting cases as well.
    person_cases_priority_refresh(person_id=case.person_id)


@transaction.atomic
def referral_accept(*, referral: Referral, accepted_by: User, request: HttpRequest | None = None) -> Referral:
    """Accept `referral` for its target service: share the case with it, or hand it the lead.

    See the module for what each kind does. Only a caseworker of the target
    service accepts (PermissionDenied otherwise). The basis is checked again: a
    consent revoked or past its end, an article no longer in force, a closed case,
    or a lead that changed meanwhile refuse the acceptance with a French
    ValidationError, and nothing changes. Audited.
    """
    current = _lock_pending(referral)
    _ensure_target_caseworker(accepted_by, current)
    case = (
        CaseFile.objects.select_for_update(of=("self",))
        .select_related("lead_service", "case_manager")
        .get(pk=current.case_id)
    )
    if case.status in CLOSED_STATUSES:
        raise ValidationError(
            _("Ce dossier est clôturé : la proposition ne peut plus être acceptée."), code="case_closed"
        )
    _basis_for(case=case, service=current.to_service, legal_basis=current.legal_basis, consent=current.consent)
    if current.kind == Referral.Kind.SHARE:
        _accept_share(current, case, accepted_by, request)
    else:
        _accept_handover(current, case, accepted_by, request)
    current.status, current.answered_by, current.answered_at = Referral.Status.ACCEPTED, accepted_by, timezone.now()
    current.full_clean()
    current.save(update_fields=["status", "answered_by", "answered_at"])
    _audit(current, accepted_by, request, action=AuditAction.CHANGE, status=current.status)
    referral.status, referral.answered_by, referral.answered_at = current.status, accepted_by, current.answered_at
    return current


@transaction.atomic
def referral_refuse(
    *, referral: Referral, refused_by: User, reason: str, request: HttpRequest | None = None
) -> Referral:
    """Refuse `referral` for its target service, with a reason (required, 300 characters at most).

    Only a caseworker of the target service refuses (PermissionDenied otherwise).
    Nothing else changes: the target never had access. Audited.
    """
    current = _lock_pending(referral)
    _ensure_target_caseworker(refused_by, current)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"refusal_reason": _("Indiquez le motif du refus.")}, code="no_reason")
    if len(reason) > REFUSAL_REASON_MAX_CHARS:
        raise ValidationError(
            {
                "refusal_reason": _("Le motif ne peut pas dépasser %(max)d caractères.")
                % {"max": REFUSAL_REASON_MAX_CHARS}
            },
            code="reason_too_long",
        )
    current.status, current.refusal_reason = Referral.Status.REFUSED, reason
    current.answered_by, current.answered_at = refused_by, timezone.now()
    current.full_clean()
    current.save(update_fields=["status", "refusal_reason", "answered_by", "answered_at"])
    _audit(current, refused_by, request, action=AuditAction.CHANGE, status=current.status)
    referral.status, referral.refusal_reason = current.status, current.refusal_reason
    return current


@transaction.atomic
def referral_withdraw(*, referral: Referral, withdrawn_by: User, request: HttpRequest | None = None) -> Referral:
    """Withdraw a pending `referral`: only a caseworker of the lead service that proposed it. Audited."""
    current = _lock_pending(referral)
    if current.from_service_id != current.case.lead_service_id or not case_sharing_allowed(
        user=withdrawn_by, case=current.case
    ):
        raise PermissionDenied(_("Seul le service pilote qui a fait la proposition peut la retirer."))
    current.status, current.answered_by, current.answered_at = Referral.Status.WITHDRAWN, withdrawn_by, timezone.now()
    current.full_clean()
    current.save(update_fields=["status", "answered_by", "answered_at"])
    _audit(current, withdrawn_by, request, action=AuditAction.CHANGE, status=current.status)
    referral.status = current.status
    return current
