"""Writes of the partner companies: creation and update by CNIP staff.

Only CNIP staff (`labels.roles.is_cnip_staff`) manage the companies; anyone else gets `PermissionDenied`,
which the pages and the API answer with the 404 of a missing page. Bad input raises a `ValidationError`
keyed by field with French messages and saves nothing. Every change is audited (field names only: the
contact person's details are personal data and stay out of the trail).

The Swiss company identifier (IDE/UID) is optional. When given it is checked (format and check digit, with
python-stdnum) and stored in its official form CHE-123.456.789, whatever the spacing or punctuation it was
typed with; two companies never share one. Two companies of the same name in the same locality (ignoring
case) are refused as a duplicate.

An update names the version it was read at (`expected_version`): if someone saved the company since, it is
refused with `StaleCompany` and nothing is saved.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from stdnum.ch import uid as stdnum_uid
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as NumberError

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.exceptions import StaleVersion
from labels.models import Canton, PartnerCompany
from labels.roles import is_cnip_staff

# The fields a company's form (or an import row) gives, in the order of the form.
COMPANY_FIELDS: tuple[str, ...] = (
    "name",
    "uid",
    "canton",
    "locality",
    "branch",
    "contact_name",
    "contact_email",
    "contact_phone",
    "active",
)


class StaleCompany(StaleVersion):
    """The company changed since the form was read: the save is refused, nothing is lost."""

    def __init__(self, company: PartnerCompany) -> None:
        super().__init__(
            _(
                "Cette entreprise a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version actuelle."
            )
        )
        self.company = company


def require_cnip_staff(user: User | None) -> None:
    """Raise `PermissionDenied` unless `user` is CNIP staff (the label's data is theirs to manage)."""
    if not is_cnip_staff(user):
        raise PermissionDenied(_("Seul le personnel du CNIP gère les entreprises partenaires et les stages."))


def uid_normalise(raw: str) -> str:
    """The company identifier in its official form CHE-123.456.789, or "" for an empty entry.

    Accepts any spacing, dots or dashes and any case ("CHE-123.456.788", "CHE123456788",
    "che 123 456 788", or the nine digits alone). Raises a (non-field) `ValidationError` with a
    French message for a wrong check digit or anything that is not a UID.
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return str(stdnum_uid.format(stdnum_uid.validate(raw)))
    except InvalidChecksum as error:
        raise ValidationError(
            _("Le numéro IDE %(uid)s n'est pas valide (chiffre de contrôle).")
            % {"uid": stdnum_uid.format(stdnum_uid.compact(raw))},
            code="invalid_uid_checksum",
        ) from error
    except NumberError as error:
        raise ValidationError(
            _("Le numéro IDE « %(uid)s » n'est pas valide : il doit avoir la forme CHE-123.456.789.") % {"uid": raw},
            code="invalid_uid",
        ) from error


def unknown_canton_message(raw: str) -> str:
    """The French refusal of a canton that is not one of the 26 official abbreviations."""
    return _("Canton « %(canton)s » inconnu : indiquez son abréviation officielle (par exemple NE, VD, BE, FR).") % {
        "canton": raw
    }


def company_input_errors(
    *,
    name: str,
    uid: str,
    canton: str,
    locality: str,
    branch: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    active: bool,
    company: PartnerCompany | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The cleaned values of a company's details and the French errors found in them, keyed by field.

    Reads only (the duplicate checks query the companies, `company` excluded): nothing is saved. Strings are
    stripped, the UID formatted, the canton upper-cased. Used by the services below and by the import,
    which reports every error of a row at once.
    """
    values: dict[str, Any] = {
        "name": (name or "").strip(),
        "uid": (uid or "").strip(),
        "canton": (canton or "").strip().upper(),
        "locality": (locality or "").strip(),
        "branch": (branch or "").strip(),
        "contact_name": (contact_name or "").strip(),
        "contact_email": (contact_email or "").strip(),
        "contact_phone": (contact_phone or "").strip(),
        "active": bool(active),
    }
    errors: dict[str, list[str]] = {}
    if not values["name"]:
        errors["name"] = [_("Indiquez la raison sociale de l'entreprise.")]
    try:
        values["uid"] = uid_normalise(values["uid"])
    except ValidationError as error:
        errors["uid"] = list(error.messages)
    if values["canton"] not in Canton.values:
        errors["canton"] = (
            [_("Indiquez le canton de l'entreprise.")]
            if not values["canton"]
            else [unknown_canton_message(values["canton"])]
        )
    if not values["locality"]:
        errors["locality"] = [_("Indiquez la localité de l'entreprise.")]
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = [
                _("L'adresse électronique « %(email)s » n'est pas valable.") % {"email": values["contact_email"]}
            ]
    others = PartnerCompany.objects.all() if company is None else PartnerCompany.objects.exclude(pk=company.pk)
    if values["uid"] and "uid" not in errors:
        holder = others.filter(uid=values["uid"]).first()
        if holder is not None:
            errors["uid"] = [
                _("Le numéro IDE %(uid)s est déjà celui de l'entreprise « %(name)s ».")
                % {"uid": values["uid"], "name": holder.name}
            ]
    if values["name"] and values["locality"]:
        if others.filter(name__iexact=values["name"], locality__iexact=values["locality"]).exists():
            errors.setdefault("name", []).append(
                _("Une entreprise « %(name)s » existe déjà à %(locality)s.")
                % {"name": values["name"], "locality": values["locality"]}
            )
    return values, errors


def _cleaned(**details: Any) -> dict[str, Any]:
    values, errors = company_input_errors(**details)
    if errors:
        raise ValidationError(errors)
    return values


def _save(company: PartnerCompany, update_fields: list[str] | None = None) -> None:
    # The model's constraints (UID unique, known canton, name given) are checked by `company_input_errors`
    # with French messages, so `full_clean` skips them: Django would check each again with a query of its
    # own, which an import of thousands of rows would pay for each row. The database enforces them anyway.
    # Two concurrent saves of the same UID both pass the duplicate check; the database's unique
    # constraint refuses the second one, which gets the same French message as the check.
    try:
        with transaction.atomic():
            company.save(update_fields=update_fields)
    except IntegrityError as error:
        others = PartnerCompany.objects.exclude(pk=company.pk) if company.pk else PartnerCompany.objects.all()
        if company.uid and others.filter(uid=company.uid).exists():
            raise ValidationError(
                {"uid": _("Le numéro IDE %(uid)s est déjà celui d'une autre entreprise.") % {"uid": company.uid}}
            ) from error
        raise


@transaction.atomic
def company_create(
    *,
    name: str,
    uid: str,
    canton: str,
    locality: str,
    branch: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    active: bool = True,
    created_by: User,
    request: HttpRequest | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> PartnerCompany:
    """Add a partner company (CNIP staff only) and return it, at version 1.

    `uid` may be empty; otherwise it is validated and stored formatted (CHE-123.456.789). `canton` is one of
    the official abbreviations (`labels.models.Canton`, any case). Raises `PermissionDenied` for anyone but
    CNIP staff and `ValidationError` (French messages keyed by field: missing name, canton or locality,
    unknown canton, invalid or already used UID, invalid e-mail, same name in the same locality) with
    nothing saved. The creation is audited (`audit_detail` is added to the event's detail, e.g. the import
    it came from).
    """
    require_cnip_staff(created_by)
    values = _cleaned(
        name=name,
        uid=uid,
        canton=canton,
        locality=locality,
        branch=branch,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        active=active,
    )
    company = PartnerCompany(**values)
    company.full_clean(validate_constraints=False)  # see _save
    _save(company)
    audit_record(
        action=AuditAction.CREATE,
        actor=created_by,
        obj=company,
        request=request,
        detail={"canton": company.canton, "uid": company.uid, **(audit_detail or {})},
    )
    return company


@transaction.atomic
def company_update(
    *,
    company: PartnerCompany,
    name: str,
    uid: str,
    canton: str,
    locality: str,
    branch: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    active: bool,
    expected_version: int,
    changed_by: User,
    request: HttpRequest | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> PartnerCompany:
    """Replace the company's details with those given (CNIP staff only) and return the saved company.

    `expected_version` is the version the form was read at: a company saved since raises `StaleCompany`
    (checked under the row's lock, before anything else). Same validation as `company_create` (the company
    itself does not count as a duplicate). A save that changes something increments the version and is
    audited with the names of the changed fields (plus `audit_detail`); one that changes nothing leaves the
    company as it is (same version, no audit event).
    Deactivating a company keeps its internships and its past editions; it only gets no new internship.
    """
    require_cnip_staff(changed_by)
    current = PartnerCompany.objects.select_for_update().get(pk=company.pk)
    if current.version != expected_version:
        raise StaleCompany(current)
    values = _cleaned(
        name=name,
        uid=uid,
        canton=canton,
        locality=locality,
        branch=branch,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        active=active,
        company=current,
    )
    changes = [field for field, value in values.items() if getattr(current, field) != value]
    if not changes:
        return current
    for field in changes:
        setattr(current, field, values[field])
    current.version += 1
    current.full_clean(validate_constraints=False)  # see _save
    _save(current, update_fields=[*changes, "version", "updated_at"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=changed_by,
        obj=current,
        request=request,
        detail={"changed": sorted(changes), **(audit_detail or {})},
    )
    return current
