"""Reading the consents of a case's person, as the lead service of the case sees them.

A service sees a consent only if the consent names it: the lead service of a case
sees the consents of the case's person that cover it (every consent recorded on
one of its cases does, since recording adds the lead service). Other services of
the case never see the consents themselves, only the basis of each participation.
"""

import datetime as dt
import mimetypes

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from cases.models import CaseFile, Consent, DataCategory
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService


def consent_is_in_force(*, consent: Consent, on: dt.date | None = None) -> bool:
    """Whether `consent` authorises an exchange on the day `on` (today in Neuchâtel by default).

    In force means: signed on or before that day, valid until that day at least, and not revoked.
    """
    day = on or timezone.localdate()
    return consent.revoked_at is None and consent.signed_on <= day <= consent.valid_until


def consent_state(*, consent: Consent, on: dt.date | None = None) -> str:
    """One of "revoked", "expired", "pending" (signed in the future) or "valid", for display."""
    day = on or timezone.localdate()
    if consent.revoked_at is not None:
        return "revoked"
    if consent.valid_until < day:
        return "expired"
    if consent.signed_on > day:
        return "pending"
    return "valid"


def consents_mark(*, consents: list[Consent], on: dt.date | None = None) -> list[Consent]:
    """Set `state` (see `consent_state`) and `category_labels` (French) on each of `consents`; no query."""
    day = on or timezone.localdate()
    labels = dict(DataCategory.choices)
    for consent in consents:
        consent.state = consent_state(consent=consent, on=day)  # type: ignore[attr-defined]
        consent.category_labels = [str(labels.get(value, value)) for value in consent.data_categories]  # type: ignore[attr-defined]
    return consents


def consents_of_case(*, case: CaseFile) -> QuerySet[Consent]:
    """The consents of `case`'s person that name its lead service, newest first, services prefetched."""
    return (
        Consent.objects.filter(person_id=case.person_id, services=case.lead_service_id)
        .select_related("recorded_by", "revoked_by")
        .prefetch_related(Prefetch("services", queryset=PartnerService.objects.order_by("name")))
        .order_by("-signed_on", "-id")
    )


def consent_get_for_case(*, case: CaseFile, consent_id: int) -> Consent:
    """The consent `consent_id` of `case`'s person naming its lead service, or Http404.

    The caller has already established that the user acts for the lead service
    (`cases.selectors.participations.case_get_for_sharing`).
    """
    consent = consents_of_case(case=case).filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    return consent


def consent_read(*, user: User, case: CaseFile, consent: Consent, request: HttpRequest | None = None) -> Consent:
    """Audit that `user` read `consent` (its form states the person's identity) and return it."""
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=consent,
        person_id=str(consent.person_id),
        request=request,
        detail={"case": case.reference},
    )
    return consent


def consent_document_content_type(*, consent: Consent) -> str:
    """The content type under which the signed document is served (from its checked extension)."""
    guessed, _encoding = mimetypes.guess_type(consent.document.name or "")
    return guessed or "application/octet-stream"


def consents_in_force(*, case: CaseFile) -> list[Consent]:
    """The consents of the case's person that can ground an exchange today (valid, not revoked)."""
    return [consent for consent in consents_of_case(case=case) if consent_state(consent=consent) == "valid"]
