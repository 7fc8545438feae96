"""Recording and revoking the person's consent to exchange information between named services.

A consent is recorded by the lead service of one of the person's cases, and always
names that lead service (it is the one that shares). Revoking it withdraws, at
once, the access of every service that took part on its strength; the consent and
the ended participations stay, as history for the lead service.
"""

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, Consent, DataCategory, Participation
from cases.selectors.participations import case_sharing_allowed
from cii_platform.access import Capability, access_revoke
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

CONSENT_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

# Accepted signed documents: extension → the bytes such a file starts with.
# The content is checked, not only the name: a renamed executable is refused.
CONSENT_DOCUMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def _ensure_lead_caseworker(user: User, case: CaseFile) -> None:
    # The views answer 404 long before this; the check keeps the rule in the service too.
    if not case_sharing_allowed(user=user, case=case):
        raise PermissionDenied(_("Seul le service pilote du dossier peut gérer les consentements."))


def consent_data_categories_clean(categories: Iterable[str]) -> list[str]:
    """The categories as stored: known `DataCategory` values, without repeats, in the list's order.

    Raises ValidationError (French message) for an empty selection or an unknown value.
    """
    chosen = set()
    for category in categories:
        if category not in DataCategory.values:
            raise ValidationError(
                {"data_categories": _("Catégorie de données inconnue : « %(value)s ».") % {"value": category}},
                code="unknown_category",
            )
        chosen.add(category)
    if not chosen:
        raise ValidationError(
            {"data_categories": _("Indiquez au moins une catégorie de données que les services pourront échanger.")},
            code="no_category",
        )
    return [value for value in DataCategory.values if value in chosen]


def consent_document_check(document: UploadedFile) -> str:
    """The extension under which `document` is stored, after checking its size, name and content.

    Raises ValidationError (French message) for a file that is too large or is not
    a PDF, JPEG or PNG file.
    """
    if document.size is not None and document.size > CONSENT_DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {"document": _("Le document signé ne doit pas dépasser 5 Mo.")},
            code="document_too_large",
        )
    extension = os.path.splitext(document.name or "")[1].lower()
    signatures = CONSENT_DOCUMENT_SIGNATURES.get(extension)
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    if signatures is None or not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            {"document": _("Le document signé doit être un fichier PDF, JPEG ou PNG.")},
            code="document_type",
        )
    return ".jpg" if extension == ".jpeg" else extension


@transaction.atomic
def consent_record(
    *,
    case: CaseFile,
    services: Sequence[PartnerService],
    data_categories: Iterable[str],
    purpose: str,
    signed_on: dt.date,
    valid_until: dt.date,
    recorded_by: User,
    document: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> Consent:
    """Record the consent of `case`'s person to exchange `data_categories` between `services` for `purpose`.

    The lead service of `case` is always among the services covered (it is the one
    that shares); at least one other service must be named. The consent runs from
    `signed_on` (not in the future) to `valid_until` inclusive. `document`, when
    given, is the signed form: PDF, JPEG or PNG, 5 MB at most, stored under a
    neutral name. Only a caseworker of the lead service may record a consent
    (PermissionDenied otherwise). Raises ValidationError (French messages) and
    saves nothing on bad input. The recording is audited.
    """
    _ensure_lead_caseworker(recorded_by, case)
    errors: dict[str, list[str]] = {}
    covered = {service.pk: service for service in services}
    covered.pop(case.lead_service_id, None)
    if not covered:
        errors.setdefault("services", []).append(
            _(
                "Indiquez au moins un service, autre que le service pilote, "
                "avec lequel les informations seront échangées."
            )
        )
    try:
        categories = consent_data_categories_clean(data_categories)
    except ValidationError as error:
        categories = []
        errors.setdefault("data_categories", []).extend(error.message_dict["data_categories"])
    purpose = (purpose or "").strip()
    if not purpose:
        errors.setdefault("purpose", []).append(_("Indiquez le but de l'échange d'informations."))
    if signed_on > timezone.localdate():
        errors.setdefault("signed_on", []).append(_("La date de signature ne peut pas être dans le futur."))
    if valid_until < signed_on:
        errors.setdefault("valid_until", []).append(
            _("La date de fin de validité ne peut pas précéder la date de signature.")
        )
    extension = ""
    if document is not None:
        try:
            extension = consent_document_check(document)
        except ValidationError as error:
            errors.setdefault("document", []).extend(error.message_dict["document"])
    if errors:
        raise ValidationError(errors)

    consent = Consent(
        person_id=case.person_id,
        data_categories=categories,
        purpose=purpose,
        signed_on=signed_on,
        valid_until=valid_until,
        recorded_by=recorded_by,
    )
    if document is not None:
        # A neutral name: the uploaded file name may carry the person's name.
        document.name = f"consentement-{uuid.uuid4().hex}{extension}"
        consent.document = document  # type: ignore[assignment]
    consent.full_clean(exclude=["document"])
    consent.save()
    consent.services.set([case.lead_service_id, *covered])
    audit_record(
        action=AuditAction.CREATE,
        actor=recorded_by,
        obj=consent,
        person_id=str(case.person_id),
        request=request,
        detail={
            "case": case.reference,
            "services": sorted([case.lead_service.code, *(service.code for service in covered.values())]),
            "data_categories": categories,
            "signed_on": signed_on.isoformat(),
            "valid_until": valid_until.isoformat(),
            "document": bool(document),
        },
    )
    return consent


@transaction.atomic
def consent_revoke(
    *,
    case: CaseFile,
    consent: Consent,
    revoked_by: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Revoke `consent` (of `case`'s person) now, and end at once every access resting on it.

    Every open participation based on the consent, in any case of the person, ends
    (`ended_at`), and its service loses its grants on that case in the same
    transaction: the next request of that service gets a 404. Nothing is deleted:
    the consent and the participations stay as history. Only a caseworker of the
    lead service may revoke (PermissionDenied otherwise); a consent already revoked
    or of another person is refused with a French ValidationError. Audited.
    """
    _ensure_lead_caseworker(revoked_by, case)
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.person_id != case.person_id:
        raise ValidationError(_("Ce consentement ne concerne pas la personne de ce dossier."), code="other_person")
    if current.revoked_at is not None:
        raise ValidationError(
            _("Ce consentement a déjà été révoqué le %(date)s.")
            % {"date": timezone.localtime(current.revoked_at).strftime("%d.%m.%Y")},
            code="already_revoked",
        )
    now = timezone.now()
    current.revoked_at, current.revoked_by, current.revocation_note = now, revoked_by, (note or "").strip()[:300]
    current.full_clean(exclude=["document"])
    current.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])

    ended: list[str] = []
    resting = (
        Participation.objects.select_for_update(of=("self",))
        .filter(consent=current, ended_at__isnull=True)
        .select_related("case", "service")
        .order_by("id")
    )
    for participation in resting:
        for capability in (Capability.VIEW, Capability.CHANGE):
            access_revoke(
                service=participation.service,
                obj=participation.case,
                capability=capability,
                revoked_by=revoked_by,
                reason=f"consent-revoked:{current.pk}",
                request=request,
            )
        participation.ended_at = now
        participation.save(update_fields=["ended_at"])
        ended.append(f"{participation.case.reference}:{participation.service.code}")
    audit_record(
        action=AuditAction.CHANGE,
        actor=revoked_by,
        obj=current,
        person_id=str(current.person_id),
        request=request,
        detail={"case": case.reference, "revoked": True, "participations_ended": ended},
    )
    consent.revoked_at, consent.revoked_by, consent.revocation_note = (
        current.revoked_at,
        current.revoked_by,
        current.revocation_note,
    )
    return current
