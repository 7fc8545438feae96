"""Turning an HTML document into PDF bytes with WeasyPrint, and joining PDFs into one file to print."""

import io
from collections.abc import Iterable
from typing import Any

import pypdf
import weasyprint
from django.conf import settings
from weasyprint.text.fonts import FontConfiguration

ALLOWED_PROTOCOLS = frozenset({"file", "data"})
"""WeasyPrint may read local files (stylesheets, images, fonts) and data URIs, never the network."""


def _url_fetcher() -> Any:
    fetcher_class = getattr(weasyprint, "URLFetcher", None)
    if fetcher_class is None:  # WeasyPrint < 66: the default fetcher
        return None
    return fetcher_class(allowed_protocols=ALLOWED_PROTOCOLS, timeout=5)


def pdf_base_url() -> str:
    """Relative URLs in report templates resolve against the project's static files."""
    return (settings.BASE_DIR / "static").as_uri() + "/"


def font_configuration() -> Any:
    """A WeasyPrint font configuration to share between the documents of one batch (loading the
    system's fonts costs a few milliseconds a document); our templates declare no @font-face."""
    return FontConfiguration()


def pdf_from_html(
    *, html: str, base_url: str | None = None, variant: str | None = None, font_config: Any = None
) -> bytes:
    """The PDF rendering of the standalone document `html` (its CSS sets the page size and numbers).

    `variant` asks WeasyPrint for a PDF standard, e.g. "pdf/a-3b" for a document meant to be
    archived (fonts embedded, colour profile, XMP metadata); `font_config` (`font_configuration()`)
    is shared by the documents of a batch. Rendering is CPU-bound and may take seconds for long
    documents: call it from the worker.
    """
    document = weasyprint.HTML(string=html, base_url=base_url or pdf_base_url(), url_fetcher=_url_fetcher())
    options: dict[str, Any] = {"pdf_variant": variant} if variant else {}
    if font_config is not None:
        options["font_config"] = font_config
    pdf: bytes = document.write_pdf(**options)
    return pdf


def pdf_merge(documents: Iterable[bytes]) -> bytes:
    """One PDF made of `documents` one after the other (the file to print of a batch of documents)."""
    writer = pypdf.PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
