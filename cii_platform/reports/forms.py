"""Forms of the report pages."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cii_platform.audit.models import AuditAction

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

SWISS_DATE_FORMATS = ["%d.%m.%Y"]


def _date_field(label: "StrOrPromise", required_message: "StrOrPromise") -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=SWISS_DATE_FORMATS,
        help_text=_("Par exemple 31.01.2026."),
        error_messages={
            "required": required_message,
            "invalid": _("Saisissez une date au format jj.mm.aaaa, par exemple 31.01.2026."),
        },
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class AuditExtractRequestForm(forms.Form):
    """The period (both days included) and optional filters of an audit-trail extract."""

    date_from = _date_field(_("Du (jj.mm.aaaa)"), _("Indiquez le premier jour de la période."))
    date_to = _date_field(_("Au (jj.mm.aaaa)"), _("Indiquez le dernier jour de la période."))
    person = forms.CharField(label=_("Personne (identifiant)"), required=False, max_length=64)
    object = forms.CharField(label=_("Objet (référence, ou type:identifiant)"), required=False, max_length=200)
    user = forms.CharField(label=_("Utilisateur·rice (identifiant)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("toutes"))] + list(AuditAction.choices)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return data

    def parameters(self) -> dict[str, str]:
        """The job parameters: ISO dates and the filters that were filled in."""
        data = self.cleaned_data
        parameters = {"date_from": data["date_from"].isoformat(), "date_to": data["date_to"].isoformat()}
        for key in ("person", "object", "user", "action"):
            if data.get(key):
                parameters[key] = data[key]
        return parameters

    @classmethod
    def initial_from(cls, query: Mapping[str, str]) -> dict[str, Any]:
        """Initial values taken from an audit search's query string (unknown or invalid values ignored).

        Without a period in the query, the period proposed is the current month up to today.
        """
        today = timezone.localdate()
        initial: dict[str, Any] = {"date_from": today.replace(day=1), "date_to": today}
        for key in ("date_from", "date_to"):
            try:
                value = forms.DateField(required=False).clean(query.get(key, ""))
            except forms.ValidationError:
                value = None
            if value:
                initial[key] = value
        for key in ("person", "object", "user"):
            if query.get(key):
                initial[key] = query[key][:200]
        if query.get("action") in AuditAction.values:
            initial["action"] = query["action"]
        return initial
