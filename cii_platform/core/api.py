"""API permissions built on the access gate."""

from typing import Any

from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

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
