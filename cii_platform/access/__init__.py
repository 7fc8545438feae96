"""The one access gate: which partner service may view or change which object.

Grants are django-guardian group object permissions, one permission group per
partner service, stored in the protected model's direct-foreign-key table
(`<Model>GroupObjectPermission`, a subclass of `ServiceGrantBase`). A staff
account reaches an object only through the group of its service, and only if its
roles put it in that group (see `cii_platform.accounts.services`): platform
administrators, for instance, get no access to case contents.

Lists never go through `get_objects_for_user`: `access_filter_visible` adds one
`EXISTS` sub-query on the grant table (indexed by object), so that a page reads
an index and stops after its rows. A page's per-row flags come from one query
over its rows (`access_mark_can_change`).

Every helper fails closed: a user without a service, an inactive user or an
anonymous one sees nothing; a database error propagates (the page answers 503).
"""

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.models import Permission
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase
from guardian.utils import get_group_obj_perms_model

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService

M = TypeVar("M", bound=models.Model)


class Capability(StrEnum):
    VIEW = "view"
    CHANGE = "change"


class ServiceGrantBase(GroupObjectPermissionBase):
    """Base of the direct-foreign-key grant tables; subclasses add `content_object`.

    Besides guardian's (group, permission, object) it records the legal basis on
    which the service reaches the object, which the audit trail repeats on every read.
    """

    legal_basis = models.CharField(_("base légale"), max_length=200, blank=True)
    granted_at = models.DateTimeField(_("accordé le"), auto_now_add=True)
    # A grant resting on a consent ends with it; NULL means until revoked.
    expires_at = models.DateTimeField(_("valable jusqu'au"), null=True, blank=True)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True


def _grant_model(model: type[models.Model]) -> Any:
    """The grant table of `model`; typed Any because each table adds its own `content_object`."""
    grant_model = get_group_obj_perms_model(model)  # type: ignore[arg-type]  # accepts a class too
    if not issubclass(grant_model, ServiceGrantBase):
        raise TypeError(f"{model._meta.label} has no direct-foreign-key grant table (ServiceGrantBase).")
    return grant_model


def _codename(model: type[models.Model], capability: Capability) -> str:
    return f"{capability.value}_{model._meta.model_name}"


# Permission ids by (app_label, codename). Filtering grants on the id rather
# than joining auth_permission gives PostgreSQL true row estimates, so that it
# can start from the grant index when a service sees few objects. Cleared on
# post_migrate, which also follows a test database flush.
_permission_ids: dict[tuple[str, str], int] = {}


def _permission_id(model: type[models.Model], capability: Capability) -> int:
    key = (model._meta.app_label, _codename(model, capability))
    if key not in _permission_ids:
        _permission_ids[key] = Permission.objects.get(content_type__app_label=key[0], codename=key[1]).pk
    return _permission_ids[key]


@receiver(post_migrate)
def _forget_permission_ids(**kwargs: object) -> None:
    _permission_ids.clear()


def access_group_ids(user: User | None) -> list[int]:
    """The permission groups through which `user` reaches objects (cached on the user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached: list[int] | None = getattr(user, "_access_group_ids", None)
    if cached is None:
        cached = list(user.groups.filter(partner_service__isnull=False).values_list("id", flat=True))
        user._access_group_ids = cached  # type: ignore[attr-defined]
    return cached


def _grants(model: type[models.Model], capability: Capability, group_ids: list[int]) -> Any:
    """The grants in force now (an expired grant gives no access, whether or not it was cleaned up)."""
    return _grant_model(model).objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=Now()),
        group_id__in=group_ids,
        permission_id=_permission_id(model, capability),
    )


def access_filter_visible(
    *,
    user: User | None,
    queryset: QuerySet[M],
    capability: Capability = Capability.VIEW,
    pk_below: int | None = None,
) -> QuerySet[M]:
    """Restrict `queryset` to the objects `user`'s service may reach with `capability`.

    `pk_below` is the keyset cursor of a page ordered by descending pk: it bounds
    the outer rows and the grant sub-query alike, so that a deep page starts
    reading the grant index at the cursor rather than at the newest grant.
    """
    group_ids = access_group_ids(user)
    if not group_ids:
        return queryset.none()
    grants = _grants(queryset.model, capability, group_ids).filter(content_object=OuterRef("pk"))
    if pk_below is not None:
        grants = grants.filter(content_object__lt=pk_below)
        queryset = queryset.filter(pk__lt=pk_below)
    return queryset.filter(Exists(grants))


def access_mark_can_change(*, user: User | None, objects: Sequence[models.Model]) -> None:
    """Set `can_change` on each of `objects` (one page) with a single query.

    A page's flags are read for its rows only: an annotation on the list query
    would make PostgreSQL hash every change grant of the service.
    """
    allowed: set[object] = set()
    group_ids = access_group_ids(user)
    if objects and group_ids:
        model = type(objects[0])
        allowed = set(
            _grants(model, Capability.CHANGE, group_ids)
            .filter(content_object__in=[obj.pk for obj in objects])
            .values_list("content_object_id", flat=True)
        )
    for obj in objects:
        obj.can_change = obj.pk in allowed  # type: ignore[attr-defined]


def access_can(*, user: User | None, obj: models.Model, capability: Capability = Capability.VIEW) -> bool:
    """Whether `user` may reach `obj` with `capability` right now (no caching across calls)."""
    group_ids = access_group_ids(user)
    if not group_ids or obj.pk is None:
        return False
    return _grants(type(obj), capability, group_ids).filter(content_object=obj.pk).exists()


def access_legal_basis(*, user: User | None, obj: models.Model) -> str:
    """The legal basis recorded on the grant through which `user` views `obj` ('' if none)."""
    group_ids = access_group_ids(user)
    if not group_ids:
        return ""
    grant = (
        _grants(type(obj), Capability.VIEW, group_ids)
        .filter(content_object=obj.pk)
        .values_list("legal_basis", flat=True)
        .first()
    )
    return grant or ""


def access_get_or_404(
    *,
    user: User | None,
    queryset: QuerySet[M],
    capability: Capability = Capability.VIEW,
    request: HttpRequest | None = None,
    **lookup: object,
) -> M:
    """The object of `queryset` matching `lookup` that `user` may reach, or Http404.

    A missing object and a forbidden one give the same 404; the forbidden attempt is
    audited as a refused access.
    """
    visible = access_filter_visible(user=user, queryset=queryset, capability=capability)
    try:
        return visible.get(**lookup)
    except ObjectDoesNotExist:
        pass
    hidden = queryset.filter(**lookup).first()
    if hidden is not None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            obj=hidden,
            request=request,
            detail={"capability": capability.value},
        )
    raise Http404


@transaction.atomic
def access_grant(
    *,
    service: PartnerService,
    obj: models.Model,
    capability: Capability,
    legal_basis: str,
    granted_by: User | None,
    expires_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> bool:
    """Let `service` reach `obj` with `capability` on `legal_basis`, until `expires_at` if given.

    Returns False if the service already held exactly this grant. An existing grant
    is renewed with the new basis and end (a new consent replacing an old one).
    A CHANGE grant implies nothing by itself: grant VIEW as well where the service
    should read the object. Every grant or renewal is audited.
    """
    model = type(obj)
    permission_id = _permission_id(model, capability)
    grant_model = _grant_model(model)
    grant = (
        grant_model.objects.select_for_update()
        .filter(group_id=service.permission_group_id, permission_id=permission_id, content_object=obj.pk)
        .first()
    )
    if grant is not None:
        if (grant.legal_basis, grant.expires_at) == (legal_basis, expires_at):
            return False
        grant.legal_basis, grant.expires_at = legal_basis, expires_at
        grant.full_clean(exclude=["content_object", "group", "permission"], validate_unique=False)
        grant.save(update_fields=["legal_basis", "expires_at"])
    else:
        grant = grant_model(
            group_id=service.permission_group_id,
            permission_id=permission_id,
            content_object=obj,
            legal_basis=legal_basis,
            expires_at=expires_at,
        )
        grant.full_clean(exclude=["content_object", "group", "permission"], validate_unique=False)
        grant.save()
    audit_record(
        action=AuditAction.PERMISSION_GRANT,
        actor=granted_by,
        obj=obj,
        legal_basis=legal_basis,
        request=request,
        detail={
            "service": service.code,
            "capability": capability.value,
            **({"expires_at": expires_at.isoformat()} if expires_at else {}),
        },
    )
    return True


@transaction.atomic
def access_revoke(
    *,
    service: PartnerService,
    obj: models.Model,
    capability: Capability,
    revoked_by: User | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> bool:
    """Withdraw `service`'s `capability` on `obj` at once; return False if it had none."""
    model = type(obj)
    deleted, _details = (
        _grant_model(model)
        .objects.filter(
            group_id=service.permission_group_id,
            permission_id=_permission_id(model, capability),
            content_object=obj.pk,
        )
        .delete()
    )
    if not deleted:
        return False
    audit_record(
        action=AuditAction.PERMISSION_REVOKE,
        actor=revoked_by,
        obj=obj,
        request=request,
        detail={"service": service.code, "capability": capability.value, "reason": reason},
    )
    return True


def access_services_with(*, obj: models.Model, capability: Capability = Capability.VIEW) -> QuerySet[PartnerService]:
    """The services that may reach `obj` with `capability`."""
    model = type(obj)
    grants = _grant_model(model).objects.filter(
        content_object=obj.pk, permission_id=_permission_id(model, capability), group=OuterRef("permission_group")
    )
    return PartnerService.objects.filter(Exists(grants))


def access_model_wide_leaks() -> QuerySet[PartnerService]:
    """Services whose group holds a model-wide permission: with guardian that opens every object.

    Must always be empty; a test and `load_demo` guard it.
    """
    return PartnerService.objects.filter(permission_group__permissions__isnull=False).distinct()
