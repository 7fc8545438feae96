"""Searching the audit trail (data-protection officers only)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from cii_platform.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditQuery:
    person: str = ""
    object: str = ""
    user: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(*, query: AuditQuery) -> QuerySet[AuditEvent]:
    """Events matching every given criterion, newest first.

    `object` matches a reference or label exactly, or `type:id`; `user` matches a
    username; the period includes both end days (Swiss local time).
    """
    events = AuditEvent.objects.all()
    if query.person:
        events = events.filter(person_id=query.person)
    if query.object:
        if ":" in query.object:
            object_type, object_id = query.object.rsplit(":", 1)
            events = events.filter(object_type=object_type, object_id=object_id)
        else:
            events = events.filter(Q(object_label=query.object) | Q(object_id=query.object))
    if query.user:
        events = events.filter(actor_username=query.user)
    if query.action:
        events = events.filter(action=query.action)
    if query.date_from:
        events = events.filter(occurred_at__gte=_start_of(query.date_from))
    if query.date_to:
        events = events.filter(occurred_at__lt=_start_of(query.date_to + dt.timedelta(days=1)))
    return events.order_by("-id")
