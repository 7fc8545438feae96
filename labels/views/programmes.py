"""The CNIP training programmes an internship consolidates: the list and the form to add one (CNIP staff).

Anyone else gets the 404 of a missing page and nothing changes. A programme is never deleted (internships
refer to it); the form refuses a code already taken, in French, and keeps what was typed.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cii_platform.accounts.models import User
from cii_platform.core.forms import ServiceErrorsMixin
from cii_platform.core.pages import form_action
from labels.selectors.internships import programme_list
from labels.services.internships import programme_create


class ProgrammeForm(ServiceErrorsMixin, forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("Lettres, chiffres et tirets, par exemple « polymecanique »."),
        error_messages={"invalid": gettext_lazy("Le code ne contient que des lettres, des chiffres et des tirets.")},
    )
    name = forms.CharField(label=gettext_lazy("Nom de la formation"), max_length=150)


@login_required
@require_http_methods(["GET", "POST"])
def programme_index(request: HttpRequest) -> HttpResponse:
    """The programmes by name, with the form to add one."""
    user: User = request.user  # type: ignore[assignment]  # login_required guarantees an account
    programmes = list(programme_list(user=user))
    form = ProgrammeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        programme = form_action(
            form,
            lambda: programme_create(
                code=form.cleaned_data["code"], name=form.cleaned_data["name"], created_by=user, request=request
            ),
        )
        if programme is not None:
            messages.success(request, _("La formation « %(name)s » est enregistrée.") % {"name": programme.name})
            return redirect("labels:programme_list")
    return render(request, "labels/programme_list.html", {"programmes": programmes, "form": form})


urlpatterns: list[URLPattern] = [path("formations/", programme_index, name="programme_list")]
