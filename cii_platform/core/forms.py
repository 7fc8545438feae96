"""What the platform's forms share."""

from typing import cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ServiceErrorsMixin:
    """Show a service's ValidationError on the fields it names, the rest above the form."""

    def add_service_errors(self, error: ValidationError) -> None:
        form = cast(forms.Form, self)
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields and key != NON_FIELD_ERRORS else None, messages)
