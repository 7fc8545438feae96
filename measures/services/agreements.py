"""Recording service agreements (conventions de prestations) and their indicators with target values.

An agreement follows the outline of the federal guide (seed 004): parties, object
and legal bases, target groups, duration, volume and price, data protection and
secrecy, and indicators with target values. The platform computes the actual value
of each indicator from the placements (`measures.selectors.agreements`); here only
the target is recorded. Members of the coordination group write agreements. An update
names the version it was read at (`expected_version`): an agreement saved since is
refused with `StaleAgreement` and nothing is saved.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from measures.models import AgreementIndicator, AgreementMetric, Measure, Provider, ServiceAgreement
from measures.roles import is_coordination_member
from measures.selectors.agreements import PERCENT_METRICS


@dataclass(frozen=True)
class IndicatorTarget:
    """An indicator of an agreement as typed: which metric, its target, and which side of it is good."""

    metric: str
    target: Decimal
    higher_is_better: bool = True


@dataclass(frozen=True)
class AgreementTerms:
    """What an agreement says, as typed (see `ServiceAgreement` for each field)."""

    title: str
    parties: str
    legal_bases: str
    starts_on: dt.date
    ends_on: dt.date
    volume_places: int
    price: Decimal
    target_groups: str = ""
    data_protection: str = ""


class StaleAgreement(StaleVersion):
    """The agreement changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, agreement: ServiceAgreement) -> None:
        super().__init__(
            _(
                "Cette convention a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.agreement = agreement


def _require_member(user: User) -> None:
    if not is_coordination_member(user):
        raise PermissionDenied(_("Seuls les membres du groupe de coordination enregistrent les conventions."))


def _check(
    provider: Provider, terms: AgreementTerms, measures: Sequence[Measure], indicators: Sequence[IndicatorTarget]
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in ("title", "parties", "legal_bases"):
        if not str(getattr(terms, field)).strip():
            add(field, _("Ce champ est obligatoire."))
    if terms.ends_on < terms.starts_on:
        add("ends_on", _("La fin de la convention ne peut pas précéder son début."))
    if terms.volume_places < 0:
        add("volume_places", _("Le volume de places ne peut pas être négatif."))
    if terms.price < 0:
        add("price", _("Le prix ne peut pas être négatif."))
    if any(measure.provider_id != provider.pk for measure in measures):
        add("measures", _("Une convention ne porte que sur des mesures du prestataire qui la signe."))
    seen: set[str] = set()
    for indicator in indicators:
        if indicator.metric not in AgreementMetric.values:
            add("indicators", _("Indicateur inconnu : %(metric)s.") % {"metric": indicator.metric})
            continue
        label = AgreementMetric(indicator.metric).label
        if indicator.metric in seen:
            add("indicators", _("L'indicateur « %(label)s » figure deux fois.") % {"label": label})
        seen.add(indicator.metric)
        if indicator.target < 0:
            add("indicators", _("La valeur cible de « %(label)s » ne peut pas être négative.") % {"label": label})
        if indicator.metric in PERCENT_METRICS and indicator.target > 100:
            add("indicators", _("La valeur cible de « %(label)s » est un pourcentage (0 à 100).") % {"label": label})
    if errors:
        raise ValidationError(errors)


def _apply(agreement: ServiceAgreement, terms: AgreementTerms) -> None:
    agreement.title = terms.title.strip()
    agreement.parties = terms.parties.strip()
    agreement.legal_bases = terms.legal_bases.strip()
    agreement.target_groups = terms.target_groups.strip()
    agreement.starts_on = terms.starts_on
    agreement.ends_on = terms.ends_on
    agreement.volume_places = terms.volume_places
    agreement.price = terms.price
    agreement.data_protection = terms.data_protection.strip()


def _set_indicators(agreement: ServiceAgreement, indicators: Sequence[IndicatorTarget]) -> None:
    """Make the agreement's indicators exactly `indicators` (a metric left out is removed)."""
    AgreementIndicator.objects.filter(agreement=agreement).exclude(
        metric__in=[indicator.metric for indicator in indicators]
    ).delete()
    existing = {row.metric: row for row in AgreementIndicator.objects.filter(agreement=agreement)}
    for indicator in indicators:
        row = existing.get(indicator.metric) or AgreementIndicator(agreement=agreement, metric=indicator.metric)
        row.target = indicator.target
        row.higher_is_better = indicator.higher_is_better
        row.full_clean()
        row.save()


def _detail(
    agreement: ServiceAgreement, measures: Sequence[Measure], indicators: Sequence[IndicatorTarget]
) -> dict[str, object]:
    return {
        "provider": agreement.provider_id,
        "period": [agreement.starts_on.isoformat(), agreement.ends_on.isoformat()],
        "volume_places": agreement.volume_places,
        "price": str(agreement.price),
        "measures": sorted(measure.code for measure in measures),
        "indicators": {indicator.metric: str(indicator.target) for indicator in indicators},
    }


@transaction.atomic
def agreement_create(
    *,
    provider: Provider,
    terms: AgreementTerms,
    measures: Sequence[Measure],
    indicators: Sequence[IndicatorTarget],
    created_by: User,
    request: HttpRequest | None = None,
) -> ServiceAgreement:
    """Record an agreement with `provider` on some of its `measures`, with its indicators and targets.

    Raises `PermissionDenied` for anyone but a coordination-group member and
    `ValidationError` (French, by field) for a missing party, object or legal
    basis, an end before the start, a negative volume, price or target, a rate
    above 100 %, a metric given twice or a measure of another provider.
    """
    _require_member(created_by)
    _check(provider, terms, measures, indicators)
    agreement = ServiceAgreement(provider=provider)
    _apply(agreement, terms)
    agreement.full_clean()
    agreement.save()
    agreement.measures.set(measures)
    _set_indicators(agreement, indicators)
    audit_record(
        action=AuditAction.CREATE,
        actor=created_by,
        obj=agreement,
        request=request,
        detail=_detail(agreement, measures, indicators),
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: ServiceAgreement,
    terms: AgreementTerms,
    measures: Sequence[Measure],
    indicators: Sequence[IndicatorTarget],
    expected_version: int,
    updated_by: User,
    request: HttpRequest | None = None,
) -> ServiceAgreement:
    """Change the terms, measures and indicators of `agreement` (same rules as `agreement_create`).

    The agreement row is locked for the change, so that two members saving at the
    same time apply their changes one after the other, never mixed; and
    `expected_version` is the version the form was read at: an agreement saved
    since (terms, measures or indicators) raises `StaleAgreement` before anything
    changes, so that the second save never silently replaces the first. Each save
    increments the version.
    """
    _require_member(updated_by)
    current = ServiceAgreement.objects.select_for_update().select_related("provider").get(pk=agreement.pk)
    if current.version != expected_version:
        raise StaleAgreement(current)
    _check(current.provider, terms, measures, indicators)
    _apply(current, terms)
    current.version += 1
    current.full_clean()
    current.save(
        update_fields=[
            "title",
            "parties",
            "legal_bases",
            "target_groups",
            "starts_on",
            "ends_on",
            "volume_places",
            "price",
            "data_protection",
            "version",
        ]
    )
    current.measures.set(measures)
    _set_indicators(current, indicators)
    audit_record(
        action=AuditAction.CHANGE,
        actor=updated_by,
        obj=current,
        request=request,
        detail=_detail(current, measures, indicators),
    )
    return current
