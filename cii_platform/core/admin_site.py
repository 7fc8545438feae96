"""The Django admin, for platform administrators only."""

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cii_platform.accounts.models import Role


class PlatformAdminSite(admin.AdminSite):
    site_header = _("Administration de la plateforme CII")
    site_title = _("Plateforme CII")
    index_title = _("Comptes et services partenaires")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_role(Role.PLATFORM_ADMIN))  # type: ignore[union-attr]

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        # A logged-in account without the role gets the same 404 as a missing page.
        if request.user.is_authenticated:
            raise Http404
        # One login page for the whole platform (lockout, second factor, audit).
        next_url = request.GET.get("next", reverse("admin:index"))
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
