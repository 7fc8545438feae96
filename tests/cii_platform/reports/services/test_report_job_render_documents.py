"""Reports made of several documents: a definition's own `render`, its progress, the ZIP, PDF/A."""

import dataclasses
import io
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from cii_platform.reports import pdf
from cii_platform.reports.models import ReportJob, ReportKind, ReportStatus
from cii_platform.reports.registry import REPORTS, ProgressCallback, RenderedReport
from cii_platform.reports.services import report_job_render


def _page(text: str) -> bytes:
    return pdf.pdf_from_html(html=f"<html><body><p>{text}</p></body></html>")


def _zip_of(documents: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in documents.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def definition_with(monkeypatch):  # type: ignore[no-untyped-def]
    """Replace the audit extract's definition by a copy with other rendering fields, for one test."""
    original = REPORTS[ReportKind.AUDIT_EXTRACT.value]

    def replace(**changes: Any) -> None:
        monkeypatch.setitem(REPORTS, ReportKind.AUDIT_EXTRACT.value, dataclasses.replace(original, **changes))

    return replace


def test_a_definition_with_its_own_render_stores_the_pdf_to_print_and_the_zip_of_single_documents(
    queued_extract, definition_with, job_pdf_text
):
    singles = {"premier.pdf": _page("Premier certificat"), "second.pdf": _page("Second certificat")}

    def render(job: ReportJob, context: dict[str, Any], progress: ProgressCallback) -> RenderedReport:
        return RenderedReport(
            content=pdf.pdf_merge(singles.values()), archive=_zip_of(singles), archive_filename="certificats.zip"
        )

    definition_with(render=render)
    report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.DONE
    text = job_pdf_text(job)
    assert "Premier certificat" in text and "Second certificat" in text
    assert len(PdfReader(job.result.open("rb")).pages) == 2
    with job.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert sorted(archive.namelist()) == ["premier.pdf", "second.pdf"]
    assert job.archive.name.endswith(".zip")


def test_the_progress_of_a_long_render_shows_between_the_data_and_the_pdf(queued_extract, definition_with):
    seen: list[int] = []

    def render(job: ReportJob, context: dict[str, Any], progress: ProgressCallback) -> RenderedReport:
        for percent in (0, 50, 100):
            progress(percent)
            seen.append(ReportJob.objects.get(pk=job.pk).progress)
        return RenderedReport(content=_page("Fin"))

    definition_with(render=render)
    report_job_render(job_id=queued_extract.pk)

    assert seen == [10, 50, 90]
    assert ReportJob.objects.get(pk=queued_extract.pk).progress == 100


def test_a_render_whose_attempt_was_overtaken_stops_and_stores_nothing(queued_extract, definition_with):
    pages_rendered: list[int] = []

    def render(job: ReportJob, context: dict[str, Any], progress: ProgressCallback) -> RenderedReport:
        for number in range(3):
            if number == 1:  # another delivery takes the job over meanwhile
                ReportJob.objects.filter(pk=job.pk).update(attempts=job.attempts + 1)
            progress(number * 50)
            pages_rendered.append(number)
        return RenderedReport(content=_page("Jamais"))

    definition_with(render=render)
    report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert pages_rendered == [0]
    assert job.status == ReportStatus.RUNNING
    assert not job.result and not job.archive


def test_a_definition_may_ask_for_a_pdf_a_document_to_archive(queued_extract, definition_with):
    definition_with(pdf_variant="pdf/a-3b")
    report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    reader = PdfReader(job.result.open("rb"))
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_a_plain_report_has_no_archive(queued_extract):
    report_job_render(job_id=queued_extract.pk)

    job = ReportJob.objects.get(pk=queued_extract.pk)
    assert job.status == ReportStatus.DONE
    assert not job.archive


def test_merging_keeps_every_page_in_order():
    merged = pdf.pdf_merge([_page("Un"), _page("Deux"), _page("Trois")])

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(merged)).pages]
    assert [text.strip() for text in pages] == ["Un", "Deux", "Trois"]
