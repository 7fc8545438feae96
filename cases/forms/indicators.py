"""Forms of the indicators page (period and programme) and of a follow-up check's answer."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Programme
from cii_platform.audit.forms import swiss_date_field

# The Réseau CII and the CM FP keep files since 2009: the earliest sensible start.
EARLIEST = dt.date(2000, 1, 1)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period shown without a choice: from the first of January of this year to today."""
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), today


class IndicatorFilterForm(forms.Form):
    """The period (signalements from … to …) and, optionally, one programme."""

    date_from = swiss_date_field(_("Signalés du (jj.mm.aaaa)"))
    date_to = swiss_date_field(_("Signalés jusqu'au (jj.mm.aaaa)"))
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("tous les programmes"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_period()
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or end
        if data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        if data["date_from"] < EARLIEST:
            raise forms.ValidationError(_("La période ne peut pas commencer avant le 01.01.2000."))
        return data


class FollowUpRecordForm(forms.Form):
    """The answer of a follow-up check: still in a job or in training?"""

    still_integrated = forms.TypedChoiceField(
        label=_("La personne est-elle toujours en emploi ou en formation ?"),
        choices=[("oui", _("oui")), ("non", _("non"))],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez si la personne est toujours en emploi ou en formation.")},
    )
    note = forms.CharField(
        label=_("Remarque (facultatif)"),
        help_text=_("Par exemple l'employeur ou l'école, ou ce qui a changé. 300 caractères au plus."),
        max_length=300,
        required=False,
    )
