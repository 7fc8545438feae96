"""Reading place requests and placements, always starting from what the user may see.

Who sees which requests: coordination-group members see every request (they
distribute the places); caseworkers see their own service's requests; anyone
else sees none, and a request they name answers 404 like a missing one.

Who sees the person behind a request: only a viewer whose service may view the
request's case right now through the access gate — the requesting service
(normally the lead, or a partner of the case), or another service that takes
part in the case under a consent or an article of law in force. Everyone else,
and everyone for a request made without a case, sees the pseudonym only.
The identity is read by one query per page (`place_requests_mark_identity`),
never joined into the list, so a row carries no person data its viewer may not see.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest

from cases.models import CaseFile
from cii_platform.access import access_filter_visible, access_legal_basis
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record
from cii_platform.core.pagination import KeysetPage, keyset_page
from measures.models import Placement, PlacePreference, PlaceRequest
from measures.roles import is_coordination_member, may_request_places
from measures.services.placements import placement_may_act


def place_requests_visible(*, user: User | None) -> QuerySet[PlaceRequest]:
    """The requests `user` may list, newest first: all for members, their service's for caseworkers."""
    queryset = PlaceRequest.objects.select_related("service", "requested_by").prefetch_related(
        Prefetch("preferences", queryset=PlacePreference.objects.select_related("measure").order_by("rank"))
    )
    if is_coordination_member(user):
        return queryset.order_by("-id")
    if may_request_places(user) and user is not None:
        return queryset.filter(service_id=user.service_id).order_by("-id")
    return queryset.none()


def place_requests_mark_identity(*, user: User | None, rows: Sequence[PlaceRequest]) -> None:
    """Set on each row what `user` sees of its person, with one query for the whole page.

    `shows_person`, `person_name` and `case_reference` are set for the rows whose case
    `user`'s service may view; the others get the pseudonym only (`person_name` = "").
    `can_act` says whether the user may withdraw the request or act on its placements.
    """
    case_ids = {row.case_id for row in rows if row.case_id is not None}
    identities: dict[int, tuple[str, str, int]] = {}
    if case_ids:
        visible = access_filter_visible(user=user, queryset=CaseFile.objects.filter(pk__in=case_ids))
        identities = {
            pk: (reference, f"{first} {last}", person_id)
            for pk, reference, first, last, person_id in visible.values_list(
                "pk", "reference", "person__first_name", "person__last_name", "person_id"
            )
        }
    for row in rows:
        identity = identities.get(row.case_id) if row.case_id is not None else None
        row.shows_person = identity is not None  # type: ignore[attr-defined]
        row.case_reference = identity[0] if identity else ""  # type: ignore[attr-defined]
        row.person_name = identity[1] if identity else ""  # type: ignore[attr-defined]
        row.visible_person_id = identity[2] if identity else None  # type: ignore[attr-defined]
        row.can_act = (  # type: ignore[attr-defined]
            may_request_places(user) and user is not None and user.service_id == row.service_id
        )


def place_requests_page(*, user: User | None, after: str | None, size: int = 50) -> KeysetPage[PlaceRequest]:
    """One page of the requests `user` may see, each marked with what they see of the person."""
    page = keyset_page(place_requests_visible(user=user), after=after, size=size)
    place_requests_mark_identity(user=user, rows=page.rows)
    return page


def _audit_identity_read(*, user: User | None, place_request: PlaceRequest, request: HttpRequest | None) -> None:
    """A detail that shows the person is a read of the person, on the basis of the case's grant."""
    person_id = getattr(place_request, "visible_person_id", None)
    if person_id is None:
        return
    audit_record(
        action=AuditAction.READ,
        actor=user,
        obj=place_request,
        person_id=str(person_id),
        legal_basis=access_legal_basis(user=user, obj=CaseFile(pk=place_request.case_id)),
        request=request,
    )


def place_request_get_visible(
    *, user: User | None, pk: int, request: HttpRequest | None = None, audit_read: bool = True
) -> PlaceRequest:
    """The request `pk` if `user` may see it (Http404 otherwise, the refusal audited), marked like a list row.

    With `audit_read`, a detail showing the person is audited as a read of the person.
    """
    try:
        place_request = place_requests_visible(user=user).get(pk=pk)
    except ObjectDoesNotExist:
        hidden = PlaceRequest.objects.filter(pk=pk).first()
        if hidden is not None:
            audit_record(action=AuditAction.ACCESS_DENIED, actor=user, obj=hidden, request=request)
        raise Http404 from None
    place_requests_mark_identity(user=user, rows=[place_request])
    if audit_read:
        _audit_identity_read(user=user, place_request=place_request, request=request)
    return place_request


def place_request_placements(*, place_request: PlaceRequest) -> list[Placement]:
    """The placements of a request already read through `place_request_get_visible`, newest first."""
    return list(place_request.placements.select_related("measure").order_by("-starts_on", "-id"))


# -- Placements --------------------------------------------------------------------------------------------


def placements_visible(*, user: User | None, status: str = "") -> QuerySet[Placement]:
    """The placements `user` may list (those of the requests they may see), newest first; optionally one status."""
    queryset = Placement.objects.select_related("measure", "request", "request__service")
    if status in Placement.Status.values:
        queryset = queryset.filter(status=status)
    if is_coordination_member(user):
        return queryset.order_by("-id")
    if may_request_places(user) and user is not None:
        return queryset.filter(request__service_id=user.service_id).order_by("-id")
    return queryset.none()


def placements_mark(*, user: User | None, rows: Sequence[Placement]) -> None:
    """Set what `user` sees of each placement's person (as for requests) and whether they may end it."""
    place_requests_mark_identity(user=user, rows=[row.request for row in rows])
    for row in rows:
        row.can_act = placement_may_act(user=user, place_request=row.request) and row.status in (  # type: ignore[attr-defined]
            Placement.Status.PLANNED,
            Placement.Status.ACTIVE,
        )


def placements_page(*, user: User | None, after: str | None, status: str = "", size: int = 50) -> KeysetPage[Placement]:
    page = keyset_page(placements_visible(user=user, status=status), after=after, size=size)
    placements_mark(user=user, rows=page.rows)
    return page


def placement_get_visible(
    *, user: User | None, pk: int, request: HttpRequest | None = None, audit_read: bool = True
) -> Placement:
    """The placement `pk` if `user` may see it (Http404 otherwise, the refusal audited), marked like a list row."""
    try:
        placement = placements_visible(user=user).get(pk=pk)
    except ObjectDoesNotExist:
        hidden = Placement.objects.filter(pk=pk).first()
        if hidden is not None:
            audit_record(action=AuditAction.ACCESS_DENIED, actor=user, obj=hidden, request=request)
        raise Http404 from None
    placements_mark(user=user, rows=[placement])
    person_id = getattr(placement.request, "visible_person_id", None)
    if audit_read and person_id is not None:
        audit_record(
            action=AuditAction.READ,
            actor=user,
            obj=placement,
            person_id=str(person_id),
            legal_basis=access_legal_basis(user=user, obj=CaseFile(pk=placement.request.case_id)),
            request=request,
        )
    return placement


def person_label(place_request: PlaceRequest) -> dict[str, Any]:
    """What a marked request shows of its person: name and case reference, or the pseudonym alone."""
    if getattr(place_request, "shows_person", False):
        return {
            "pseudonym": place_request.pseudonym,
            "person_name": place_request.person_name,  # type: ignore[attr-defined]
            "case_reference": place_request.case_reference,  # type: ignore[attr-defined]
        }
    return {"pseudonym": place_request.pseudonym, "person_name": "", "case_reference": ""}
