"""Fixtures of the reports tests: eager Celery, an audited event and reading PDFs back."""

import datetime as dt
import io
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.audit.services import audit_record
from cii_platform.celery import app
from cii_platform.reports.models import ReportJob, ReportKind
from cii_platform.reports.services import report_job_request


@pytest.fixture(autouse=True)
def _eager_celery(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run tasks in-process even when REDIS_URL is set, except for the real-worker tests.

    Otherwise a task queued by one test would wait in Redis for a worker that never
    comes (or for the worker test, which would then render a stranger's job).
    """
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def audited_event(orp_counsellor: User) -> AuditEvent:
    """An ORP counsellor's read of a case file, today."""
    return audit_record(
        action=AuditAction.READ,
        actor=orp_counsellor,
        object_type="cases.casefile",
        object_id="41",
        object_label="CII-2026-00041",
        legal_basis="LACI art. 85f",
    )


@pytest.fixture
def today_period() -> dict[str, str]:
    today = timezone.localdate()
    return {"date_from": (today - dt.timedelta(days=1)).isoformat(), "date_to": today.isoformat()}


@pytest.fixture
def queued_extract(
    data_protection_officer: User, today_period: dict[str, str], django_capture_on_commit_callbacks
) -> ReportJob:  # type: ignore[no-untyped-def]
    """An audit extract requested by the data-protection officer, not rendered yet."""
    with django_capture_on_commit_callbacks(execute=False):
        return report_job_request(
            kind=ReportKind.AUDIT_EXTRACT, parameters=today_period, requested_by=data_protection_officer
        )


@pytest.fixture
def read_pdf_text() -> Callable[[bytes], str]:
    def read(content: bytes) -> str:
        assert content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)

    return read


@pytest.fixture
def job_pdf_text(read_pdf_text: Callable[[bytes], str]) -> Callable[[ReportJob], str]:
    def read(job: ReportJob) -> str:
        with job.result.open("rb") as handle:
            return read_pdf_text(handle.read())

    return read


@pytest.fixture
def other_data_protection_officer(make_account) -> User:  # type: ignore[no-untyped-def]
    from cii_platform.accounts.models import Role

    return make_account("dpo.second", "semp", None, (Role.DATA_PROTECTION_OFFICER,))
