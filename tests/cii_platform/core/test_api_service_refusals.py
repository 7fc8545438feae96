"""A service's refusal becomes the API's answer: 400 with its French messages, or the 404 of a missing object."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.exceptions import ValidationError as ApiValidationError

from cii_platform.core.api import api_validation_error, service_refusals


def test_field_errors_keep_their_field_and_whole_input_errors_go_under_non_field_errors():
    error = ValidationError({"text": ["Écrivez le texte de l'entrée."], NON_FIELD_ERRORS: ["Rien n'a été transmis."]})

    detail = api_validation_error(error).detail

    assert detail == {"text": ["Écrivez le texte de l'entrée."], "non_field_errors": ["Rien n'a été transmis."]}


def test_a_plain_message_goes_under_non_field_errors_with_its_parameters_filled_in():
    error = ValidationError("Cette tâche n'est plus à faire (état : %(status)s).", params={"status": "faite"})

    assert api_validation_error(error).detail == {
        "non_field_errors": ["Cette tâche n'est plus à faire (état : faite)."]
    }


def test_a_refusal_inside_the_block_becomes_400_or_404():
    with pytest.raises(ApiValidationError):
        with service_refusals():
            raise ValidationError("Refusé.")
    with pytest.raises(Http404):
        with service_refusals():
            raise PermissionDenied
    with pytest.raises(PermissionDenied):
        with service_refusals(permission_denied_as_404=False):
            raise PermissionDenied
