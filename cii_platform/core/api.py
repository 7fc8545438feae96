"""API permissions built on the access gate, and the services' refusals as API answers."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework.exceptions import ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings

from cii_platform.access import Capability, access_can


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


@contextmanager
def service_refusals(*, permission_denied_as_404: bool = True) -> Iterator[None]:
    """Run a service call and answer its refusals as the pages do.

    A `ValidationError` becomes a 400 with its French messages (nothing was saved:
    the services are atomic). A `PermissionDenied` (the object is visible but not
    the caller's to change, e.g. another service's task) becomes the 404 of a
    missing object, unless `permission_denied_as_404` is False (then 403).
    """
    try:
        yield
    except DjangoValidationError as error:
        raise api_validation_error(error) from None
    except PermissionDenied:
        if permission_denied_as_404:
            raise Http404 from None
        raise
