"""Writing the audit trail."""

from typing import Any

from django.db import models
from django.http import HttpRequest

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction, AuditEvent


def request_ip(request: HttpRequest | None) -> str | None:
    """The client address as the web server saw it (the reverse proxy sets REMOTE_ADDR)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction,
    actor: User | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    person_id: str = "",
    legal_basis: str = "",
    request: HttpRequest | None = None,
    actor_username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail and return it.

    `obj`, when given, fills the object type, id and label (its `str()`, which for
    protected objects is a reference, never personal data). The event is written in
    the caller's transaction: an operation that rolls back leaves no trace of
    having succeeded.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:200]
    authenticated = actor is not None and actor.is_authenticated
    event = AuditEvent(
        actor=actor if authenticated else None,
        actor_username=(actor.get_username() if authenticated and actor else actor_username)[:150],
        actor_service=(actor.service.code if authenticated and actor and actor.service else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        person_id=person_id,
        legal_basis=legal_basis[:200],
        ip_address=request_ip(request),
        detail=detail or {},
    )
    event.full_clean()
    event.save()
    return event
