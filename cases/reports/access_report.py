"""A person's access report: who read or changed what of their file, when, on which basis.

It answers a request under the right of access of the data-protection law (the
person asks what the services did with their data). Only data-protection officers
request it; they reach no case file, so they name the person by full AVS number or,
for a person without one, by name, first name and birth date, and exactly one
person must match. The lookup is audited, whatever it finds.

The document holds: the person's identity (AVS number masked); every audit event
recorded about the person (`AuditEvent.person_id`), oldest first, at most
`MAX_EVENTS`; and the exchanges between services: the participations of each case
file with the legal basis of each sharing, the consents, the exchanges without
consent with the day the person was informed, and the referrals. Read-only.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile, Consent, DataCategory, Participation, Person, Referral
from cases.selectors.consents import consent_state
from cases.selectors.participations import participation_basis_label
from cases.selectors.persons import person_likely_duplicates
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.audit.selectors import AuditQuery, audit_search
from cii_platform.audit.services import audit_record
from cii_platform.partners.models import PartnerService
from cii_platform.reports.models import ReportJob

MAX_EVENTS = 5000
"""A report holds at most this many events; the PDF says so when the person's trail holds more."""

PARAMETERS = frozenset({"person", "date_from", "date_to"})


def may_see(user: User) -> bool:
    """Only data-protection officers may request or download a person's access report."""
    return user.is_active and user.has_role(Role.DATA_PROTECTION_OFFICER)


# -- Finding the person ------------------------------------------------------------


def access_report_person_find(
    *,
    user: User,
    avs_number: str | None = None,
    last_name: str = "",
    first_name: str = "",
    birth_date: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Person:
    """The one person with the (normalised) `avs_number`, or else with this name, first name and birth date.

    For data-protection officers only (PermissionDenied otherwise): they look up any
    person, since the right of access concerns every file. Raises ValidationError
    (French) when nobody or more than one person matches. Every lookup is audited as
    a read of persons, with the person when exactly one matched, never with the
    typed identity (the audit trail holds ids only).
    """
    if not may_see(user):
        raise PermissionDenied
    if avs_number:
        candidates = Person.objects.filter(avs_number=avs_number)
        lookup = "avs"
    elif last_name and first_name and birth_date:
        candidates = person_likely_duplicates(first_name=first_name, last_name=last_name, birth_date=birth_date)
        lookup = "identity"
    else:
        raise ValidationError(_("Indiquez le numéro AVS complet, ou le nom, le prénom et la date de naissance."))
    found = list(candidates.order_by("id")[:2])  # two are enough to know it is ambiguous
    person = found[0] if len(found) == 1 else None
    audit_record(
        action=AuditAction.READ,
        actor=user,
        object_type=Person._meta.label_lower,
        object_id=str(person.pk) if person else "",
        object_label=str(person) if person else "",
        person_id=str(person.pk) if person else "",
        request=request,
        detail={"purpose": "access_report", "lookup": lookup, "matches": "many" if len(found) > 1 else len(found)},
    )
    if not found:
        if lookup == "avs":
            message = _("Aucune personne n'est enregistrée avec ce numéro AVS. Vérifiez le numéro.")
        else:
            message = _(
                "Aucune personne n'est enregistrée avec ce nom, ce prénom et cette date de naissance. "
                "Vérifiez l'orthographe et la date."
            )
        raise ValidationError(message, code="not_found")
    if person is None:
        raise ValidationError(
            _(
                "Plusieurs personnes sont enregistrées avec ce nom, ce prénom et cette date de naissance : "
                "indiquez le numéro AVS complet de la personne."
            ),
            code="ambiguous",
        )
    return person


def request_parameters(user: User, data: Mapping[str, Any], request: HttpRequest | None) -> dict[str, str]:
    """The job parameters for the request form's cleaned `data`: the person's id and the period, if any.

    Raises ValidationError (French) if the person is not found exactly once.
    """
    person = access_report_person_find(
        user=user,
        avs_number=data.get("avs_number"),
        last_name=(data.get("last_name") or "").strip(),
        first_name=(data.get("first_name") or "").strip(),
        birth_date=data.get("birth_date"),
        request=request,
    )
    parameters = {"person": str(person.pk)}
    for key in ("date_from", "date_to"):
        if data.get(key):
            parameters[key] = data[key].isoformat()
    return parameters


# -- The job's parameters ---------------------------------------------------------------


def _iso_date(parameters: Mapping[str, Any], key: str) -> dt.date | None:
    value = parameters.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError({key: _("Date invalide (format attendu : AAAA-MM-JJ).")}, code="invalid")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({key: _("Date invalide (format attendu : AAAA-MM-JJ).")}, code="invalid") from None


def clean_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`person` (the id of an existing person, required), and `date_from`/`date_to` (ISO dates, optional).

    Raises ValidationError for an unknown parameter, a missing or unknown person, a
    malformed date or an inverted period. Without a period, the whole trail.
    """
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise ValidationError(_("Paramètres inconnus : %(names)s.") % {"names": ", ".join(sorted(unknown))})
    person = str(parameters.get("person") or "")
    if not person.isdigit() or not Person.objects.filter(pk=int(person)).exists():
        raise ValidationError({"person": _("Personne inconnue.")}, code="unknown_person")
    cleaned = {"person": person}
    date_from, date_to = _iso_date(parameters, "date_from"), _iso_date(parameters, "date_to")
    if date_from and date_to and date_from > date_to:
        raise ValidationError(_("La date de début doit précéder la date de fin."), code="inverted_period")
    if date_from:
        cleaned["date_from"] = date_from.isoformat()
    if date_to:
        cleaned["date_to"] = date_to.isoformat()
    return cleaned


def _period(parameters: Mapping[str, Any]) -> str:
    date_from, date_to = _iso_date(parameters, "date_from"), _iso_date(parameters, "date_to")
    if date_from and date_to:
        return _("du %(start)s au %(end)s") % {"start": f"{date_from:%d.%m.%Y}", "end": f"{date_to:%d.%m.%Y}"}
    if date_from:
        return _("depuis le %(start)s") % {"start": f"{date_from:%d.%m.%Y}"}
    if date_to:
        return _("jusqu'au %(end)s") % {"end": f"{date_to:%d.%m.%Y}"}
    return _("tout l'historique")


def summary(job: ReportJob) -> list[tuple[str, str]]:
    """The job's parameters in French: the person's reference (no name) and the period."""
    return [(_("Personne"), f"P-{job.parameters['person']}"), (_("Période"), _period(job.parameters))]


def filename(job: ReportJob) -> str:
    """The file name of the PDF: the job id and the day, no personal data."""
    return f"rapport-acces-{job.pk}-{timezone.localtime(job.requested_at):%Y-%m-%d}.pdf"


# -- The content -----------------------------------------------------------------------


@dataclass(frozen=True)
class AccessEvent:
    """One line of the report: when, who (name and service), what, on which basis."""

    occurred_at: dt.datetime
    who: str
    service: str
    action: str
    what: str
    legal_basis: str


def _object_type_label(object_type: str, cache: dict[str, str]) -> str:
    if object_type not in cache:
        try:
            cache[object_type] = str(apps.get_model(object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            cache[object_type] = object_type
    return cache[object_type]


def _events(person: Person, parameters: Mapping[str, Any]) -> tuple[list[AccessEvent], bool]:
    query = AuditQuery(
        person=str(person.pk), date_from=_iso_date(parameters, "date_from"), date_to=_iso_date(parameters, "date_to")
    )
    rows: list[AuditEvent] = list(
        audit_search(query=query).select_related("actor").order_by("occurred_at", "id")[: MAX_EVENTS + 1]
    )
    services = dict(PartnerService.objects.values_list("code", "name"))
    types: dict[str, str] = {}
    events = []
    for event in rows[:MAX_EVENTS]:
        actor = event.actor
        who = (actor.get_full_name() if actor else "") or event.actor_username or _("système")
        what = " ".join(
            part for part in (_object_type_label(event.object_type, types), event.object_label) if part
        ).strip()
        events.append(
            AccessEvent(
                occurred_at=event.occurred_at,
                who=who,
                service=services.get(event.actor_service, event.actor_service.upper()),
                action=str(event.get_action_display()),
                what=what,
                legal_basis=event.legal_basis,
            )
        )
    return events, len(rows) > MAX_EVENTS


def _state_label(state: str) -> str:
    return {
        "revoked": _("révoqué"),
        "expired": _("échu"),
        "pending": _("pas encore en vigueur"),
        "valid": _("valable"),
    }[state]


def _exchanges(person: Person) -> dict[str, Any]:
    """The case files of `person` with every participation (ended ones too), the consents, the referrals."""
    cases = list(CaseFile.objects.filter(person=person).select_related("programme", "lead_service").order_by("id"))
    participations = list(
        Participation.objects.filter(case__person=person)
        .select_related("service", "legal_basis", "consent")
        .order_by("case_id", "started_at", "id")
    )
    by_case: dict[int, list[Participation]] = {}
    for row in participations:
        row.basis_label = participation_basis_label(participation=row)  # type: ignore[attr-defined]
        by_case.setdefault(row.case_id, []).append(row)
    for case in cases:
        case.participation_list = by_case.get(case.pk, [])  # type: ignore[attr-defined]
    references = {case.pk: case.reference for case in cases}
    without_consent = [
        {"participation": row, "reference": references.get(row.case_id, "")}
        for row in participations
        if row.role == Participation.Role.PARTICIPANT and row.consent_id is None
    ]
    today = timezone.localdate()
    categories = dict(DataCategory.choices)
    consents = list(
        Consent.objects.filter(person=person)
        .prefetch_related(Prefetch("services", queryset=PartnerService.objects.order_by("name")))
        .order_by("signed_on", "id")
    )
    for consent in consents:
        consent.state_label = _state_label(consent_state(consent=consent, on=today))  # type: ignore[attr-defined]
        consent.category_labels = [  # type: ignore[attr-defined]
            str(categories.get(value, value)) for value in consent.data_categories
        ]
    referrals = list(
        Referral.objects.filter(case__person=person)
        .select_related("case", "from_service", "to_service", "legal_basis")
        .order_by("created_at", "id")
    )
    return {
        "cases": cases,
        "consents": consents,
        "without_consent": without_consent,
        "referrals": referrals,
    }


def build_context(job: ReportJob) -> dict[str, Any]:
    """The person, their audit events (oldest first, at most `MAX_EVENTS`) and the exchanges between services."""
    person = Person.objects.get(pk=int(job.parameters["person"]))
    events, truncated = _events(person, job.parameters)
    return {
        "job": job,
        "requested_by": job.requested_by,
        "person": person,
        "period": _period(job.parameters),
        "events": events,
        "truncated": truncated,
        "max_events": MAX_EVENTS,
        "generated_at": timezone.now(),
        **_exchanges(person),
    }
