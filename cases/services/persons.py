"""Recording persons and signalling them: AVS numbers normalised and checked, likely duplicates shown first."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.ch import ssn
from stdnum.exceptions import ValidationError as NumberError

from cases.models import CaseFile, Person, Programme, Sex
from cases.services.case_files import case_open
from cii_platform.accounts.models import Role, User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record

if TYPE_CHECKING:
    from cases.selectors.persons import LikelyDuplicates

# The person selectors are imported where used: selector modules import
# `avs_normalise` from here, and an import cycle through the packages' __init__
# would otherwise depend on which side is imported first.


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


def _duplicate_avs_error() -> ValidationError:
    return ValidationError(
        {"avs_number": _("Une personne avec ce numéro AVS est déjà enregistrée.")}, code="duplicate_avs"
    )


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

    Raises ValidationError (French messages, keyed by field) and saves nothing for an
    invalid or already recorded AVS number or a birth date in the future. Showing
    likely duplicates (same name and birth date) before recording is the caller's
    duty: see `cases.selectors.persons.person_likely_duplicates_for`, or use
    `person_signal`, which does it.
    """
    try:
        normalised = avs_normalise(avs_number)
    except ValidationError as error:
        raise ValidationError({"avs_number": error.messages}, code="invalid_avs") from error
    if normalised and Person.objects.filter(avs_number=normalised).exists():
        raise _duplicate_avs_error()
    if birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("La date de naissance ne peut pas être dans le futur.")})
    person = Person(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        avs_number=normalised,
        sex=sex,
        language=language.strip() or "français",
        commune=commune.strip(),
        phone=phone.strip(),
        email=email.strip(),
        address=address.strip(),
        created_by=created_by,
    )
    person.full_clean()
    try:
        # A savepoint: a concurrent record of the same number loses the race here,
        # with the same message as the check above.
        with transaction.atomic():
            person.save()
    except IntegrityError as error:
        raise _duplicate_avs_error() from error
    audit_record(action=AuditAction.CREATE, actor=created_by, obj=person, person_id=str(person.pk), request=request)
    return person


@dataclass(frozen=True)
class PersonDetails:
    """The identity of a person being signalled for the first time (as typed in the form)."""

    first_name: str
    last_name: str
    birth_date: dt.date
    avs_number: str = ""
    sex: str = Sex.OTHER
    language: str = "français"
    commune: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


class LikelyDuplicatesFound(ValidationError):
    """Persons with the same name and birth date are recorded: pick one, or confirm a new record.

    `duplicates` tells only what the signalling user may learn (see `LikelyDuplicates`).
    """

    def __init__(self, duplicates: "LikelyDuplicates") -> None:
        super().__init__(
            _(
                "Une personne portant ce nom et née le même jour est déjà enregistrée. "
                "Vérifiez qu'il ne s'agit pas de la même personne avant d'en créer une nouvelle fiche."
            ),
            code="likely_duplicates",
        )
        self.duplicates = duplicates


class OverProgrammeAge(ValidationError):
    """The person is older than the programme's entry age; signalling needs an explicit confirmation."""

    def __init__(self, *, programme: Programme, age: int) -> None:
        super().__init__(
            _(
                "Le programme « %(programme)s » est destiné aux personnes de %(max_age)s ans au plus ; "
                "cette personne a %(age)s ans. Signalez-la plutôt dans un autre programme, ou confirmez "
                "le signalement : le dossier pourra être classé « hors critères » (âge)."
            )
            % {"programme": programme.name, "max_age": programme.max_age, "age": age},
            code="over_age",
        )
        self.programme = programme
        self.age = age


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age in completed years on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _same_identity(person: Person, details: PersonDetails) -> bool:
    return (
        person.first_name.strip().casefold() == details.first_name.strip().casefold()
        and person.last_name.strip().casefold() == details.last_name.strip().casefold()
        and person.birth_date == details.birth_date
    )


def _person_for_signal(
    *, signalled_by: User, details: PersonDetails, new_person_confirmed: bool, request: HttpRequest | None
) -> Person:
    """The person a new signalement is about: the one recorded with this AVS number, or a new record."""
    from cases.selectors.persons import person_likely_duplicates_for

    try:
        normalised = avs_normalise(details.avs_number)
    except ValidationError as error:
        raise ValidationError({"avs_number": error.messages}, code="invalid_avs") from error
    if normalised:
        recorded = Person.objects.filter(avs_number=normalised).first()
        if recorded is not None:
            # The AVS number is the person's identifier across the cantonal services:
            # the new case file joins the existing record, so that hand-offs between
            # services are counted for one person. Only a user who typed the same
            # identity gets there; nothing of the other services' case files shows.
            if _same_identity(recorded, details):
                return recorded
            raise ValidationError(
                {
                    "avs_number": _(
                        "Ce numéro AVS est déjà enregistré pour une autre identité. "
                        "Vérifiez le numéro, le nom, le prénom et la date de naissance."
                    )
                },
                code="avs_identity_mismatch",
            )
    duplicates = person_likely_duplicates_for(
        user=signalled_by, first_name=details.first_name, last_name=details.last_name, birth_date=details.birth_date
    )
    if duplicates and not new_person_confirmed:
        raise LikelyDuplicatesFound(duplicates)
    return person_create(
        first_name=details.first_name,
        last_name=details.last_name,
        birth_date=details.birth_date,
        avs_number=normalised or "",
        sex=details.sex,
        language=details.language,
        commune=details.commune,
        phone=details.phone,
        email=details.email,
        address=details.address,
        created_by=signalled_by,
        request=request,
    )


@transaction.atomic
def person_signal(
    *,
    signalled_by: User,
    programme: Programme,
    person: Person | None = None,
    details: PersonDetails | None = None,
    new_person_confirmed: bool = False,
    over_age_confirmed: bool = False,
    region: str = "",
    signal_reason: str = "",
    receives_unemployment: bool = False,
    receives_disability: bool = False,
    receives_social_assistance: bool = False,
    request: HttpRequest | None = None,
) -> CaseFile:
    """Signal a person to the network: a new case file led by the caseworker's own service.

    The person is either `person`, whom `signalled_by` must already see through a
    case file, or `details` of a person to record. With `details`:
    - an AVS number already recorded for the same name and birth date reuses that
      record (the new case file is about the same person); for another identity
      it is refused;
    - otherwise, persons with the same name and birth date raise
      `LikelyDuplicatesFound` unless `new_person_confirmed`.
    A person older than the programme's `max_age` raises `OverProgrammeAge` unless
    `over_age_confirmed`. Any ValidationError leaves nothing saved.
    Raises PermissionDenied for an account that is not a caseworker of a service.
    """
    from cases.selectors.persons import person_is_visible

    if (person is None) == (details is None):
        raise TypeError("person_signal needs exactly one of `person` and `details`.")
    lead_service = signalled_by.service
    if lead_service is None or not signalled_by.has_role(Role.CASEWORKER):
        raise PermissionDenied
    if not programme.active:
        raise ValidationError({"programme": _("Ce programme n'accepte plus de signalements.")})
    if person is not None and not person_is_visible(user=signalled_by, person=person):
        raise ValidationError(_("Cette personne ne figure dans aucun dossier de votre service."))
    identity = person if person is not None else details
    birth_date = identity.birth_date if identity is not None else timezone.localdate()
    age = age_on(birth_date, timezone.localdate())
    if programme.max_age is not None and age > programme.max_age and not over_age_confirmed:
        raise OverProgrammeAge(programme=programme, age=age)
    if details is not None:
        person = _person_for_signal(
            signalled_by=signalled_by, details=details, new_person_confirmed=new_person_confirmed, request=request
        )
    if person is None:  # unreachable: exactly one of person and details, checked above
        raise TypeError("person_signal needs exactly one of `person` and `details`.")
    return case_open(
        person=person,
        programme=programme,
        lead_service=lead_service,
        opened_by=signalled_by,
        region=region,
        signal_reason=signal_reason.strip(),
        receives_unemployment=receives_unemployment,
        receives_disability=receives_disability,
        receives_social_assistance=receives_social_assistance,
        request=request,
    )
