"""The PDF reports of the case files, on the platform's reports pipeline (`cii_platform.reports`).

`register_reports` is called once from `cases.apps.CasesConfig.ready()`: the
platform never imports this app, it only knows the definitions registered here.
"""

from django.utils.translation import gettext_lazy as _

from cii_platform.reports.models import ReportKind
from cii_platform.reports.registry import ReportDefinition, register


def register_reports() -> None:
    """Register the person's access report and the case summary for a network meeting."""
    from cases.reports import access_report, case_summary
    from cases.reports.forms import AccessReportRequestForm

    register(
        ReportDefinition(
            kind=ReportKind.ACCESS_REPORT,
            template_name="reports/pdf/access_report.html",
            clean_parameters=access_report.clean_parameters,
            build_context=access_report.build_context,
            may_see=access_report.may_see,
            filename=access_report.filename,
            summary=access_report.summary,
            request_form=AccessReportRequestForm,
            request_template="reports/access_report_request.html",
            request_label=_("Demander le rapport d'accès d'une personne"),
            request_parameters=access_report.request_parameters,
        )
    )
    register(
        ReportDefinition(
            kind=ReportKind.CASE_SUMMARY,
            template_name="reports/pdf/case_summary.html",
            clean_parameters=case_summary.clean_parameters,
            build_context=case_summary.build_context,
            may_see=case_summary.may_see,
            filename=case_summary.filename,
            summary=case_summary.summary,
            may_see_job=case_summary.may_see_job,
            visible_jobs=case_summary.visible_jobs,
        )
    )
