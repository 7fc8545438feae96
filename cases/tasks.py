"""Celery tasks of the case files (thin: they call services)."""

from celery import shared_task

from cases.services.priority import cases_priority_refresh_all


@shared_task(acks_late=True)
def refresh_waiting_case_priorities() -> int:
    """Daily: refresh the priority points of waiting cases (transfers leave the 12-month window)."""
    return cases_priority_refresh_all()
