"""Fixtures of the measures reports tests: those of the reports pipeline (eager Celery, reading PDFs back)."""

from tests.cii_platform.reports.conftest import (  # noqa: F401  # fixtures, found by name
    _eager_celery,
    job_pdf_text,
    read_pdf_text,
)
