"""Inviting a service into a case on a recorded legal basis, and ending its participation.

Every exchange rests on a basis: the person's consent (in force today, naming the
lead service and the invited one) or an article of law from the `LegalBasis`
list. An invitation without a basis is refused and changes nothing. A service
invited on a consent reaches the case until the end of the consent's last day
(Neuchâtel time); on an article of law, until its participation ends. When data
go to a service without consent, the person must be informed afterwards: the
platform records when.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, CaseStatus, Consent, LegalBasis, Participation
from cases.selectors.consents import consent_is_in_force
from cases.selectors.participations import case_sharing_allowed
from cii_platform.access import Capability, access_grant, access_revoke
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

NEUCHATEL = ZoneInfo("Europe/Zurich")

CLOSED_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.OUT_OF_CRITERIA})


def consent_access_ends_at(valid_until: dt.date) -> dt.datetime:
    """The instant a consent valid until `valid_until` stops giving access: the next midnight in Neuchâtel."""
    return dt.datetime.combine(valid_until + dt.timedelta(days=1), dt.time.min, tzinfo=NEUCHATEL)


def _ensure_lead_caseworker(user: User, case: CaseFile) -> None:
    # The views answer 404 long before this; the check keeps the rule in the service too.
    if not case_sharing_allowed(user=user, case=case):
        raise PermissionDenied(_("Seul le service pilote du dossier peut inviter d'autres services."))


def consent_legal_basis() -> LegalBasis:
    basis = LegalBasis.objects.filter(is_consent=True, active=True).order_by("id").first()
    if basis is None:
        raise ValidationError(
            _("La liste des bases légales ne contient aucun consentement en vigueur."), code="no_consent_basis"
        )
    return basis


def consent_check_covers(*, consent: Consent, case: CaseFile, service: PartnerService) -> None:
    if consent.person_id != case.person_id:
        raise ValidationError(_("Ce consentement ne concerne pas la personne de ce dossier."), code="other_person")
    if consent.revoked_at is not None:
        raise ValidationError(_("Ce consentement a été révoqué : il n'autorise plus aucun échange."), code="revoked")
    if not consent_is_in_force(consent=consent):
        raise ValidationError(
            _("Ce consentement n'est pas valable aujourd'hui (valable du %(start)s au %(end)s).")
            % {"start": consent.signed_on.strftime("%d.%m.%Y"), "end": consent.valid_until.strftime("%d.%m.%Y")},
            code="not_in_force",
        )
    covered = set(consent.services.values_list("id", flat=True))
    if service.pk not in covered or case.lead_service_id not in covered:
        raise ValidationError(
            _("Ce consentement ne couvre pas l'échange entre le service pilote et « %(service)s ».")
            % {"service": service.name},
            code="service_not_covered",
        )


def _still_in_force(participation: Participation) -> bool:
    consent = participation.consent
    return consent is None or consent_is_in_force(consent=consent)


@transaction.atomic
def participation_invite(
    *,
    case: CaseFile,
    service: PartnerService,
    invited_by: User,
    legal_basis: LegalBasis | None = None,
    consent: Consent | None = None,
    caseworker: User | None = None,
    person_informed: bool = False,
    request: HttpRequest | None = None,
) -> Participation:
    """Let `service` take part in `case` on `consent` or on the article of law `legal_basis`.

    With `consent` (and `legal_basis` left empty or the consent basis), the consent
    must be in force today, not revoked, of the case's person, and name both the
    lead service and `service`; the service's view of the case ends with the
    consent's last day. With an article of law, the view lasts until the
    participation ends, and `person_informed` records that the person has already
    been told (otherwise the case page asks for it). Without any basis the
    invitation is refused. `caseworker`, if given, must work for `service`.

    A service already taking part is refused, unless its participation rests on a
    consent no longer in force: that participation ends and the new one replaces
    it (a renewed consent). Only a caseworker of the lead service may invite
    (PermissionDenied otherwise); a ValidationError (French) changes nothing.
    The participation, the grant and the information of the person are audited.
    """
    _ensure_lead_caseworker(invited_by, case)
    # Invitations of one case queue up behind each other (one open participation per service).
    list(CaseFile.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
    if consent is not None:
        # Locked, and read again: a revocation running at the same moment either
        # comes first (and the invitation is refused) or waits and ends this participation.
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if legal_basis is not None and not legal_basis.is_consent:
            raise ValidationError(
                _("Choisissez soit le consentement de la personne, soit un article de loi, pas les deux."),
                code="two_bases",
            )
        basis = consent_legal_basis()
        consent_check_covers(consent=consent, case=case, service=service)
    elif legal_basis is None:
        raise ValidationError(
            _(
                "Un service ne peut être invité que sur une base légale : le consentement de la personne "
                "ou un article de loi. Aucun échange n'a eu lieu."
            ),
            code="no_basis",
        )
    elif legal_basis.is_consent:
        raise ValidationError(
            _("Pour un échange fondé sur le consentement, choisissez le consentement signé par la personne."),
            code="consent_missing",
        )
    else:
        basis = legal_basis
    if not basis.active:
        raise ValidationError(
            _("La base légale « %(basis)s » n'est plus en vigueur.") % {"basis": basis.label},
            code="inactive_basis",
        )
    if service.pk == case.lead_service_id:
        raise ValidationError(_("Le service pilote participe déjà au dossier."), code="lead_service")
    if case.status in CLOSED_STATUSES:
        raise ValidationError(
            _("Ce dossier est clôturé : aucun service ne peut plus y être invité."), code="case_closed"
        )
    if caseworker is not None and (
        caseworker.service_id != service.pk or not caseworker.is_active or not caseworker.has_role(Role.CASEWORKER)
    ):
        raise ValidationError(
            {"caseworker": _("L'intervenant·e doit être un·e conseiller·ère actif·ve du service invité.")},
            code="caseworker_service",
        )

    now = timezone.now()
    previous = (
        Participation.objects.select_for_update(of=("self",))
        .select_related("consent")
        .filter(case=case, service=service, ended_at__isnull=True)
        .first()
    )
    if previous is not None:
        if previous.role == Participation.Role.LEAD or _still_in_force(previous):
            raise ValidationError(
                _("« %(service)s » participe déjà à ce dossier.") % {"service": service.name},
                code="already_taking_part",
            )
        # A consent that lapsed is being replaced: the old participation becomes history.
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])

    participation = Participation(
        case=case,
        service=service,
        role=Participation.Role.PARTICIPANT,
        caseworker=caseworker,
        legal_basis=basis,
        consent=consent,
        person_informed_at=now if (person_informed and consent is None) else None,
    )
    participation.full_clean()
    participation.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=invited_by,
        obj=participation,
        person_id=str(case.person_id),
        legal_basis=basis.label,
        request=request,
        detail={
            "case": case.reference,
            "service": service.code,
            "legal_basis": basis.code,
            **({"consent": consent.pk} if consent is not None else {}),
            **({"person_informed": True} if participation.person_informed_at else {}),
        },
    )
    access_grant(
        service=service,
        obj=case,
        capability=Capability.VIEW,
        legal_basis=basis.label,
        expires_at=consent_access_ends_at(consent.valid_until) if consent is not None else None,
        granted_by=invited_by,
        request=request,
    )
    return participation


@transaction.atomic
def participation_record_person_informed(
    *, participation: Participation, informed_by: User, request: HttpRequest | None = None
) -> Participation:
    """Record that the person was told, after the fact, that their data went to a service without consent.

    Only for an open participation resting on an article of law, and only once.
    Only a caseworker of the lead service may record it. Audited, with the basis.
    """
    current = (
        Participation.objects.select_for_update(of=("self",))
        .select_related("case", "case__lead_service", "service", "legal_basis")
        .get(pk=participation.pk)
    )
    _ensure_lead_caseworker(informed_by, current.case)
    if current.role != Participation.Role.PARTICIPANT or current.consent_id is not None:
        raise ValidationError(
            _("Cette participation repose sur le consentement de la personne : elle est déjà informée."),
            code="consent_based",
        )
    if current.person_informed_at is not None:
        raise ValidationError(
            _("L'information de la personne est déjà enregistrée (le %(date)s).")
            % {"date": timezone.localtime(current.person_informed_at).strftime("%d.%m.%Y")},
            code="already_informed",
        )
    if current.ended_at is not None:
        raise ValidationError(_("Cette participation a pris fin."), code="ended")
    current.person_informed_at = timezone.now()
    current.full_clean()
    current.save(update_fields=["person_informed_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=informed_by,
        obj=current,
        person_id=str(current.case.person_id),
        legal_basis=current.legal_basis.label if current.legal_basis else "",
        request=request,
        detail={"case": current.case.reference, "service": current.service.code, "person_informed": True},
    )
    participation.person_informed_at = current.person_informed_at
    return current


@transaction.atomic
def participation_end(
    *, participation: Participation, ended_by: User, reason: str = "", request: HttpRequest | None = None
) -> Participation:
    """End a participating service's part in the case: its access is withdrawn at once, the row stays.

    The lead service's own participation cannot be ended here (a hand-over of the
    lead is a referral). Only a caseworker of the lead service may end it. Audited.
    """
    current = (
        Participation.objects.select_for_update(of=("self",))
        .select_related("case", "case__lead_service", "service")
        .get(pk=participation.pk)
    )
    _ensure_lead_caseworker(ended_by, current.case)
    if current.role == Participation.Role.LEAD:
        raise ValidationError(_("Le service pilote ne peut pas être retiré du dossier."), code="lead_service")
    if current.ended_at is not None:
        raise ValidationError(_("Cette participation a déjà pris fin."), code="ended")
    for capability in (Capability.VIEW, Capability.CHANGE):
        access_revoke(
            service=current.service,
            obj=current.case,
            capability=capability,
            revoked_by=ended_by,
            reason="participation-ended",
            request=request,
        )
    current.ended_at = timezone.now()
    current.save(update_fields=["ended_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=ended_by,
        obj=current,
        person_id=str(current.case.person_id),
        request=request,
        detail={"case": current.case.reference, "service": current.service.code, "ended": True, "reason": reason[:300]},
    )
    participation.ended_at = current.ended_at
    return current
