"""Which reports exist: for each kind, its template, its data and who may see it.

Adding a report means adding a `ReportKind`, a PDF template under
`templates/reports/pdf/` and one `ReportDefinition`, registered with `register`:
the platform's own reports here, a domain app's from its `AppConfig.ready()` (so
that the platform never imports the domain apps). Everything else (the job, the
worker, progress, storage, download, the request page of a report with a form) is
shared.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.http import HttpRequest

from cii_platform.accounts.models import User
from cii_platform.reports import audit_extract
from cii_platform.reports.models import ReportJob, ReportKind

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class RenderedReport:
    """What a definition's own `render` produces: the PDF, and optionally a ZIP of its single documents."""

    content: bytes
    archive: bytes | None = None
    archive_filename: str = ""


ProgressCallback = Callable[[int], None]
"""Called by a long `render` with its own progress (0–100); the job shows it between data and PDF."""


class ReportUnavailable(Exception):
    """Raised by `build_context` when the requester may no longer see the content of the job.

    The job then fails with the exception's message (French, shown to the
    requester) and no document is produced; it is not a fault to retry or log.
    """


def _every_job(user: User, parameters: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class ReportDefinition:
    """How one kind of report is checked, described, built and protected.

    `clean_parameters` returns the parameters as stored on the job (JSON-safe) or
    raises `ValidationError`; `summary` describes them in French for the pages;
    `build_context` reads the data of a job (it may take long: it runs in the
    worker; it raises `ReportUnavailable` if the requester lost access since);
    `may_see` decides both who may request the report and who may download it,
    since both amount to seeing its content.

    Object-level protection, for reports about one object the requester must still
    be allowed to see: `may_see_job(user, parameters)` decides for one job (at the
    request, at every read of the job, before rendering), and `visible_jobs(user)`
    is the same rule as a `Q` on `ReportJob` for lists (one sub-query, whatever the
    number of jobs). Both default to every job of the kind; give both or neither.

    A report requested from its own page under `reports:request` gives
    `request_form` (the fields), `request_template` (the page, which gets `form`
    and `definition`), `request_label` (the link of the report list) and
    `request_parameters(user, cleaned_data, request)`, which
    turns the form's data into the parameters of `clean_parameters` (it may look
    things up and audit the lookup; a `ValidationError` is shown on the form).

    Rendering: by default `template_name` is rendered with the context and turned into
    one PDF (`pdf_variant`, e.g. "pdf/a-3b" for documents to archive). A report made of
    many documents gives `render(job, context, progress)` instead, which returns a
    `RenderedReport` (the PDF to print and, if any, a ZIP of the single documents) and
    reports its progress as it goes.
    """

    kind: ReportKind
    template_name: str
    clean_parameters: Callable[[Mapping[str, Any]], dict[str, str]]
    build_context: Callable[[ReportJob], dict[str, Any]]
    may_see: Callable[[User], bool]
    filename: Callable[[ReportJob], str]
    summary: Callable[[ReportJob], list[tuple[str, str]]]
    may_see_job: Callable[[User, Mapping[str, Any]], bool] = _every_job
    visible_jobs: Callable[[User], Q] | None = None
    request_form: type[forms.Form] | None = None
    request_template: str = ""
    request_label: "StrOrPromise" = ""
    request_parameters: Callable[[User, Mapping[str, Any], HttpRequest | None], dict[str, str]] | None = None
    pdf_variant: str | None = None
    render: Callable[[ReportJob, dict[str, Any], ProgressCallback], RenderedReport] | None = None

    def jobs_q(self, user: User) -> Q:
        """The jobs of this kind that `user` may see, as a filter on `ReportJob`."""
        kind = Q(kind=self.kind.value)
        return kind if self.visible_jobs is None else kind & self.visible_jobs(user)


REPORTS: dict[str, ReportDefinition] = {
    ReportKind.AUDIT_EXTRACT.value: ReportDefinition(
        kind=ReportKind.AUDIT_EXTRACT,
        template_name="reports/pdf/audit_extract.html",
        clean_parameters=audit_extract.clean_parameters,
        build_context=audit_extract.build_context,
        may_see=audit_extract.may_see,
        filename=audit_extract.filename,
        summary=audit_extract.summary,
    ),
}


def register(definition: ReportDefinition) -> None:
    """Make `definition` known; called by domain apps from their `AppConfig.ready()`.

    Registering the same definition again changes nothing; another definition for
    a kind already registered is a programming error (ValueError).
    """
    key = definition.kind.value
    existing = REPORTS.get(key)
    if existing is not None and existing != definition:
        raise ValueError(f"A report of kind {key!r} is already registered.")
    REPORTS[key] = definition


def report_definition(kind: ReportKind | str) -> ReportDefinition:
    """The definition of `kind`; KeyError for an unknown or unregistered kind (a programming error)."""
    return REPORTS[str(kind)]


def report_kinds_visible_to(user: User) -> list[str]:
    """The kinds of report whose content `user` may see right now (none for an inactive account)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [kind for kind, definition in REPORTS.items() if definition.may_see(user)]


def report_definitions_visible_to(user: User) -> list[ReportDefinition]:
    """The definitions of the kinds `user` may see right now, in the order they were registered."""
    return [REPORTS[kind] for kind in report_kinds_visible_to(user)]


def report_may_see_job(*, user: User, kind: ReportKind | str, parameters: Mapping[str, Any]) -> bool:
    """Whether `user` may see the content of a job of `kind` with `parameters` right now."""
    if not user.is_authenticated or not user.is_active:
        return False
    definition = report_definition(kind)
    return definition.may_see(user) and definition.may_see_job(user, parameters)
