"""Writing case files."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cases.models import CaseFile, CaseReferenceCounter
from cii_platform.access import Capability, access_grant
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

LEAD_SERVICE_BASIS = "Service pilote du dossier"


def _next_reference() -> str:
    year = timezone.localdate().year
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"CII-{year}-{counter.last_number:05d}"


@transaction.atomic
def case_open(*, lead_service: PartnerService, opened_by: User | None, request: HttpRequest | None = None) -> CaseFile:
    """Open a case file led by `lead_service`, which may view and change it from now on."""
    case = CaseFile(reference=_next_reference(), lead_service=lead_service)
    case.full_clean()
    case.save()
    audit_record(action=AuditAction.CREATE, actor=opened_by, obj=case, request=request)
    for capability in (Capability.VIEW, Capability.CHANGE):
        access_grant(
            service=lead_service,
            obj=case,
            capability=capability,
            legal_basis=LEAD_SERVICE_BASIS,
            granted_by=opened_by,
            request=request,
        )
    return case
