"""The audit-trail extract: the audit events of a period, as a PDF for data-protection officers."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.selectors import AuditQuery, audit_search
from cii_platform.reports.models import ReportJob

MAX_EVENTS = 5000
"""An extract holds at most this many events; the PDF says so when the period holds more."""

FILTERS = ("person", "object", "user", "action")
"""Optional filters, as in `cii_platform.audit.selectors.AuditQuery`."""


def may_see(user: User) -> bool:
    """Only data-protection officers may request or download an audit extract."""
    return user.is_active and user.has_role(Role.DATA_PROTECTION_OFFICER)


def _iso_date(parameters: Mapping[str, Any], key: str) -> dt.date:
    value = parameters.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationError({key: _("Ce champ est obligatoire.")}, code="required")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({key: _("Date invalide (format attendu : AAAA-MM-JJ).")}, code="invalid") from None


def clean_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`date_from` and `date_to` as ISO dates (both days included), plus the non-empty filters.

    Raises `ValidationError` for a missing or malformed date, an inverted period,
    an unknown action or an unknown parameter.
    """
    unknown = set(parameters) - {"date_from", "date_to", *FILTERS}
    if unknown:
        raise ValidationError(_("Paramètres inconnus : %(names)s.") % {"names": ", ".join(sorted(unknown))})
    date_from = _iso_date(parameters, "date_from")
    date_to = _iso_date(parameters, "date_to")
    if date_from > date_to:
        raise ValidationError(_("La date de début doit précéder la date de fin."), code="inverted_period")
    cleaned = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    for key in FILTERS:
        value = parameters.get(key) or ""
        if not isinstance(value, str):
            raise ValidationError({key: _("Valeur invalide.")}, code="invalid")
        if value.strip():
            cleaned[key] = value.strip()
    if "action" in cleaned and cleaned["action"] not in AuditAction.values:
        raise ValidationError({"action": _("Action inconnue.")}, code="invalid")
    return cleaned


def query_for(parameters: Mapping[str, Any]) -> AuditQuery:
    """The audit search matching cleaned `parameters`."""
    return AuditQuery(
        person=parameters.get("person", ""),
        object=parameters.get("object", ""),
        user=parameters.get("user", ""),
        action=parameters.get("action", ""),
        date_from=dt.date.fromisoformat(parameters["date_from"]),
        date_to=dt.date.fromisoformat(parameters["date_to"]),
    )


def _swiss(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%d.%m.%Y")


def _filters(parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    labels = {
        "person": _("Personne"),
        "object": _("Objet"),
        "user": _("Utilisateur·rice"),
        "action": _("Action"),
    }
    filters = []
    for key in FILTERS:
        value = parameters.get(key)
        if value:
            shown = str(AuditAction(value).label) if key == "action" else str(value)
            filters.append((labels[key], shown))
    return filters


def summary(job: ReportJob) -> list[tuple[str, str]]:
    """The job's parameters as (label, value) pairs in French, dates as dd.mm.yyyy."""
    period = _("du %(start)s au %(end)s") % {
        "start": _swiss(job.parameters["date_from"]),
        "end": _swiss(job.parameters["date_to"]),
    }
    return [(_("Période"), period), *_filters(job.parameters)]


def build_context(job: ReportJob) -> dict[str, Any]:
    """The events of the job's period, oldest first, at most `MAX_EVENTS` of them."""
    query = query_for(job.parameters)
    events = list(audit_search(query=query).order_by("occurred_at", "id")[: MAX_EVENTS + 1])
    truncated = len(events) > MAX_EVENTS
    return {
        "job": job,
        "requested_by": job.requested_by,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "filters": _filters(job.parameters),
        "events": events[:MAX_EVENTS],
        "truncated": truncated,
        "max_events": MAX_EVENTS,
        "generated_at": timezone.now(),
    }


def filename(job: ReportJob) -> str:
    """The file name of the PDF (no personal data: the job id and the period)."""
    return f"extrait-journal-audit-{job.pk}-{job.parameters['date_from']}-{job.parameters['date_to']}.pdf"
