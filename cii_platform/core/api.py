"""The API's shared pieces: permissions on the access gate, the base viewset, the services' refusals as answers."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from cii_platform.access import Capability, access_can
from cii_platform.accounts.models import User
from cii_platform.core.exceptions import StaleVersion


class ObjectAccessPermission(BasePermission):
    """Authenticated users only; per object, GET needs `view` and writes need `change`.

    DRF's DjangoObjectPermissions does not check `view` on GET; this does, and
    answers a refusal with 404 so that existence does not leak.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        capability = Capability.VIEW if request.method in SAFE_METHODS else Capability.CHANGE
        if not access_can(user=request.user, obj=obj, capability=capability):  # type: ignore[arg-type]
            raise Http404
        return True


# Base of the viewsets whose reads go through the selectors and whose writes go through the services.
# Authenticated staff only; what each caller may see or change is decided by the selectors and services (a
# refusal is the 404 of a missing object), not by DRF object permissions.
# No docstring on purpose: drf-spectacular would show it as the description of every operation of every
# subclass that has none of its own.
class StaffViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]  # IsAuthenticated guarantees a staff account

    def page_of(self, rows: QuerySet[Any], *, mark: Callable[[list[Any]], object] | None = None) -> Response:
        """The paginated answer for `rows` (a selector's queryset); `mark` sets the page's per-row flags."""
        page = self.paginate_queryset(rows) or []
        if mark is not None:
            mark(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def api_validation_error(error: DjangoValidationError) -> ValidationError:
    """The DRF error (answered 400) carrying the French messages of a service's `ValidationError`.

    Errors keyed by field keep their keys; errors of the whole input (a plain
    message, or `NON_FIELD_ERRORS`) go under `non_field_errors`, as DRF's own.
    """
    detail = get_error_detail(error)
    if isinstance(detail, dict):
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        return ValidationError(detail)
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: detail})


class StaleVersionConflict(APIException):
    """409: the write named a version of the object that someone else has changed since; nothing was saved."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("L'objet a été modifié entre-temps : relisez-le avant de réessayer.")
    default_code = "stale"


@contextmanager
def service_refusals(*, permission_denied_as_404: bool = True) -> Iterator[None]:
    """Run a service call and answer its refusals as the pages do.

    A `StaleVersion` (the `expected_version` given is no longer the object's)
    becomes a 409 with its French message. A `ValidationError` becomes a 400 with
    its French messages (nothing was saved: the services are atomic). A
    `PermissionDenied` (the object is visible but not the caller's to change, e.g.
    another service's task) becomes the 404 of a missing object, unless
    `permission_denied_as_404` is False (then 403).
    """
    try:
        yield
    except StaleVersion as stale:
        # Caught before ValidationError: some stale refusals are also ValidationErrors (for the forms), and
        # their str() would be a list.
        messages = stale.messages if isinstance(stale, DjangoValidationError) else [str(stale)]
        raise StaleVersionConflict(" ".join(messages)) from None
    except DjangoValidationError as error:
        raise api_validation_error(error) from None
    except PermissionDenied:
        if permission_denied_as_404:
            raise Http404 from None
        raise
