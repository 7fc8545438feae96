"""What the platform's forms share."""

from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

VERSION_MISSING = _("Le formulaire ne dit pas quelle version vous avez modifiée : rechargez la page et recommencez.")


class ServiceErrorsMixin:
    """Show a service's ValidationError on the fields it names, the rest above the form."""

    def add_service_errors(self, error: ValidationError) -> None:
        form = cast(forms.Form, self)
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields and key != NON_FIELD_ERRORS else None, messages)


class VersionedForm(forms.Form):
    """An edit form with a hidden `version`: which version of the object the page showed.

    The service compares it with the object's current version and refuses a stale save (a
    `StaleVersion` subclass); the page then shows the French message above the form and keeps
    what was typed. A missing or garbled version is shown above the form (a hidden field's
    errors are not shown by the field templates).
    """

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING, "min_value": VERSION_MISSING},
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if "version" in self.fields and "version" in self.errors:
            self.add_error(None, VERSION_MISSING)
        return cleaned
