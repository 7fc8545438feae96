"""Writes of the inventory (cartographie): providers and their NE-ESO recognition, measures and their places.

Only members of the coordination group edit the inventory (`is_coordination_member`); anyone else gets
`PermissionDenied`, which the pages and the API answer with the 404 of a missing page. Bad input raises a
`ValidationError` with a French message and saves nothing; every change is audited (no personal data here).
An edit names the version it was read at (`expected_version`): if someone saved the provider or the measure
since, it is refused with `StaleProvider` or `StaleMeasure` and nothing is saved.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import (
    Branch,
    BudgetYear,
    EsoCriterion,
    EsoCriterionCheck,
    EsoStatus,
    Measure,
    MeasureCapacity,
    PlaceKind,
    Provider,
    Typology,
)
from measures.roles import is_coordination_member

EVIDENCE_MAX_CHARS = 500


class StaleProvider(StaleVersion):
    """The provider changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(
            _(
                "Ce prestataire a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.provider = provider


class StaleMeasure(StaleVersion):
    """The measure changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, measure: Measure) -> None:
        super().__init__(
            _(
                "Cette mesure a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.measure = measure


def _require_editor(user: User | None) -> None:
    if not is_coordination_member(user):
        raise PermissionDenied(_("Seuls les membres du groupe de coordination modifient la cartographie."))


def _date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


# -- Providers ---------------------------------------------------------------------------


def _provider_clean(*, name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Indiquez le nom du prestataire.")})
    return name


@transaction.atomic
def provider_create(
    *,
    name: str,
    created_by: User,
    locality: str = "",
    contact: str = "",
    email: str = "",
    phone: str = "",
    active: bool = True,
    request: HttpRequest | None = None,
) -> Provider:
    """Add a provider to the inventory (not yet assessed as a social enterprise)."""
    _require_editor(created_by)
    name = _provider_clean(name=name)
    if Provider.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("Un prestataire porte déjà ce nom.")})
    provider = Provider(
        name=name,
        locality=locality.strip(),
        contact=contact.strip(),
        email=email.strip(),
        phone=phone.strip(),
        active=active,
    )
    provider.full_clean()
    provider.save()
    audit_record(action=AuditAction.CREATE, actor=created_by, obj=provider, request=request)
    return provider


@transaction.atomic
def provider_update(
    *,
    provider: Provider,
    name: str,
    locality: str,
    contact: str,
    email: str,
    phone: str,
    active: bool,
    expected_version: int,
    changed_by: User,
    request: HttpRequest | None = None,
) -> Provider:
    """Replace the provider's details with those given (its NE-ESO status changes only by an assessment).

    `expected_version` is the version the form was read at: a provider saved since raises `StaleProvider`
    (checked under the row's lock, before anything else). A save that changes something increments the
    version; one that changes nothing leaves the provider as it is.
    """
    _require_editor(changed_by)
    current = Provider.objects.select_for_update().get(pk=provider.pk)
    if current.version != expected_version:
        raise StaleProvider(current)
    name = _provider_clean(name=name)
    if Provider.objects.filter(name__iexact=name).exclude(pk=current.pk).exists():
        raise ValidationError({"name": _("Un prestataire porte déjà ce nom.")})
    new = {
        "name": name,
        "locality": locality.strip(),
        "contact": contact.strip(),
        "email": email.strip(),
        "phone": phone.strip(),
        "active": active,
    }
    changes = {
        field: [getattr(current, field), value] for field, value in new.items() if getattr(current, field) != value
    }
    if not changes:
        return current
    for field, value in new.items():
        setattr(current, field, value)
    current.version += 1
    current.full_clean()
    current.save(update_fields=[*changes, "version"])
    audit_record(
        action=AuditAction.CHANGE, actor=changed_by, obj=current, request=request, detail={"changed": sorted(changes)}
    )
    return current


# -- NE-ESO recognition ------------------------------------------------------------------


@transaction.atomic
def eso_criterion_record(
    *,
    provider: Provider,
    criterion: EsoCriterion | str,
    met: bool,
    checked_by: User,
    evidence: str = "",
    checked_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> EsoCriterionCheck:
    """Record whether `provider` meets one criterion of annexe 4 (replacing an earlier check of it).

    The provider's status changes only when the group assesses it (`provider_eso_assess`).
    """
    _require_editor(checked_by)
    if criterion not in EsoCriterion.values:
        raise ValidationError({"criterion": _("Ce critère ne figure pas parmi les critères NE-ESO du GP CII.")})
    evidence = evidence.strip()
    if len(evidence) > EVIDENCE_MAX_CHARS:
        raise ValidationError(
            {"evidence": _("La justification dépasse %(max)d caractères.") % {"max": EVIDENCE_MAX_CHARS}}
        )
    today = timezone.localdate()
    checked_on = checked_on or today
    if checked_on > today:
        raise ValidationError({"checked_on": _("La date de vérification ne peut pas être dans le futur.")})
    check = EsoCriterionCheck.objects.select_for_update().filter(provider=provider, criterion=criterion).first()
    previous = None if check is None else check.met
    if check is None:
        check = EsoCriterionCheck(provider=provider, criterion=criterion)
    check.met, check.evidence, check.checked_on, check.checked_by = met, evidence, checked_on, checked_by
    check.full_clean()
    check.save()
    audit_record(
        action=AuditAction.CREATE if previous is None else AuditAction.CHANGE,
        actor=checked_by,
        obj=check,
        request=request,
        detail={"provider": provider.pk, "criterion": str(criterion), "met": met},
    )
    return check


@dataclass(frozen=True)
class EsoAssessment:
    """The outcome of an assessment: recognised iff every criterion of annexe 4 is checked and met."""

    provider: Provider
    recognised: bool
    failed: list[str]
    unchecked: list[str]
    explanation: str


def _eso_explanation(*, recognised: bool, failed: list[str], unchecked: list[str]) -> str:
    if recognised:
        return _("Reconnue NE-ESO : les %(count)d critères du GP CII sont remplis.") % {
            "count": len(EsoCriterion.values)
        }
    parts = []
    if failed:
        parts.append(_("critères non remplis : %(list)s") % {"list": " ; ".join(failed)})
    if unchecked:
        parts.append(_("critères pas encore vérifiés : %(list)s") % {"list": " ; ".join(unchecked)})
    return _("Non reconnue NE-ESO, %(parts)s.") % {"parts": " ; et ".join(parts)}


@transaction.atomic
def provider_eso_assess(
    *,
    provider: Provider,
    assessed_by: User,
    assessed_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> EsoAssessment:
    """Decide the provider's NE-ESO recognition from its criterion checks and date it.

    Recognised iff every criterion of annexe 4 has been checked and is met; otherwise "non reconnue", with
    the French explanation of which criteria fail or are still unchecked. Meeting the criteria gives no
    automatic right to state funding (annexe 4); the platform records the recognition only.
    """
    _require_editor(assessed_by)
    current = Provider.objects.select_for_update().get(pk=provider.pk)
    today = timezone.localdate()
    assessed_on = assessed_on or today
    if assessed_on > today:
        raise ValidationError({"assessed_on": _("La date d'évaluation ne peut pas être dans le futur.")})
    met = dict(EsoCriterionCheck.objects.filter(provider=current).values_list("criterion", "met"))
    failed = [str(criterion.label) for criterion in EsoCriterion if met.get(criterion.value) is False]
    unchecked = [str(criterion.label) for criterion in EsoCriterion if criterion.value not in met]
    recognised = not failed and not unchecked
    previous = current.eso_status
    current.eso_status = EsoStatus.RECOGNISED if recognised else EsoStatus.NOT_RECOGNISED
    current.eso_assessed_on = assessed_on
    current.full_clean()
    current.save(update_fields=["eso_status", "eso_assessed_on"])
    explanation = _eso_explanation(recognised=recognised, failed=failed, unchecked=unchecked)
    audit_record(
        action=AuditAction.CHANGE,
        actor=assessed_by,
        obj=current,
        request=request,
        detail={
            "eso_status": [previous, current.eso_status],
            "failed": [c for c in EsoCriterion.values if met.get(c) is False],
            "unchecked": [c for c in EsoCriterion.values if c not in met],
        },
    )
    return EsoAssessment(
        provider=current, recognised=recognised, failed=failed, unchecked=unchecked, explanation=explanation
    )


# -- Measures ----------------------------------------------------------------------------


def _measure_clean(
    *,
    name: str,
    typology: str,
    price_per_place_month: Decimal,
    active_from: dt.date,
    active_until: dt.date | None,
) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Indiquez le nom de la mesure.")
    if typology not in Typology.values:
        errors["typology"] = _("Choisissez une typologie cantonale de la liste.")
    if price_per_place_month is None or price_per_place_month < 0:
        errors["price_per_place_month"] = _("Le prix par place et par mois ne peut pas être négatif.")
    if active_until is not None and active_until < active_from:
        errors["active_until"] = _(
            "La fin de la période d'activité (%(end)s) ne peut pas précéder son début (%(start)s)."
        ) % {"end": _date(active_until), "start": _date(active_from)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def measure_create(
    *,
    code: str,
    name: str,
    provider: Provider,
    branch: Branch,
    typology: Typology | str,
    price_per_place_month: Decimal,
    active_from: dt.date,
    created_by: User,
    active_until: dt.date | None = None,
    is_mixed: bool = True,
    description: str = "",
    request: HttpRequest | None = None,
) -> Measure:
    """Add a measure to the inventory; its places are set per year and kind with `measure_capacity_set`.

    The code is kept in lower case, so that two measures never differ by the case of their code
    alone; a measure is added only to an active provider.
    """
    _require_editor(created_by)
    code = code.strip().lower()
    if Measure.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Une mesure porte déjà ce code.")})
    if not provider.active:
        raise ValidationError(
            {"provider": _("Ce prestataire est inactif : réactivez-le avant de lui ajouter une mesure.")}
        )
    _measure_clean(
        name=name,
        typology=typology,
        price_per_place_month=price_per_place_month,
        active_from=active_from,
        active_until=active_until,
    )
    measure = Measure(
        code=code,
        name=name.strip(),
        provider=provider,
        branch=branch,
        typology=typology,
        price_per_place_month=price_per_place_month,
        active_from=active_from,
        active_until=active_until,
        is_mixed=is_mixed,
        description=description.strip(),
    )
    measure.full_clean()
    measure.save()
    audit_record(action=AuditAction.CREATE, actor=created_by, obj=measure, request=request)
    return measure


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    name: str,
    provider: Provider,
    branch: Branch,
    typology: Typology | str,
    price_per_place_month: Decimal,
    active_from: dt.date,
    active_until: dt.date | None,
    is_mixed: bool,
    description: str,
    expected_version: int,
    changed_by: User,
    request: HttpRequest | None = None,
) -> Measure:
    """Replace the measure's descriptive sheet with the values given (its code never changes).

    `expected_version` is the version the form was read at: a measure saved since raises `StaleMeasure`
    (checked under the row's lock, before the values). A save that changes something increments the
    version; one that changes nothing leaves the measure as it is.
    """
    _require_editor(changed_by)
    current = Measure.objects.select_for_update().get(pk=measure.pk)
    if current.version != expected_version:
        raise StaleMeasure(current)
    _measure_clean(
        name=name,
        typology=typology,
        price_per_place_month=price_per_place_month,
        active_from=active_from,
        active_until=active_until,
    )
    new: dict[str, object] = {
        "name": name.strip(),
        "provider": provider,
        "branch": branch,
        "typology": str(typology),
        "price_per_place_month": price_per_place_month,
        "active_from": active_from,
        "active_until": active_until,
        "is_mixed": is_mixed,
        "description": description.strip(),
    }
    changed = [field for field, value in new.items() if getattr(current, field) != value]
    if not changed:
        return current
    for field, value in new.items():
        setattr(current, field, value)
    current.version += 1
    current.full_clean()
    current.save(update_fields=[*changed, "version"])
    audit_record(
        action=AuditAction.CHANGE, actor=changed_by, obj=current, request=request, detail={"changed": sorted(changed)}
    )
    return current


@transaction.atomic
def measure_capacity_set(
    *,
    measure: Measure,
    year: int,
    place_kind: PlaceKind | str,
    places: int,
    set_by: User,
    request: HttpRequest | None = None,
) -> MeasureCapacity:
    """Set how many places of `place_kind` the measure offers in `year` (0 keeps the kind, with no place).

    Refused in a closed budget year: the figures of a closed year are those that were reported.
    """
    _require_editor(set_by)
    errors: dict[str, str] = {}
    if place_kind not in PlaceKind.values:
        errors["place_kind"] = _("Choisissez un type de place de la liste.")
    if places is None or places < 0:
        errors["places"] = _("Le nombre de places ne peut pas être négatif.")
    if not 2000 <= year <= 2100:
        errors["year"] = _("Indiquez une année entre 2000 et 2100.")
    if errors:
        raise ValidationError(errors)
    if BudgetYear.objects.filter(year=year, closed_at__isnull=False).exists():
        raise ValidationError(
            {"year": _("L'année %(year)d est clôturée : ses places ne changent plus.") % {"year": year}}
        )
    capacity = (
        MeasureCapacity.objects.select_for_update().filter(measure=measure, year=year, place_kind=place_kind).first()
    )
    previous = None if capacity is None else capacity.places
    if capacity is None:
        capacity = MeasureCapacity(measure=measure, year=year, place_kind=place_kind, places=places)
    elif previous == places:
        return capacity
    capacity.places = places
    capacity.full_clean()
    capacity.save()
    audit_record(
        action=AuditAction.CREATE if previous is None else AuditAction.CHANGE,
        actor=set_by,
        obj=capacity,
        request=request,
        detail={"measure": measure.code, "year": year, "place_kind": str(place_kind), "places": [previous, places]},
    )
    return capacity
