"""Helpers of the consent and participation tests: a consent recorded and a service invited as the lead does."""

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from cases.models import CaseFile, Consent, LegalBasis, Participation
from cases.services.consents import consent_record
from cases.services.participations import participation_invite
from cii_platform.accounts.models import User
from cii_platform.partners.models import PartnerService


def record_consent(
    case: CaseFile,
    by: User,
    services: Sequence[PartnerService],
    *,
    categories: Sequence[str] = ("identity", "benefits", "health"),
    signed_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    purpose: str = "Coordonner la recherche d'une mesure d'insertion adaptée.",
) -> Consent:
    today = timezone.localdate()
    return consent_record(
        case=case,
        services=list(services),
        data_categories=list(categories),
        purpose=purpose,
        signed_on=signed_on or today,
        valid_until=valid_until or today + dt.timedelta(days=365),
        recorded_by=by,
    )


def law(code: str = "lai-68bis") -> LegalBasis:
    return LegalBasis.objects.get(code=code)


def invite_on_consent(case: CaseFile, service: PartnerService, by: User, consent: Consent) -> Participation:
    return participation_invite(case=case, service=service, invited_by=by, consent=consent)
