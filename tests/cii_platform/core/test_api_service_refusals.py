"""A service's refusal becomes the API's answer: 409 for a stale version, 400 with its French messages, or 404."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.exceptions import ValidationError as ApiValidationError

from cases.services.case_files import StaleCaseFile
from cii_platform.core.api import StaleVersionConflict, api_validation_error, service_refusals
from cii_platform.core.exceptions import StaleVersion
from measures.services.allocation import StaleRound
from measures.services.budgets import StaleSectorBudget
from measures.services.corrective import StaleCorrectiveMeasure
from measures.services.placements import StalePlacement
from measures.services.requests import StalePlaceRequest
from measures.services.reviews import StaleYearlyReview


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


def test_a_stale_version_becomes_409_with_the_services_french_message():
    stale = StaleYearlyReview()

    with pytest.raises(StaleVersionConflict) as answer:
        with service_refusals():
            raise stale

    assert answer.value.status_code == 409
    assert answer.value.detail == str(stale)
    assert answer.value.detail.startswith("Ce bilan a été modifié par quelqu'un d'autre")


def test_a_stale_version_that_is_also_a_validation_error_is_409_not_400_and_its_message_is_not_a_list():
    stale = StalePlaceRequest()  # a ValidationError too, for the forms

    with pytest.raises(StaleVersionConflict) as answer:
        with service_refusals():
            raise stale

    assert answer.value.status_code == 409
    assert answer.value.detail == stale.messages[0]
    assert answer.value.detail.startswith("Cette demande a été modifiée par quelqu'un d'autre")


@pytest.mark.parametrize(
    "stale",
    [
        StaleCaseFile,
        StaleRound,
        StaleSectorBudget,
        StaleCorrectiveMeasure,
        StalePlacement,
        StalePlaceRequest,
        StaleYearlyReview,
    ],
)
def test_every_services_stale_refusal_is_a_stale_version_so_the_api_answers_it_409(stale):
    assert issubclass(stale, StaleVersion)
