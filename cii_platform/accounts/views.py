"""Login, logout and the second factor."""

import base64

import segno
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from cii_platform.accounts.forms import LoginForm, TokenForm
from cii_platform.accounts.selectors import totp_device_for
from cii_platform.accounts.services import second_factor_enrolment_start, second_factor_verify


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); the session is deleted on the server."""


@never_cache
@sensitive_post_parameters("token")
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the TOTP code; on first use, show the QR code to enrol the authenticator app."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    confirmed = totp_device_for(user=user, confirmed=True)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor_verify(user=user, token=form.cleaned_data["token"], request=request):  # type: ignore[arg-type]
            return redirect(next_url or "core:home")
        form.add_error("token", _("Ce code n'est pas valable. Vérifiez l'heure de votre téléphone et réessayez."))
    context: dict[str, object] = {"form": form, "next": next_url, "enrolling": confirmed is None}
    if confirmed is None:
        device = second_factor_enrolment_start(user=user)  # type: ignore[arg-type]
        qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
        context["qr_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(qr_svg.encode()).decode()
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/second_factor.html", context)
