"""Placements (a person in a place of a measure) and the monthly figures sent per sector.

A placement starts from a request, ends with an actual end date and an exit
reason, or is cancelled (it did not take place: the request waits again). When a
placement ends or is cancelled its place is free again, and the first fitting
request of the waiting list is proposed for it (`measures.services.allocation`).

Who acts on a placement: coordination-group members, and the caseworkers of the
service that requested the place.

Once a sector's delegate sends a month's figures (LACI, MIP, SAS and SMIG only:
the mandate excepts SFPO and OAI), they are frozen in a `MonthlyReport` and the
dashboard shows that snapshot from then on.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import (
    MONTHLY_REPORT_SECTORS,
    AllocationRound,
    ExitReason,
    Measure,
    MeasureCapacity,
    MonthlyReport,
    Placement,
    PlaceRequest,
    Sector,
)
from measures.roles import delegate_sectors, is_coordination_member, may_request_places


class StalePlacement(StaleVersion, ValidationError):
    """The placement changed since the form was read: the write is refused, nothing is saved."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Ce placement a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            ),
            code="stale",
        )


OPEN_STATUSES = (Placement.Status.PLANNED, Placement.Status.ACTIVE)


def placement_may_act(*, user: User | None, place_request: PlaceRequest) -> bool:
    """Coordination-group members, and the caseworkers of the service that requested the place."""
    if is_coordination_member(user):
        return True
    return may_request_places(user) and user is not None and user.service_id == place_request.service_id


def _require_may_act(user: User, place_request: PlaceRequest) -> None:
    if not placement_may_act(user=user, place_request=place_request):
        raise PermissionDenied(
            _("Seuls le groupe de coordination et le service qui a demandé la place peuvent agir sur ce placement.")
        )


def _person_id(place_request: PlaceRequest) -> str:
    return str(place_request.case.person_id) if place_request.case_id is not None and place_request.case else ""


def _release(*, placement: Placement, on: dt.date, by: User) -> None:
    # Imported here: the allocation part imports the placements part to confirm its rounds.
    from measures.services.allocation import place_released_propose

    place_released_propose(measure=placement.measure, place_kind=placement.place_kind, on=on, by=by)


@transaction.atomic
def placement_start(
    *,
    place_request: PlaceRequest,
    measure: Measure,
    starts_on: dt.date,
    planned_end_on: dt.date,
    by: User,
    allocation_round: AllocationRound | None = None,
    request: HttpRequest | None = None,
) -> Placement:
    """Place the person of `place_request` in `measure` from `starts_on` to `planned_end_on`; return the placement.

    The place is of the request's kind, paid by the request's sector at the measure's
    current price. The measure must be active at the start and have a free place of
    that kind on that day (its capacity of the year, minus the placements in progress;
    the measure row is locked so that two starts cannot take the last place together).
    The request becomes "placée". Status: en cours if it starts today or earlier, prévu otherwise.
    """
    _require_may_act(by, place_request)
    current = PlaceRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=place_request.pk)
    if current.status not in (PlaceRequest.Status.WAITING, PlaceRequest.Status.PROPOSED):
        raise ValidationError(
            _("Une demande « %(status)s » ne peut pas donner lieu à un placement.")
            % {"status": current.get_status_display()}
        )
    if planned_end_on < starts_on:
        raise ValidationError({"planned_end_on": [_("La fin prévue ne peut pas précéder le début du placement.")]})
    locked = Measure.objects.select_for_update().get(pk=measure.pk)
    if not locked.is_active_on(starts_on):
        raise ValidationError(
            _("La mesure « %(measure)s » n'est pas active au %(day)s.")
            % {"measure": locked.name, "day": f"{starts_on:%d.%m.%Y}"}
        )
    capacity = (
        MeasureCapacity.objects.filter(measure=locked, year=starts_on.year, place_kind=current.place_kind)
        .values_list("places", flat=True)
        .first()
    ) or 0
    taken = (
        Placement.objects.filter(measure=locked, place_kind=current.place_kind, status__in=OPEN_STATUSES)
        .filter(starts_on__lte=starts_on, planned_end_on__gte=starts_on)
        .count()
    )
    if taken >= capacity:
        raise ValidationError(
            _("La mesure « %(measure)s » n'a plus de place « %(kind)s » libre au %(day)s.")
            % {"measure": locked.name, "kind": current.get_place_kind_display(), "day": f"{starts_on:%d.%m.%Y}"}
        )
    placement = Placement(
        request=current,
        round=allocation_round,
        measure=locked,
        sector=current.sector,
        place_kind=current.place_kind,
        starts_on=starts_on,
        planned_end_on=planned_end_on,
        status=Placement.Status.ACTIVE if starts_on <= timezone.localdate() else Placement.Status.PLANNED,
        price_per_month=locked.price_per_place_month,
        created_by=by,
    )
    placement.full_clean()
    placement.save()
    current.status = PlaceRequest.Status.PLACED
    current.version += 1
    current.save(update_fields=["status", "version"])
    audit_record(
        action=AuditAction.CREATE,
        actor=by,
        obj=placement,
        person_id=_person_id(current),
        request=request,
        detail={
            "request": current.reference,
            "measure": locked.code,
            "sector": current.sector,
            "place_kind": current.place_kind,
            "starts_on": starts_on.isoformat(),
            "planned_end_on": planned_end_on.isoformat(),
        },
    )
    return placement


def _lock_current(placement: Placement, expected_version: int) -> Placement:
    current = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("request__case", "measure")
        .get(pk=placement.pk)
    )
    if current.version != expected_version:
        raise StalePlacement()
    return current


@transaction.atomic
def placement_end(
    *,
    placement: Placement,
    ended_on: dt.date | None,
    exit_reason: str,
    by: User,
    expected_version: int,
    request: HttpRequest | None = None,
) -> Placement:
    """Record the actual end of a placement and why the person left; its place is proposed to the waiting list.

    The end may not precede the start nor be in the future; the exit reason is required.
    Raises `StalePlacement` when the placement changed since `expected_version` was read.
    """
    _require_may_act(by, placement.request)
    current = _lock_current(placement, expected_version)
    if current.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Un placement « %(status)s » ne peut plus être terminé.") % {"status": current.get_status_display()}
        )
    errors: dict[str, list[str]] = {}
    if ended_on is None:
        errors["ended_on"] = [_("Indiquez la date de fin effective.")]
    elif ended_on < current.starts_on:
        errors["ended_on"] = [
            _("La fin effective ne peut pas précéder le début du placement (%(start)s).")
            % {"start": f"{current.starts_on:%d.%m.%Y}"}
        ]
    elif ended_on > timezone.localdate():
        errors["ended_on"] = [_("La fin effective ne peut pas être dans le futur.")]
    if not exit_reason:
        errors["exit_reason"] = [_("Indiquez le motif de sortie.")]
    elif exit_reason not in ExitReason.values:
        errors["exit_reason"] = [_("Ce motif de sortie n'existe pas.")]
    if errors or ended_on is None:
        raise ValidationError(errors)
    previous = current.status
    current.status, current.ended_on, current.exit_reason = Placement.Status.ENDED, ended_on, exit_reason
    current.version += 1
    current.full_clean()
    current.save(update_fields=["status", "ended_on", "exit_reason", "version"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=by,
        obj=current,
        person_id=_person_id(current.request),
        request=request,
        detail={"status": [previous, current.status], "ended_on": ended_on.isoformat(), "exit_reason": exit_reason},
    )
    # The place is free from the day after the last day in it.
    _release(placement=current, on=ended_on + dt.timedelta(days=1), by=by)
    return current


@transaction.atomic
def placement_cancel(
    *,
    placement: Placement,
    by: User,
    expected_version: int,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Placement:
    """Cancel a placement that did not take place (or was recorded in error); its request waits again.

    Its place is proposed to the waiting list from its start, or from today if it had started.
    """
    _require_may_act(by, placement.request)
    current = _lock_current(placement, expected_version)
    if current.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Un placement « %(status)s » ne peut pas être annulé.") % {"status": current.get_status_display()}
        )
    previous = current.status
    current.status = Placement.Status.CANCELLED
    current.version += 1
    current.full_clean()
    current.save(update_fields=["status", "version"])
    place_request = PlaceRequest.objects.select_for_update().get(pk=current.request_id)
    if place_request.status == PlaceRequest.Status.PLACED:
        place_request.status = PlaceRequest.Status.WAITING
        place_request.version += 1
        place_request.save(update_fields=["status", "version"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=by,
        obj=current,
        person_id=_person_id(current.request),
        request=request,
        detail={"status": [previous, current.status], "reason": reason.strip()[:300]},
    )
    _release(placement=current, on=max(current.starts_on, timezone.localdate()), by=by)
    return current


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def monthly_report_send(*, month: dt.date, sector: str, by: User, request: HttpRequest | None = None) -> MonthlyReport:
    """Freeze `sector`'s figures of `month` as sent to SEMP's dashboard of mixed programmes; return the report.

    Only for LACI, MIP, SAS and SMIG (the mandate excepts SFPO and OAI), only by
    that sector's delegate, only for a month already begun, and only once.
    """
    from measures.selectors.dashboard import dashboard_sector_figures

    month = month_start(month)
    if sector not in Sector.values or sector not in MONTHLY_REPORT_SECTORS:
        raise ValidationError(
            _("Les chiffres mensuels ne sont transmis que pour les secteurs LACI, MIP, SAS et SMIG (mandat).")
        )
    if sector not in delegate_sectors(by):
        raise PermissionDenied(
            _("Seul·e le·la délégué·e du secteur %(sector)s peut envoyer ses chiffres.")
            % {"sector": Sector(sector).label}
        )
    if month > month_start(timezone.localdate()):
        raise ValidationError(_("Les chiffres d'un mois qui n'a pas commencé ne peuvent pas être envoyés."))
    already = MonthlyReport.objects.filter(Q(month=month) & Q(sector=sector)).first()
    if already is not None:
        raise ValidationError(
            _("Les chiffres de %(month)s du secteur %(sector)s ont déjà été envoyés le %(day)s.")
            % {"month": f"{month:%m.%Y}", "sector": Sector(sector).label, "day": f"{already.sent_at:%d.%m.%Y}"}
        )
    report = MonthlyReport(month=month, sector=sector, figures=dashboard_sector_figures(month=month, sector=sector))
    report.sent_by = by
    report.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Sent by someone else at the same moment.
        raise ValidationError(
            _("Les chiffres de %(month)s du secteur %(sector)s ont déjà été envoyés.")
            % {"month": f"{month:%m.%Y}", "sector": Sector(sector).label}
        ) from None
    audit_record(
        action=AuditAction.CREATE,
        actor=by,
        obj=report,
        request=request,
        detail={"month": month.isoformat(), "sector": sector},
    )
    return report
