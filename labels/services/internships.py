"""Writes of the CNIP training programmes and of the internships in partner companies.

Only CNIP staff (`labels.roles.is_cnip_staff`) write them; anyone else gets `PermissionDenied`, which the pages
and the API answer with the 404 of a missing page. Bad input raises a `ValidationError` keyed by field with
French messages and saves nothing; every change is audited (field names only: coaching notes stay out of the
trail).

An intern appears only under a pseudonym: the label's work needs no identity, and nothing links an internship
to a case file.

Editing an internship is always allowed, whatever the editions of the label: a published edition is frozen by
its own rows (`RankingEntry`, `EditionFigures`), which nothing here touches.
"""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from labels.models import Internship, PartnerCompany, TrainingProgramme
from labels.services.companies import require_cnip_staff

# A pseudonym must not be an identity: an AVS number (756 and ten more digits, with or without dots) is refused.
_AVS_LIKE = re.compile(r"^\s*756[\s.]?\d{4}[\s.]?\d{4}[\s.]?\d{2}\s*$")


class StaleInternship(StaleVersion):
    """The internship changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, internship: Internship) -> None:
        super().__init__(
            _(
                "Ce stage a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.internship = internship


# -- Training programmes -------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *, code: str, name: str, created_by: User, request: HttpRequest | None = None
) -> TrainingProgramme:
    """Add a CNIP training programme (CNIP staff only), active, and return it.

    `code` is a slug (letters, digits, dashes), stored in lower case and unique; `name` is required.
    Raises `PermissionDenied` for anyone but CNIP staff and `ValidationError` (French, keyed by field) with
    nothing saved. The creation is audited.
    """
    require_cnip_staff(created_by)
    code, name = (code or "").strip().lower(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Indiquez le code de la formation.")]
    elif TrainingProgramme.objects.filter(code=code).exists():
        errors["code"] = [_("Une formation porte déjà le code « %(code)s ».") % {"code": code}]
    if not name:
        errors["name"] = [_("Indiquez le nom de la formation.")]
    if errors:
        raise ValidationError(errors)
    programme = TrainingProgramme(code=code, name=name)
    programme.full_clean()
    try:
        with transaction.atomic():
            programme.save()
    except IntegrityError as error:  # the same code saved concurrently
        raise ValidationError({"code": _("Une formation porte déjà le code « %(code)s ».") % {"code": code}}) from error
    audit_record(action=AuditAction.CREATE, actor=created_by, obj=programme, request=request)
    return programme


# -- Internships ---------------------------------------------------------------------------


def _internship_values(
    *,
    company: PartnerCompany,
    intern_pseudonym: str,
    programme: TrainingProgramme,
    starts_on: dt.date,
    ends_on: dt.date,
    finished: bool,
    employed_on_last_day: bool,
    coaching_notes: str,
    current: Internship | None,
) -> dict[str, Any]:
    """The cleaned values, or `ValidationError` with every French error found, keyed by field."""
    values: dict[str, Any] = {
        "company": company,
        "intern_pseudonym": (intern_pseudonym or "").strip(),
        "programme": programme,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "finished": bool(finished),
        "employed_on_last_day": bool(employed_on_last_day),
        "coaching_notes": (coaching_notes or "").strip(),
    }
    errors: dict[str, list[str]] = {}
    if not values["intern_pseudonym"]:
        errors["intern_pseudonym"] = [_("Indiquez le pseudonyme du ou de la stagiaire.")]
    elif _AVS_LIKE.match(values["intern_pseudonym"]):
        errors["intern_pseudonym"] = [
            _("Le pseudonyme ne doit pas être un numéro AVS : le label ne connaît les stagiaires que sous pseudonyme.")
        ]
    if ends_on < starts_on:
        errors["ends_on"] = [
            _("La fin du stage (%(end)s) ne peut pas précéder son début (%(start)s).")
            % {"end": ends_on.strftime("%d.%m.%Y"), "start": starts_on.strftime("%d.%m.%Y")}
        ]
    if values["employed_on_last_day"] and not values["finished"]:
        errors["employed_on_last_day"] = [
            _("Un·e stagiaire ne peut être engagé·e au dernier jour que si le stage est terminé.")
        ]
    today = timezone.localdate()
    if values["finished"] and ends_on > today:
        errors.setdefault("ends_on", []).append(
            _("Un stage terminé ne peut pas finir dans le futur (%(end)s) : indiquez la date de fin effective.")
            % {"end": ends_on.strftime("%d.%m.%Y")}
        )
    # A company or programme that is no longer active gets no new internship; an internship already there
    # stays editable (it counts in the editions of its years).
    if not company.active and (current is None or current.company_id != company.pk):
        errors["company"] = [
            _("L'entreprise « %(name)s » n'est plus active : elle ne reçoit pas de nouveau stage.")
            % {"name": company.name}
        ]
    if not programme.active and (current is None or current.programme_id != programme.pk):
        errors["programme"] = [
            _("La formation « %(name)s » n'est plus proposée : choisissez-en une autre.") % {"name": programme.name}
        ]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def internship_create(
    *,
    company: PartnerCompany,
    intern_pseudonym: str,
    programme: TrainingProgramme,
    starts_on: dt.date,
    ends_on: dt.date,
    finished: bool,
    employed_on_last_day: bool,
    coaching_notes: str,
    created_by: User,
    request: HttpRequest | None = None,
) -> Internship:
    """Record an internship of a pseudonymous intern in `company` (CNIP staff only) and return it, at version 1.

    `ends_on` is the planned end while the internship runs, the actual end once `finished`.
    Raises `PermissionDenied` for anyone but CNIP staff and `ValidationError` (French, keyed by field) with
    nothing saved for: an empty pseudonym or one that is an AVS number, an end before the start, an intern
    employed on the last day of an unfinished internship, a finished internship ending in the future, an
    inactive company or an inactive programme. The creation is audited.
    """
    require_cnip_staff(created_by)
    values = _internship_values(
        company=company,
        intern_pseudonym=intern_pseudonym,
        programme=programme,
        starts_on=starts_on,
        ends_on=ends_on,
        finished=finished,
        employed_on_last_day=employed_on_last_day,
        coaching_notes=coaching_notes,
        current=None,
    )
    internship = Internship(**values, created_by=created_by)
    internship.full_clean()
    internship.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=created_by,
        obj=internship,
        request=request,
        detail={"company": company.pk, "programme": programme.pk},
    )
    return internship


@transaction.atomic
def internship_update(
    *,
    internship: Internship,
    company: PartnerCompany,
    intern_pseudonym: str,
    programme: TrainingProgramme,
    starts_on: dt.date,
    ends_on: dt.date,
    finished: bool,
    employed_on_last_day: bool,
    coaching_notes: str,
    expected_version: int,
    changed_by: User,
    request: HttpRequest | None = None,
) -> Internship:
    """Replace the internship's details with those given (CNIP staff only) and return the saved internship.

    `expected_version` is the version the form was read at: an internship saved since raises
    `StaleInternship` (checked under the row's lock, before anything else). Same refusals as
    `internship_create`, except that an internship may stay with its company or programme after it became
    inactive (only moving it to an inactive one is refused). Always allowed whatever the label's editions:
    a published edition keeps the figures it was published with. A save that changes something increments
    the version and is audited with the names of the changed fields; one that changes nothing leaves the
    internship as it is.
    """
    require_cnip_staff(changed_by)
    current = Internship.objects.select_for_update().get(pk=internship.pk)
    if current.version != expected_version:
        raise StaleInternship(current)
    values = _internship_values(
        company=company,
        intern_pseudonym=intern_pseudonym,
        programme=programme,
        starts_on=starts_on,
        ends_on=ends_on,
        finished=finished,
        employed_on_last_day=employed_on_last_day,
        coaching_notes=coaching_notes,
        current=current,
    )
    changes = [name for name, value in values.items() if getattr(current, name) != value]
    if not changes:
        return current
    for name in changes:
        setattr(current, name, values[name])
    current.version += 1
    current.full_clean()
    current.save(update_fields=[*changes, "version", "updated_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=changed_by,
        obj=current,
        request=request,
        detail={"changed": sorted(changes)},
    )
    return current
