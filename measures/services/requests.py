"""Place requests: a caseworker asks the coordination group for a place for a person.

A request is made for a person of one of the caseworker's cases (a case their
service may change) or, without a case, under a pseudonymous reference. Either
way the request carries a pseudonym, which is all that the other services see of
the person (see `measures.selectors.requests`). It names up to three measures in
order of preference, the sector that pays, the priority and the desired start.

The paying sector must be one of the requesting service's own sectors
(`SECTOR_SERVICE`): a service commits its own budget, never another's.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseFile
from cii_platform.access import Capability, access_can
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import (
    SECTOR_SERVICE,
    Measure,
    MeasureCapacity,
    PlaceKind,
    PlacePreference,
    PlaceRequest,
    RequestPriority,
    Sector,
)
from measures.roles import may_request_places

REFERENCE_PREFIX = "DP"
MAX_PREFERENCES = 3
_REFERENCE_ATTEMPTS = 5


class StalePlaceRequest(StaleVersion, ValidationError):
    """The request changed since the form was read: the write is refused, nothing is saved."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Cette demande a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            ),
            code="stale",
        )


def place_request_sectors_for(*, user: User | None) -> list[str]:
    """The sectors whose budget `user`'s service may commit in a request (its own sectors)."""
    if user is None or user.service is None:
        return []
    return [sector for sector, code in SECTOR_SERVICE.items() if code == user.service.code]


def place_request_pseudonym(reference: str) -> str:
    """The pseudonym of a request made on a case: it names the request, never the person."""
    return _("Personne %(reference)s") % {"reference": reference}


def _reference_candidate() -> str:
    """The next free reference of the year, DP-2026-00042 (zero-padded, so that text order is number order)."""
    prefix = f"{REFERENCE_PREFIX}-{timezone.localdate().year}-"
    last = (
        PlaceRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{number:05d}"


def _require_caseworker(user: User) -> None:
    if not may_request_places(user):
        raise PermissionDenied(_("Seul·e un·e intervenant·e d'un service partenaire peut demander une place."))


def _require_requesting_service(user: User, place_request: PlaceRequest) -> None:
    if not may_request_places(user) or user.service_id != place_request.service_id:
        raise PermissionDenied(_("Seul le service qui a fait la demande peut la modifier ou la retirer."))


def _clean_choices(*, sector: str, place_kind: str, priority: str, user: User) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    own_sectors = place_request_sectors_for(user=user)
    if sector not in Sector.values:
        errors["sector"] = [_("Choisissez le secteur qui paie la place.")]
    elif sector not in own_sectors:
        errors["sector"] = [
            _("Votre service ne peut engager que le budget de ses propres secteurs (%(sectors)s).")
            % {"sectors": ", ".join(str(Sector(s).label) for s in own_sectors) or "—"}
        ]
    if place_kind not in PlaceKind.values:
        errors["place_kind"] = [_("Choisissez le type de place demandé.")]
    if priority not in RequestPriority.values:
        errors["priority"] = [_("Choisissez la priorité : urgente ou normale.")]
    return errors


def _clean_preferences(*, preferences: Sequence[Measure], place_kind: str, desired_start: dt.date | None) -> list[str]:
    """French messages for the preferences, empty when they are 1 to 3 distinct active measures offering the kind."""
    if not preferences:
        return [_("Indiquez au moins une mesure souhaitée.")]
    if len(preferences) > MAX_PREFERENCES:
        return [_("Indiquez au plus trois mesures souhaitées.")]
    if len({measure.pk for measure in preferences}) != len(preferences):
        return [_("Chaque mesure ne peut être choisie qu'une fois.")]
    if desired_start is None or place_kind not in PlaceKind.values:
        return []
    offering = set(
        MeasureCapacity.objects.filter(
            measure__in=[measure.pk for measure in preferences],
            year=desired_start.year,
            place_kind=place_kind,
            places__gt=0,
        ).values_list("measure_id", flat=True)
    )
    messages = []
    for measure in preferences:
        if not measure.is_active_on(desired_start):
            messages.append(
                _("La mesure « %(measure)s » n'est pas active au %(day)s.")
                % {"measure": measure.name, "day": f"{desired_start:%d.%m.%Y}"}
            )
        elif measure.pk not in offering:
            messages.append(
                _("La mesure « %(measure)s » n'offre pas de places « %(kind)s » en %(year)s.")
                % {"measure": measure.name, "kind": PlaceKind(place_kind).label, "year": desired_start.year}
            )
    return messages


def _validate(
    *,
    user: User,
    sector: str,
    place_kind: str,
    priority: str,
    desired_start: dt.date | None,
    preferences: Sequence[Measure],
    remarks: str,
) -> None:
    errors = _clean_choices(sector=sector, place_kind=place_kind, priority=priority, user=user)
    if desired_start is None:
        errors["desired_start"] = [_("Indiquez le début souhaité.")]
    preference_errors = _clean_preferences(preferences=preferences, place_kind=place_kind, desired_start=desired_start)
    if preference_errors:
        errors["preferences"] = preference_errors
    if len(remarks) > 500:
        errors["remarks"] = [_("Les remarques ne peuvent pas dépasser 500 caractères.")]
    if errors:
        raise ValidationError(errors)


def _save_preferences(place_request: PlaceRequest, preferences: Sequence[Measure]) -> None:
    PlacePreference.objects.filter(request=place_request).delete()
    rows = [
        PlacePreference(request=place_request, rank=rank, measure=measure)
        for rank, measure in enumerate(preferences, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["request"], validate_unique=False)
    PlacePreference.objects.bulk_create(rows)


def _audit_detail(place_request: PlaceRequest, preferences: Sequence[Measure]) -> dict[str, Any]:
    return {
        "sector": place_request.sector,
        "place_kind": place_request.place_kind,
        "priority": place_request.priority,
        "desired_start": place_request.desired_start.isoformat(),
        "preferences": [measure.code for measure in preferences],
    }


def _person_id(place_request: PlaceRequest) -> str:
    return str(place_request.case.person_id) if place_request.case is not None else ""


@transaction.atomic
def place_request_submit(
    *,
    requested_by: User,
    sector: str,
    place_kind: str,
    priority: str,
    desired_start: dt.date,
    preferences: Sequence[Measure],
    remarks: str = "",
    case: CaseFile | None = None,
    pseudonym: str = "",
    request: HttpRequest | None = None,
) -> PlaceRequest:
    """Record a caseworker's request for a place; return it (status: en attente).

    With `case`, the caseworker's service must be allowed to change the case, and
    the pseudonym is derived from the request's reference ("Personne DP-2026-00042");
    without, `pseudonym` is required and is all that identifies the person.
    `preferences` are 1 to 3 distinct measures, first choice first, each active at
    the desired start and offering places of `place_kind` that year. Raises
    `PermissionDenied` for someone who may not request places, `ValidationError`
    (French messages, nothing saved) for bad input or a case the service may not change.
    """
    _require_caseworker(requested_by)
    remarks = remarks.strip()
    pseudonym = pseudonym.strip()
    _validate(
        user=requested_by,
        sector=sector,
        place_kind=place_kind,
        priority=priority,
        desired_start=desired_start,
        preferences=preferences,
        remarks=remarks,
    )
    if case is not None and not access_can(user=requested_by, obj=case, capability=Capability.CHANGE):
        raise ValidationError(
            {"case": [_("Vous ne pouvez demander une place que pour un dossier que votre service peut modifier.")]}
        )
    if case is None and not pseudonym:
        raise ValidationError(
            {"pseudonym": [_("Sans dossier, indiquez un pseudonyme : c'est tout ce que les autres services verront.")]}
        )
    if len(pseudonym) > 40:
        raise ValidationError({"pseudonym": [_("Le pseudonyme ne peut pas dépasser 40 caractères.")]})
    place_request = None
    # Two requests submitted at the same moment may pick the same number: the unique
    # reference refuses the second, which takes the next one.
    for _attempt in range(_REFERENCE_ATTEMPTS):
        reference = _reference_candidate()
        candidate = PlaceRequest(
            reference=reference,
            case=case,
            pseudonym=place_request_pseudonym(reference) if case is not None else pseudonym,
            requested_by=requested_by,
            service=requested_by.service,
            sector=sector,
            place_kind=place_kind,
            priority=priority,
            desired_start=desired_start,
            remarks=remarks,
        )
        candidate.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError:
            continue
        place_request = candidate
        break
    if place_request is None:
        raise ValidationError(_("La demande n'a pas pu être numérotée : réessayez dans un instant."))
    _save_preferences(place_request, preferences)
    audit_record(
        action=AuditAction.CREATE,
        actor=requested_by,
        obj=place_request,
        person_id=_person_id(place_request),
        request=request,
        detail=_audit_detail(place_request, preferences),
    )
    return place_request


def _lock_current(place_request: PlaceRequest, expected_version: int) -> PlaceRequest:
    current = PlaceRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=place_request.pk)
    if current.version != expected_version:
        raise StalePlaceRequest()
    return current


@transaction.atomic
def place_request_update(
    *,
    place_request: PlaceRequest,
    expected_version: int,
    by: User,
    sector: str,
    place_kind: str,
    priority: str,
    desired_start: dt.date,
    preferences: Sequence[Measure],
    remarks: str = "",
    request: HttpRequest | None = None,
) -> PlaceRequest:
    """Change a waiting request (its case and pseudonym stay); return the updated request.

    Only the requesting service's caseworkers, and only while the request waits.
    Raises `StalePlaceRequest` when it changed since `expected_version` was read.
    """
    _require_requesting_service(by, place_request)
    current = _lock_current(place_request, expected_version)
    if current.status != PlaceRequest.Status.WAITING:
        raise ValidationError(
            _("Une demande « %(status)s » ne peut plus être modifiée.") % {"status": current.get_status_display()}
        )
    remarks = remarks.strip()
    _validate(
        user=by,
        sector=sector,
        place_kind=place_kind,
        priority=priority,
        desired_start=desired_start,
        preferences=preferences,
        remarks=remarks,
    )
    current.sector, current.place_kind, current.priority = sector, place_kind, priority
    current.desired_start, current.remarks = desired_start, remarks
    current.version += 1
    current.full_clean(validate_unique=False)
    current.save(update_fields=["sector", "place_kind", "priority", "desired_start", "remarks", "version"])
    _save_preferences(current, preferences)
    audit_record(
        action=AuditAction.CHANGE,
        actor=by,
        obj=current,
        person_id=_person_id(current),
        request=request,
        detail=_audit_detail(current, preferences),
    )
    return current


@transaction.atomic
def place_request_withdraw(
    *,
    place_request: PlaceRequest,
    expected_version: int,
    by: User,
    reason: str = "",
    request: HttpRequest | None = None,
) -> PlaceRequest:
    """Withdraw a request that waits or has a proposal (the person no longer needs the place).

    Only the requesting service's caseworkers; a placed request ends with its placement instead.
    """
    _require_requesting_service(by, place_request)
    current = _lock_current(place_request, expected_version)
    if current.status not in (PlaceRequest.Status.WAITING, PlaceRequest.Status.PROPOSED):
        raise ValidationError(
            _("Une demande « %(status)s » ne peut pas être retirée.") % {"status": current.get_status_display()}
        )
    previous = current.status
    current.status = PlaceRequest.Status.WITHDRAWN
    current.version += 1
    current.full_clean(validate_unique=False)
    current.save(update_fields=["status", "version"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=by,
        obj=current,
        person_id=_person_id(current),
        request=request,
        detail={"status": [previous, current.status], "reason": reason.strip()[:300]},
    )
    return current
