"""`page_action`: a page's write, with a refusal turned into the 404 or a French message, and nothing else caught."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from cii_platform.core.exceptions import StaleVersion
from cii_platform.core.forms import ServiceErrorsMixin
from cii_platform.core.pages import form_action, page_action


@pytest.fixture
def request_with_messages():  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(message.level_tag, message.message) for message in get_messages(request)]


def test_a_write_that_goes_through_says_so(request_with_messages):
    done = page_action(request_with_messages, lambda: None, done="Enregistré.", refused="Non : %(errors)s")

    assert done is True
    assert _said(request_with_messages) == [("success", "Enregistré.")]


def test_a_refused_write_shows_the_services_french_reasons(request_with_messages):
    def write() -> None:
        raise ValidationError({"year": "L'année est close.", "places": "Au moins une place."})

    done = page_action(request_with_messages, write, done="Enregistré.", refused="Non enregistré : %(errors)s")

    assert done is False
    assert _said(request_with_messages) == [("error", "Non enregistré : L'année est close. Au moins une place.")]


def test_a_stale_version_shows_its_own_message(request_with_messages):
    def write() -> None:
        raise StaleVersion("Modifié entre-temps par quelqu'un d'autre.")

    assert page_action(request_with_messages, write, done="Enregistré.", refused="Non : %(errors)s") is False
    assert _said(request_with_messages) == [("error", "Modifié entre-temps par quelqu'un d'autre.")]


def test_a_forbidden_write_is_the_404_of_a_missing_page(request_with_messages):
    def write() -> None:
        raise PermissionDenied

    with pytest.raises(Http404):
        page_action(request_with_messages, write, done="Enregistré.", refused="Non : %(errors)s")
    assert _said(request_with_messages) == []


def test_a_fault_is_not_caught(request_with_messages):
    def write() -> None:
        raise RuntimeError("panne")

    with pytest.raises(RuntimeError):
        page_action(request_with_messages, write, done="Enregistré.", refused="Non : %(errors)s")


def test_the_message_of_a_write_that_went_through_may_be_built_from_its_result(request_with_messages):
    done = page_action(
        request_with_messages,
        lambda: [1, 2, 3],
        done=lambda placements: f"Tour confirmé : {len(placements)} placement(s) créé(s).",
        refused="Non : %(errors)s",
    )

    assert done is True
    assert _said(request_with_messages) == [("success", "Tour confirmé : 3 placement(s) créé(s).")]


class _Form(ServiceErrorsMixin, forms.Form):
    places = forms.IntegerField(required=False)


def test_a_form_write_gives_back_what_it_wrote():
    form = _Form({"places": "3"})
    assert form.is_valid()

    assert form_action(form, lambda: "ligne enregistrée") == "ligne enregistrée"
    assert not form.errors


def test_a_refused_form_write_puts_the_reasons_on_the_fields_and_the_stale_message_above():
    refused, stale = _Form({"places": "3"}), _Form({"places": "3"})
    assert refused.is_valid() and stale.is_valid()

    def invalid() -> None:
        raise ValidationError({"places": "Au moins une place."})

    def outdated() -> None:
        raise StaleVersion("Modifié entre-temps par quelqu'un d'autre.")

    assert form_action(refused, invalid) is None
    assert form_action(stale, outdated) is None
    assert refused.errors == {"places": ["Au moins une place."]}
    assert stale.non_field_errors() == ["Modifié entre-temps par quelqu'un d'autre."]


def test_a_forbidden_form_write_is_the_404_of_a_missing_page():
    form = _Form({"places": "3"})
    assert form.is_valid()

    def forbidden() -> None:
        raise PermissionDenied

    with pytest.raises(Http404):
        form_action(form, forbidden)
