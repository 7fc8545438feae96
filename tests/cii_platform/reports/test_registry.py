"""The report registry: domain apps register their definitions; object-level checks default to allowing."""

from dataclasses import replace

import pytest
from django.db.models import Q

from cii_platform.reports.models import ReportKind
from cii_platform.reports.registry import REPORTS, register, report_definition, report_may_see_job


def test_the_cases_app_registers_its_two_reports_at_start_up():
    assert report_definition(ReportKind.ACCESS_REPORT).template_name == "reports/pdf/access_report.html"
    assert report_definition(ReportKind.CASE_SUMMARY).template_name == "reports/pdf/case_summary.html"


def test_registering_the_same_definition_again_changes_nothing():
    definition = report_definition(ReportKind.CASE_SUMMARY)

    register(definition)

    assert REPORTS[ReportKind.CASE_SUMMARY.value] is definition


def test_registering_another_definition_for_a_known_kind_is_refused():
    other = replace(report_definition(ReportKind.CASE_SUMMARY), template_name="reports/pdf/other.html")

    with pytest.raises(ValueError, match="already registered"):
        register(other)


def test_a_report_without_object_check_shows_every_job_of_its_kind(data_protection_officer):
    definition = report_definition(ReportKind.AUDIT_EXTRACT)

    assert definition.jobs_q(data_protection_officer) == Q(kind="audit_extract")
    assert report_may_see_job(user=data_protection_officer, kind=ReportKind.AUDIT_EXTRACT, parameters={}) is True


def test_nobody_sees_a_job_of_a_kind_they_may_not_see(orp_counsellor):
    assert report_may_see_job(user=orp_counsellor, kind=ReportKind.AUDIT_EXTRACT, parameters={}) is False
