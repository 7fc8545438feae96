"""The request form of the person's access report (data-protection officers)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cii_platform.audit.forms import swiss_date_field


class AccessReportRequestForm(forms.Form):
    """Who the report is about (full AVS number, or name, first name and birth date) and an optional period.

    Only checks what was typed; finding the person is `access_report.request_parameters`'s job.
    """

    avs_number = forms.CharField(
        label=_("Numéro AVS complet"),
        required=False,
        max_length=20,
        help_text=_("Par exemple 756.9217.0769.85."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    last_name = forms.CharField(label=_("Nom"), required=False, max_length=100)
    first_name = forms.CharField(label=_("Prénom"), required=False, max_length=100)
    birth_date = swiss_date_field(_("Date de naissance (jj.mm.aaaa)"))
    date_from = swiss_date_field(_("Du (jj.mm.aaaa)"))
    date_to = swiss_date_field(_("Au (jj.mm.aaaa)"))

    def clean_avs_number(self) -> str | None:
        from cases.services.persons import avs_normalise  # a pure check of the number's format

        return avs_normalise(self.cleaned_data.get("avs_number") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "avs_number" in self.errors:
            return data
        identity = [data.get("last_name", "").strip(), data.get("first_name", "").strip(), data.get("birth_date")]
        if not data.get("avs_number") and not all(identity):
            if "birth_date" not in self.errors:
                raise ValidationError(
                    _(
                        "Indiquez le numéro AVS complet de la personne ou, si elle n'en a pas, "
                        "son nom, son prénom et sa date de naissance."
                    ),
                    code="who",
                )
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("La date de début doit précéder la date de fin."), code="inverted_period")
        return data
