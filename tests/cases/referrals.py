"""Helpers of the referral tests: proposals made as the lead service makes them."""

from cases.models import CaseFile, CaseStatus, Consent, Referral
from cases.services.referrals import referral_propose
from cii_platform.accounts.models import User
from cii_platform.partners.models import PartnerService
from tests.cases.sharing import law


def propose(
    case: CaseFile,
    to_service: PartnerService,
    by: User,
    *,
    kind: str = Referral.Kind.SHARE,
    consent: Consent | None = None,
    basis: str | None = "lai-68bis",
    reason: str = "Capacité de travail à évaluer par l'AI.",
) -> Referral:
    return referral_propose(
        case=case,
        kind=kind,
        to_service=to_service,
        reason=reason,
        proposed_by=by,
        consent=consent,
        legal_basis=None if consent is not None or basis is None else law(basis),
    )


def close(case: CaseFile) -> None:
    CaseFile.objects.filter(pk=case.pk).update(status=CaseStatus.OUT_OF_CRITERIA, out_of_criteria_reason="other")
    case.refresh_from_db()
