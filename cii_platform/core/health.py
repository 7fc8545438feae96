"""Broker health, as seen from the web process."""

from django.conf import settings

from cii_platform.celery import app


def broker_status() -> str:
    """'eager' without a broker (tasks run in-process), else 'ok' or 'down'."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # any failure means "down" for a health probe
        return "down"
