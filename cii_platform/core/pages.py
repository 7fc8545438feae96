"""What the pages share around a service call: the page-side twin of `cii_platform.core.api.service_refusals`."""

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from cii_platform.core.exceptions import StaleVersion
from cii_platform.core.forms import ServiceErrorsMixin

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")


def page_action(
    request: HttpRequest,
    write: Callable[[], T],
    *,
    done: "StrOrPromise | Callable[[T], StrOrPromise]",
    refused: "StrOrPromise",
) -> bool:
    """Run a page's write (a service call) and say how it went; return whether it went through.

    A `PermissionDenied` is the 404 of a missing page (a forbidden object looks like a missing one);
    a stale version shows its own French message; any other `ValidationError` shows `refused`, whose
    `%(errors)s` receives the service's French reasons; a write that went through shows `done` (or
    `done(result)` when the message depends on what the service returned). Nothing else is caught:
    a fault is a fault.
    """
    try:
        result = write()
    except PermissionDenied:
        raise Http404 from None
    except StaleVersion as stale:
        messages.error(request, str(stale))
        return False
    except ValidationError as error:
        messages.error(request, str(refused) % {"errors": " ".join(error.messages)})
        return False
    messages.success(request, str(done(result) if callable(done) else done))
    return True


def form_action(form: ServiceErrorsMixin, write: Callable[[], T]) -> T | None:
    """Run a form's write (a service call): its result, or None when refused, the reasons then on the form.

    For writes that return what they wrote. A `PermissionDenied` is the 404 of a missing page; a stale
    version's French message goes above the form and a `ValidationError` on the fields it names
    (`ServiceErrorsMixin.add_service_errors`), so that the page shows the form again with what was typed.
    """
    try:
        return write()
    except PermissionDenied:
        raise Http404 from None
    except StaleVersion as stale:
        form.add_service_errors(ValidationError(str(stale)))
    except ValidationError as error:
        form.add_service_errors(error)
    return None
