"""Which reports exist: for each kind, its template, its data and who may see it.

Adding a report means adding a `ReportKind`, a PDF template under
`templates/reports/pdf/` and one `ReportDefinition` here. Everything else (the
job, the worker, progress, storage, download) is shared.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cii_platform.accounts.models import User
from cii_platform.reports import audit_extract
from cii_platform.reports.models import ReportJob, ReportKind


@dataclass(frozen=True)
class ReportDefinition:
    """How one kind of report is checked, described, built and protected.

    `clean_parameters` returns the parameters as stored on the job (JSON-safe) or
    raises `ValidationError`; `summary` describes them in French for the pages;
    `build_context` reads the data of a job (it may take long: it runs in the
    worker); `may_see` decides both who may request the report and who may
    download it, since both amount to seeing its content.
    """

    kind: ReportKind
    template_name: str
    clean_parameters: Callable[[Mapping[str, Any]], dict[str, str]]
    build_context: Callable[[ReportJob], dict[str, Any]]
    may_see: Callable[[User], bool]
    filename: Callable[[ReportJob], str]
    summary: Callable[[ReportJob], list[tuple[str, str]]]


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


def report_definition(kind: ReportKind | str) -> ReportDefinition:
    """The definition of `kind`; KeyError for an unknown kind (a programming error)."""
    return REPORTS[str(kind)]


def report_kinds_visible_to(user: User) -> list[str]:
    """The kinds of report whose content `user` may see right now (none for an inactive account)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [kind for kind, definition in REPORTS.items() if definition.may_see(user)]
