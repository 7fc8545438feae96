"""Staff accounts: creation, roles and membership of the service's permission group."""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from cii_platform.accounts.models import Role, RoleAssignment, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import Office, PartnerService

# Only these roles work on the objects granted to a service. Platform
# administrators, GP CII members, CNIP staff and data-protection officers hold
# no object access through their service unless they also hold one of them.
ROLES_WITH_SERVICE_ACCESS: frozenset[str] = frozenset({Role.CASEWORKER.value, Role.COORDINATION_GROUP.value})


# What the Django admin lets a platform administrator do: accounts and the
# partner services' data, never case contents. Given to the account itself, not
# to a service group (a service group must hold no model-wide permission).
PLATFORM_ADMIN_PERMISSIONS = (
    ("accounts", "view_user"),
    ("accounts", "add_user"),
    ("accounts", "change_user"),
    ("partners", "view_partnerservice"),
    ("partners", "change_partnerservice"),
    ("partners", "view_office"),
    ("partners", "add_office"),
    ("partners", "change_office"),
)


def _sync_admin_permissions(user: User, is_admin: bool) -> None:
    query = Q()
    for app_label, codename in PLATFORM_ADMIN_PERMISSIONS:
        query |= Q(content_type__app_label=app_label, codename=codename)
    permissions = Permission.objects.filter(query)
    if is_admin:
        user.user_permissions.add(*permissions)
    else:
        user.user_permissions.remove(*permissions)


def _sync_service_group(user: User) -> None:
    """Put `user` in exactly the permission group its service and roles call for."""
    wanted = None
    if user.is_active and user.service_id and ROLES_WITH_SERVICE_ACCESS & user.role_codes:
        wanted = PartnerService.objects.only("permission_group_id").get(pk=user.service_id).permission_group_id
    current = set(user.groups.filter(partner_service__isnull=False).values_list("id", flat=True))
    for group_id in current - {wanted}:
        user.groups.remove(group_id)
    if wanted is not None and wanted not in current:
        user.groups.add(wanted)
    if hasattr(user, "_access_group_ids"):
        del user._access_group_ids


@transaction.atomic
def account_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    service: PartnerService | None,
    office: Office | None = None,
    roles: Iterable[Role] = (),
    password: str | None = None,
    job_title: str = "",
    created_by: User | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Create an active staff account with its roles; without `password` it cannot log in yet."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        service=service,
        office=office,
        job_title=job_title,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    account_set_roles(user=user, roles=roles, changed_by=created_by, request=request, audit=False)
    audit_record(
        action=AuditAction.CREATE,
        actor=created_by,
        obj=user,
        request=request,
        detail={"roles": sorted(user.role_codes)},
    )
    return user


@transaction.atomic
def account_set_roles(
    *,
    user: User,
    roles: Iterable[Role | str],
    changed_by: User | None,
    request: HttpRequest | None = None,
    audit: bool = True,
) -> None:
    """Give `user` exactly `roles`, keep its service-group membership in step, and audit it.

    A platform administrator also gets access to the Django admin (`is_staff`).
    """
    wanted: set[str] = {Role(role).value for role in roles}
    RoleAssignment.objects.filter(user=user).exclude(role__in=wanted).delete()
    existing = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=role) for role in wanted - existing])
    user._role_codes = frozenset(wanted)
    is_staff = Role.PLATFORM_ADMIN in wanted
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    _sync_admin_permissions(user, is_staff)
    _sync_service_group(user)
    if audit:
        audit_record(
            action=AuditAction.PERMISSION_GRANT,
            actor=changed_by,
            obj=user,
            request=request,
            detail={"roles": sorted(wanted)},
        )


@transaction.atomic
def account_set_service(
    *,
    user: User,
    service: PartnerService | None,
    office: Office | None,
    changed_by: User | None,
    request: HttpRequest | None = None,
) -> None:
    """Move `user` to `service`/`office`; its object access follows the new service at once."""
    user.service = service
    user.office = office
    user.full_clean()
    user.save(update_fields=["service", "office"])
    _sync_service_group(user)
    audit_record(
        action=AuditAction.CHANGE,
        actor=changed_by,
        obj=user,
        request=request,
        detail={"service": service.code if service else "", "office": office.code if office else ""},
    )


@transaction.atomic
def account_deactivate(*, user: User, changed_by: User | None, request: HttpRequest | None = None) -> None:
    """Deactivate `user`: it can no longer log in and loses its object access."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    _sync_service_group(user)
    audit_record(action=AuditAction.CHANGE, actor=changed_by, obj=user, request=request, detail={"active": False})


@transaction.atomic
def second_factor_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device to enrol for `user` (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice(user=user, name="Application d'authentification", confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def second_factor_verify(*, user: User, token: str, request: HttpRequest) -> bool:
    """Check `token` against the user's TOTP device (confirming it on first use) and mark the session verified."""
    from django_otp import login as otp_login

    device = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        or TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
    )
    if device is None or not device.verify_token(token):
        audit_record(action=AuditAction.LOGIN_FAILED, actor=user, request=request, detail={"second_factor": True})
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(action=AuditAction.CHANGE, actor=user, obj=user, request=request, detail={"totp": "enrolled"})
    otp_login(request, device)
    return True
