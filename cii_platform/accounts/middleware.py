"""Session lifetime (10 hours at most) and the second factor required in production."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SESSION_LOGIN_STAMP = "cii_authenticated_at"
SESSION_RENEWED_STAMP = "cii_renewed_at"


class SessionLifetimeMiddleware:
    """End every session 10 hours after login, whatever the activity; renew it while it is used.

    The idle timeout (30 minutes, `SESSION_COOKIE_AGE`) runs from the last save
    of the session. An authenticated request saves it again (pushing its expiry
    30 minutes ahead) once `CII_SESSION_RENEW_INTERVAL` has passed since the last
    save, rather than at every request: the idle timeout stays exact to within
    that interval, and a page costs no session write. A session without a login
    stamp is ended.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            stamp = request.session.get(SESSION_LOGIN_STAMP)
            limit = settings.CII_SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if not isinstance(stamp, int | float) or time.time() - stamp > limit:
                logout(request)
                messages.info(request, _("Votre session a expiré. Veuillez vous reconnecter."))
                return redirect(settings.LOGIN_URL)
            now = time.time()
            renewed = request.session.get(SESSION_RENEWED_STAMP)
            interval = settings.CII_SESSION_RENEW_INTERVAL.total_seconds()
            if not isinstance(renewed, int | float) or not 0 <= now - renewed < interval:
                request.session[SESSION_RENEWED_STAMP] = now  # modified: saved with a new expiry
        return self.get_response(request)


class SecondFactorMiddleware:
    """With CII_REQUIRE_SECOND_FACTOR, a logged-in user must pass TOTP before anything else."""

    EXEMPT_PREFIXES = ("/compte/", "/static/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.CII_REQUIRE_SECOND_FACTOR
            and request.user.is_authenticated
            and not request.user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            target = reverse("accounts:second_factor")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
