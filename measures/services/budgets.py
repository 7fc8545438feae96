"""Writes of the sectoral budgets: budget years, each sector's places and CHF per measure, loans of places.

Each delegate edits the budgets of their own sector only (`delegate_sectors`): SEMP's for LACI and MIP,
SASO's for SAS, SMIG's for SMIG. A sector lends unused places to another for a period with both
delegates' agreement: one proposes (the lender's or the borrower's), the other sector's delegate answers.
A closed year changes no more. Every write locks its budget year first, so that a close, two budget
edits or two loan agreements of the same year never interleave. Refusals: `PermissionDenied` (not the
user's sector: the pages answer 404), `ValidationError` (French message), `StaleSectorBudget` (the line
changed since it was read). Nothing is saved on a refusal; every change is audited.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import BudgetYear, Measure, MeasureCapacity, PlaceLoan, Sector, SectorBudget
from measures.roles import delegate_sectors, is_coordination_member
from measures.selectors.budgets import loan_answering_sectors, loan_proposing_sectors, sector_unused_places

LOAN_REMARKS_MAX_CHARS = 300


class StaleSectorBudget(StaleVersion):
    """The budget line changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, budget: SectorBudget | None) -> None:
        super().__init__(
            _(
                "Ce budget a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.budget = budget


def _date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _sector_label(sector: str) -> str:
    return str(Sector(sector).label) if sector in Sector.values else sector


def _require_member(user: User | None) -> None:
    if not is_coordination_member(user):
        raise PermissionDenied(_("Seuls les membres du groupe de coordination gèrent les années budgétaires."))


def _lock_open_year(year: int) -> BudgetYear:
    """The budget year `year`, locked; a missing or closed year is refused in French."""
    budget_year = BudgetYear.objects.select_for_update().filter(year=year).first()
    if budget_year is None:
        raise ValidationError(
            {"year": _("L'année budgétaire %(year)d n'est pas ouverte : ouvrez-la d'abord.") % {"year": year}}
        )
    if budget_year.is_closed:
        raise ValidationError(
            {"year": _("L'année %(year)d est clôturée : ses budgets et ses prêts ne changent plus.") % {"year": year}}
        )
    return budget_year


# -- Budget years ------------------------------------------------------------------------


@transaction.atomic
def budget_year_open(*, year: int, opened_by: User, request: HttpRequest | None = None) -> BudgetYear:
    """Open the budget year `year` (an open year is returned as it is; a closed one is not reopened)."""
    _require_member(opened_by)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Indiquez une année entre 2000 et 2100.")})
    budget_year, created = BudgetYear.objects.get_or_create(year=year)
    if budget_year.is_closed:
        raise ValidationError(
            {"year": _("L'année %(year)d est clôturée ; elle ne peut pas être rouverte.") % {"year": year}}
        )
    if created:
        audit_record(action=AuditAction.CREATE, actor=opened_by, obj=budget_year, request=request)
    return budget_year


@transaction.atomic
def budget_year_close(*, budget_year: BudgetYear, closed_by: User, request: HttpRequest | None = None) -> BudgetYear:
    """Close the year: its budgets, loans and places no longer change; loans still waiting are cancelled."""
    _require_member(closed_by)
    current = _lock_open_year(budget_year.year)
    now = timezone.now()
    waiting = list(PlaceLoan.objects.select_for_update().filter(year=current, status=PlaceLoan.Status.PROPOSED))
    for loan in waiting:
        loan.status, loan.answered_at, loan.answered_by = PlaceLoan.Status.CANCELLED, now, closed_by
        loan.remarks = (loan.remarks + " " + _("(annulé à la clôture de l'année)")).strip()[:LOAN_REMARKS_MAX_CHARS]
        loan.save(update_fields=["status", "answered_at", "answered_by", "remarks"])
    current.closed_at = now
    current.full_clean()
    current.save(update_fields=["closed_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=closed_by,
        obj=current,
        request=request,
        detail={"closed": True, "cancelled_loans": [loan.pk for loan in waiting]},
    )
    return current


# -- Sector budgets ----------------------------------------------------------------------


@transaction.atomic
def sector_budget_set(
    *,
    year: int,
    measure: Measure,
    sector: Sector | str,
    places: int,
    amount: Decimal,
    expected_version: int,
    set_by: User,
    request: HttpRequest | None = None,
) -> SectorBudget:
    """Set what `sector` buys of `measure` in `year`: places and CHF; return the line.

    Only the delegate of `sector` may (`PermissionDenied` otherwise). `expected_version` is the version
    the form was read at (0 for a line that did not exist): a different current version raises
    `StaleSectorBudget`. Refused in French: a closed or unopened year, negative figures, a measure not
    active that year, and more places bought by all sectors together than the measure offers that year.
    """
    if sector not in delegate_sectors(set_by):
        raise PermissionDenied(_("Vous ne pouvez modifier que les budgets de votre propre secteur."))
    budget_year = _lock_open_year(year)
    errors: dict[str, str] = {}
    if places is None or places < 0:
        errors["places"] = _("Le nombre de places ne peut pas être négatif.")
    if amount is None or amount < 0:
        errors["amount"] = _("Le montant ne peut pas être négatif.")
    if errors:
        raise ValidationError(errors)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if measure.active_from > last or (measure.active_until is not None and measure.active_until < first):
        raise ValidationError(
            _("La mesure « %(measure)s » n'est pas active en %(year)d.") % {"measure": measure.name, "year": year}
        )
    budget = SectorBudget.objects.select_for_update().filter(year=budget_year, measure=measure, sector=sector).first()
    if (budget.version if budget else 0) != expected_version:
        raise StaleSectorBudget(budget)
    capacity = MeasureCapacity.objects.filter(measure=measure, year=year).aggregate(total=Sum("places"))["total"]
    if capacity is not None:
        others = (
            SectorBudget.objects.filter(year=budget_year, measure=measure)
            .exclude(sector=sector)
            .aggregate(total=Sum("places"))["total"]
            or 0
        )
        if others + places > capacity:
            raise ValidationError(
                {
                    "places": _(
                        "Les secteurs achèteraient ensemble %(wanted)d places de « %(measure)s » en %(year)d, "
                        "mais la mesure n'en offre que %(capacity)d (dont %(others)d déjà achetées par les autres "
                        "secteurs)."
                    )
                    % {
                        "wanted": others + places,
                        "measure": measure.name,
                        "year": year,
                        "capacity": capacity,
                        "others": others,
                    }
                }
            )
    if budget is not None:
        lent = (
            PlaceLoan.objects.filter(
                year=budget_year, measure=measure, from_sector=sector, status=PlaceLoan.Status.AGREED
            ).aggregate(total=Sum("places"))["total"]
            or 0
        )
        # A loan already agreed keeps its places: the budget cannot drop below what the sector lends.
        if places < lent and places < budget.places:
            raise ValidationError(
                {
                    "places": _(
                        "Le secteur %(sector)s prête %(lent)d places de cette mesure en %(year)d : "
                        "son budget ne peut pas descendre en dessous."
                    )
                    % {"sector": _sector_label(sector), "lent": lent, "year": year}
                }
            )
    previous = None if budget is None else (budget.places, str(budget.amount))
    if budget is None:
        budget = SectorBudget(year=budget_year, measure=measure, sector=sector, places=places, amount=amount)
        budget.updated_by = set_by
        budget.full_clean()
        budget.save()
    else:
        if (budget.places, budget.amount) == (places, amount):
            return budget
        budget.places, budget.amount, budget.updated_by = places, amount, set_by
        budget.version += 1
        budget.full_clean()
        budget.save(update_fields=["places", "amount", "updated_by", "version", "updated_at"])
    audit_record(
        action=AuditAction.CREATE if previous is None else AuditAction.CHANGE,
        actor=set_by,
        obj=budget,
        request=request,
        detail={
            "year": year,
            "measure": measure.code,
            "sector": str(sector),
            "places": [previous[0] if previous else None, places],
            "amount": [previous[1] if previous else None, str(amount)],
        },
    )
    return budget


# -- Loans of places ---------------------------------------------------------------------


def _check_lender_has_room(
    *, budget_year: BudgetYear, measure: Measure, from_sector: str, places: int, starts_on: dt.date, ends_on: dt.date
) -> None:
    unused = sector_unused_places(
        year=budget_year, measure=measure, sector=from_sector, starts_on=starts_on, ends_on=ends_on
    )
    if places > unused:
        raise ValidationError(
            {
                "places": _(
                    "Le secteur %(sector)s n'a que %(unused)d place(s) inutilisée(s) dans « %(measure)s » du "
                    "%(start)s au %(end)s : il ne peut pas en prêter %(places)d."
                )
                % {
                    "sector": _sector_label(from_sector),
                    "unused": max(unused, 0),
                    "measure": measure.name,
                    "start": _date(starts_on),
                    "end": _date(ends_on),
                    "places": places,
                }
            }
        )


@transaction.atomic
def place_loan_propose(
    *,
    year: int,
    measure: Measure,
    from_sector: Sector | str,
    to_sector: Sector | str,
    places: int,
    starts_on: dt.date,
    ends_on: dt.date,
    proposed_by: User,
    remarks: str = "",
    request: HttpRequest | None = None,
) -> PlaceLoan:
    """Propose that `from_sector` lend `places` of its budget in `measure` to `to_sector` for a period.

    Proposed by the lender's or the borrower's delegate (`PermissionDenied` otherwise), on behalf of the
    lender when they speak for it, else of the borrower (`proposer_sector`); the other sector's delegate
    answers (`place_loan_answer`). The period lies within the year, and the lender
    must leave at least `places` places unused during it (`sector_unused_places`).
    """
    own = delegate_sectors(proposed_by)
    if from_sector not in own and to_sector not in own:
        raise PermissionDenied(_("Seul le délégué du secteur prêteur ou emprunteur peut proposer ce prêt."))
    errors: dict[str, str] = {}
    if from_sector not in Sector.values or to_sector not in Sector.values:
        errors["to_sector"] = _("Choisissez deux secteurs de la liste.")
    elif from_sector == to_sector:
        errors["to_sector"] = _("Un secteur ne se prête pas de places à lui-même : choisissez un autre secteur.")
    if places is None or places < 1:
        errors["places"] = _("Prêtez au moins une place.")
    if ends_on < starts_on:
        errors["ends_on"] = _("La fin du prêt (%(end)s) ne peut pas précéder son début (%(start)s).") % {
            "end": _date(ends_on),
            "start": _date(starts_on),
        }
    elif starts_on.year != year or ends_on.year != year:
        errors["ends_on"] = _("Le prêt doit tenir dans l'année budgétaire %(year)d.") % {"year": year}
    remarks = remarks.strip()
    if len(remarks) > LOAN_REMARKS_MAX_CHARS:
        errors["remarks"] = _("Les remarques dépassent %(max)d caractères.") % {"max": LOAN_REMARKS_MAX_CHARS}
    if errors:
        raise ValidationError(errors)
    budget_year = _lock_open_year(year)
    _check_lender_has_room(
        budget_year=budget_year,
        measure=measure,
        from_sector=from_sector,
        places=places,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    loan = PlaceLoan(
        year=budget_year,
        measure=measure,
        from_sector=from_sector,
        to_sector=to_sector,
        places=places,
        starts_on=starts_on,
        ends_on=ends_on,
        proposed_by=proposed_by,
        proposer_sector=from_sector if from_sector in own else to_sector,
        remarks=remarks,
    )
    loan.full_clean()
    loan.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=proposed_by,
        obj=loan,
        request=request,
        detail={
            "year": year,
            "measure": measure.code,
            "from_sector": str(from_sector),
            "to_sector": str(to_sector),
            "places": places,
            "period": [starts_on.isoformat(), ends_on.isoformat()],
        },
    )
    return loan


def _lock_waiting_loan(loan: PlaceLoan) -> tuple[BudgetYear, PlaceLoan]:
    budget_year = _lock_open_year(loan.year.year)
    current = PlaceLoan.objects.select_for_update().get(pk=loan.pk)
    if current.status != PlaceLoan.Status.PROPOSED:
        raise ValidationError(
            _("Ce prêt a déjà reçu une réponse (%(status)s).") % {"status": current.get_status_display()}
        )
    return budget_year, current


@transaction.atomic
def place_loan_answer(
    *, loan: PlaceLoan, agree: bool, answered_by: User, request: HttpRequest | None = None
) -> PlaceLoan:
    """The other sector's delegate agrees to or refuses a proposed loan; both agreements are then on record.

    The proposer's agreement is the proposal; the answer records the other delegate and the moment. An
    agreement checks again, under the year's lock, that the lender still has the places unused.
    """
    budget_year, current = _lock_waiting_loan(loan)
    if not delegate_sectors(answered_by) & loan_answering_sectors(current):
        raise PermissionDenied(_("Seul le délégué de l'autre secteur peut répondre à ce prêt."))
    if agree:
        _check_lender_has_room(
            budget_year=budget_year,
            measure=current.measure,
            from_sector=current.from_sector,
            places=current.places,
            starts_on=current.starts_on,
            ends_on=current.ends_on,
        )
    current.status = PlaceLoan.Status.AGREED if agree else PlaceLoan.Status.REFUSED
    current.answered_by, current.answered_at = answered_by, timezone.now()
    current.full_clean()
    current.save(update_fields=["status", "answered_by", "answered_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=answered_by,
        obj=current,
        request=request,
        detail={
            "status": [PlaceLoan.Status.PROPOSED.value, current.status],
            "proposed_by": current.proposed_by.get_username(),
            "answered_by": answered_by.get_username(),
        },
    )
    return current


@transaction.atomic
def place_loan_cancel(*, loan: PlaceLoan, cancelled_by: User, request: HttpRequest | None = None) -> PlaceLoan:
    """The proposer's side withdraws a loan that has no answer yet."""
    _budget_year, current = _lock_waiting_loan(loan)
    if not delegate_sectors(cancelled_by) & loan_proposing_sectors(current):
        raise PermissionDenied(_("Seul le secteur qui a proposé ce prêt peut le retirer."))
    current.status = PlaceLoan.Status.CANCELLED
    current.answered_by, current.answered_at = cancelled_by, timezone.now()
    current.full_clean()
    current.save(update_fields=["status", "answered_by", "answered_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=cancelled_by,
        obj=current,
        request=request,
        detail={"status": [PlaceLoan.Status.PROPOSED.value, current.status]},
    )
    return current
