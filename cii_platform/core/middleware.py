"""A plain French 503 page when the database or the broker is unreachable."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cii_platform.core.outage import is_outage, outage_response


class ServiceUnavailableMiddleware:
    """Turn a database or broker outage raised by a view into a 503 page.

    Writes happen in services, each one transaction, so an outage in the middle
    of one rolls it back whole: nothing is half written. Outages raised outside views reach
    `cii_platform.core.views.server_error`, which answers the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_outage(exception):
            return outage_response(request)
        return None
