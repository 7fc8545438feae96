"""Recognising an outage of the database or of the message broker."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
)


def is_outage(exception: BaseException | None) -> bool:
    """Whether `exception` means a backing service is down (not a bug in our code)."""
    if exception is None:
        return False
    if isinstance(exception, OUTAGE_ERRORS):
        return True
    # psycopg wraps a lost connection in DatabaseError subclasses of its own.
    return isinstance(exception, DatabaseError) and "connection" in str(exception).lower()


def outage_response(request: HttpRequest) -> HttpResponse:
    """The 503 page: static French text, rendered without touching the database."""
    logger.warning("service unavailable: backing service down for %s %s", request.method, request.path)
    body = render_to_string("core/503.html")
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "60"
    return response
