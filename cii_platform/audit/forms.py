"""The audit-trail search form (also the base of the audit extract request)."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cii_platform.audit.models import AuditAction

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

SWISS_DATE_FORMATS = ["%d.%m.%Y"]


def swiss_date_field(
    label: "StrOrPromise", *, required: bool = False, required_message: "StrOrPromise" = ""
) -> forms.DateField:
    """A date typed as 31.01.2026, with French messages."""
    error_messages = {"invalid": _("Saisissez une date au format jj.mm.aaaa, par exemple 31.01.2026.")}
    if required_message:
        error_messages["required"] = required_message
    return forms.DateField(
        label=label,
        required=required,
        input_formats=SWISS_DATE_FORMATS,
        help_text=_("Par exemple 31.01.2026."),
        error_messages=error_messages,
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class AuditSearchForm(forms.Form):
    person = forms.CharField(label=_("Personne (identifiant)"), required=False, max_length=64)
    object = forms.CharField(label=_("Objet (référence, ou type:identifiant)"), required=False, max_length=200)
    user = forms.CharField(label=_("Utilisateur·rice (identifiant)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("toutes"))] + list(AuditAction.choices)
    )
    date_from = swiss_date_field(_("Du (jj.mm.aaaa)"))
    date_to = swiss_date_field(_("Au (jj.mm.aaaa)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return data
