"""Recording persons: AVS numbers normalised and checked, likely duplicates shown first."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from stdnum.ch import ssn
from stdnum.exceptions import ValidationError as NumberError

from cases.models import Person, Sex
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


def avs_normalise(raw: str) -> str | None:
    """The AVS number in its official form 756.XXXX.XXXX.XC, None for an empty entry.

    Raises ValidationError with a French message for anything that is not a valid
    Swiss social-security number (format, 756 prefix, EAN-13 check digit).
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return str(ssn.format(ssn.validate(raw)))
    except NumberError as error:
        raise ValidationError(
            _(
                "Ce numéro AVS n'est pas valable : il doit compter 13 chiffres, commencer par 756 "
                "et se terminer par le bon chiffre de contrôle (par exemple 756.9217.0769.85)."
            ),
            code="invalid_avs",
        ) from error


@transaction.atomic
def person_create(
    *,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    created_by: User | None,
    avs_number: str = "",
    sex: str = Sex.OTHER,
    language: str = "français",
    commune: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    request: HttpRequest | None = None,
) -> Person:
    """Record a person. An AVS number, when given, must be valid and not yet recorded.

    Showing likely duplicates (same name and birth date) before recording is the
    caller's duty: see `cases.selectors.person_likely_duplicates`.
    """
    normalised = avs_normalise(avs_number)
    if normalised and Person.objects.filter(avs_number=normalised).exists():
        raise ValidationError(
            {"avs_number": _("Une personne avec ce numéro AVS est déjà enregistrée.")}, code="duplicate_avs"
        )
    person = Person(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        avs_number=normalised,
        sex=sex,
        language=language,
        commune=commune,
        phone=phone,
        email=email,
        address=address,
        created_by=created_by,
    )
    person.full_clean()
    person.save()
    audit_record(action=AuditAction.CREATE, actor=created_by, obj=person, person_id=str(person.pk), request=request)
    return person
