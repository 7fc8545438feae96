"""Reading persons, always starting from what the user may see.

A person has no grant of their own: a user reaches a person through the case
files of that person that the user's service may see (cii_platform.access). A
person the user may not reach answers 404, exactly like a person that does not
exist.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from cases.models import CaseFile, Person
from cii_platform.access import access_filter_visible, access_legal_basis
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


def person_likely_duplicates(*, first_name: str, last_name: str, birth_date: dt.date) -> QuerySet[Person]:
    """Persons already recorded with the same name and birth date (case-insensitive).

    Not restricted to what anyone may see: callers that show the result to a user
    must go through `person_likely_duplicates_for`.
    """
    return Person.objects.filter(
        first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip(), birth_date=birth_date
    )


def _visible_cases_of_outer_person(user: User | None) -> QuerySet[CaseFile]:
    # OuterRef("pk") is the person of the enclosing query; the access gate adds its
    # own EXISTS on the grant table inside, bound to the case file.
    return access_filter_visible(user=user, queryset=CaseFile.objects.filter(person=OuterRef("pk")))


def person_list_visible(*, user: User | None, before_id: int | None = None) -> QuerySet[Person]:
    """The persons with at least one case file `user` may see, newest record first.

    With `before_id` (a keyset cursor), only the persons with a smaller id.
    """
    visible_cases = _visible_cases_of_outer_person(user)
    if visible_cases.query.is_empty():  # no service access at all
        return Person.objects.none()
    persons = Person.objects.filter(Exists(visible_cases))
    if before_id is not None:
        persons = persons.filter(pk__lt=before_id)
    return persons.order_by("-id")


def person_search_visible(*, user: User | None, text: str, before_id: int | None = None) -> QuerySet[Person]:
    """The visible persons matching `text`: a full AVS number (any spelling), else every word of the name.

    An empty `text` finds every visible person; a malformed AVS number finds nobody.
    """
    from cases.services.persons import avs_normalise  # services import this module

    persons = person_list_visible(user=user, before_id=before_id)
    text = text.strip()
    if not text:
        return persons
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits.startswith("756") and len(digits) >= 13:
        try:
            return persons.filter(avs_number=avs_normalise(text))
        except ValidationError:  # an invalid number simply finds nobody
            return persons.none()
    for word in text.split():
        persons = persons.filter(Q(last_name__icontains=word) | Q(first_name__icontains=word))
    return persons


def person_is_visible(*, user: User | None, person: Person) -> bool:
    """Whether `user` may see at least one case file of `person` right now."""
    return person_list_visible(user=user).filter(pk=person.pk).exists()


def person_find_visible_by_avs(*, user: User | None, avs_number: str) -> Person | None:
    """The visible person with this (normalised) AVS number, or None; a hidden one is never returned."""
    if not avs_number:
        return None
    return person_list_visible(user=user).filter(avs_number=avs_number).first()


@dataclass(frozen=True)
class LikelyDuplicates:
    """Persons with the same name and birth date, as a given user may learn of them.

    `visible` are persons the user may see (shown with their details); `others_known`
    only says that at least one more such person is recorded in a case file the user
    may not see: nothing about them (not even how many) is disclosed.
    """

    visible: list[Person]
    others_known: bool

    def __bool__(self) -> bool:
        return bool(self.visible) or self.others_known


def person_likely_duplicates_for(
    *, user: User | None, first_name: str, last_name: str, birth_date: dt.date
) -> LikelyDuplicates:
    """The likely duplicates of a new person as `user` may learn of them (two queries)."""
    candidates = person_likely_duplicates(first_name=first_name, last_name=last_name, birth_date=birth_date)
    visible_ids = set(
        person_list_visible(user=user).filter(pk__in=candidates.values("pk")).values_list("pk", flat=True)
    )
    visible: list[Person] = []
    others_known = False
    for candidate in candidates.order_by("id")[:50]:
        if candidate.pk in visible_ids:
            visible.append(candidate)
        else:
            others_known = True
    return LikelyDuplicates(visible=visible, others_known=others_known)


def person_get_for_reading(*, user: User | None, person_id: int, request: HttpRequest | None = None) -> Person:
    """The person `person_id` if `user` may see at least one of their case files, else Http404.

    A missing person and a hidden one give the same 404; trying a hidden one is
    audited as a refused access. A granted read is audited as READ with the
    person's id and the legal basis of the newest case file through which the
    user sees them.
    """
    if not 0 < person_id < 2**63:  # beyond any id: missing, without asking the database
        raise Http404
    person = person_list_visible(user=user).filter(pk=person_id).first()
    if person is None:
        if Person.objects.filter(pk=person_id).exists():
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=user,
                object_type=Person._meta.label_lower,
                object_id=str(person_id),
                object_label=f"P-{person_id}",
                person_id=str(person_id),
                request=request,
                detail={"capability": "view"},
            )
        raise Http404
    through = person_case_files_visible(user=user, person=person).first()
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=person,
        person_id=str(person.pk),
        legal_basis=access_legal_basis(user=user, obj=through) if through is not None else "",
        request=request,
    )
    return person


def person_case_files_visible(*, user: User | None, person: Person) -> QuerySet[CaseFile]:
    """The case files of `person` that `user` may see, newest first, with programme and lead service."""
    cases = CaseFile.objects.filter(person=person).select_related("programme", "lead_service")
    return access_filter_visible(user=user, queryset=cases).order_by("-id")
