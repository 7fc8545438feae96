"""Forms of the report pages."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cii_platform.audit.forms import AuditSearchForm, swiss_date_field
from cii_platform.audit.models import AuditAction


class AuditExtractRequestForm(AuditSearchForm):
    """The period (both days included, required) and optional filters of an audit-trail extract."""

    date_from = swiss_date_field(
        _("Du (jj.mm.aaaa)"), required=True, required_message=_("Indiquez le premier jour de la période.")
    )
    date_to = swiss_date_field(
        _("Au (jj.mm.aaaa)"), required=True, required_message=_("Indiquez le dernier jour de la période.")
    )

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
