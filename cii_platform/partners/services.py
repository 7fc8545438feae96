"""Partner services and offices."""

from django.contrib.auth.models import Group
from django.db import transaction

from cii_platform.partners.models import Office, PartnerService


@transaction.atomic
def service_ensure(*, code: str, name: str, mission: str = "", legal_frame: str = "") -> PartnerService:
    """Create the partner service `code` with its permission group, or update its texts."""
    service = PartnerService.objects.filter(code=code).first()
    if service is None:
        group, _created = Group.objects.get_or_create(name=f"service:{code}")
        service = PartnerService(code=code, name=name, mission=mission, legal_frame=legal_frame, permission_group=group)
        service.full_clean()
        service.save()
        return service
    service.name, service.mission, service.legal_frame = name, mission, legal_frame
    service.full_clean()
    service.save(update_fields=["name", "mission", "legal_frame"])
    return service


@transaction.atomic
def office_ensure(
    *, service: PartnerService, code: str, name: str, kind: Office.Kind = Office.Kind.OFFICE, region: str = ""
) -> Office:
    """Create the office `code` of `service`, or update it."""
    office = Office.objects.filter(code=code).first() or Office(code=code)
    office.service, office.name, office.kind, office.region = service, name, kind, region
    office.full_clean()
    office.save()
    return office
