"""Template context shared by every page: navigation by role."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cii_platform.core.navigation import navigation_for


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "demo_canton": settings.CII_DEMO_CANTON,
        "second_factor_required": settings.CII_REQUIRE_SECOND_FACTOR,
        "navigation": navigation_for(user, request.path) if user is not None and user.is_authenticated else [],
    }
