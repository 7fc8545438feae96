"""Home page, health endpoint and error pages."""

import sys

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cii_platform.core.health import broker_status
from cii_platform.core.outage import is_outage, outage_response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status; 200 when both answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # any failure means "down" for a health probe
        database = "down"
    broker = broker_status()
    healthy = database == "ok" and broker in {"ok", "eager"}
    return JsonResponse({"database": database, "broker": broker}, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 handler: an outage of a backing service is a 503 with a plain French message."""
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    # Rendered without the request context: the database may be what failed.
    return HttpResponse(render_to_string("500.html"), status=500)
