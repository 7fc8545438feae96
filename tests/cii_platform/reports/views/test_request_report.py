"""The shared request page of reports with a form (reports:request <kind>)."""

import pytest
from django.urls import reverse

from cii_platform.reports.models import ReportJob, ReportKind


@pytest.mark.parametrize("kind", ["unknown", ReportKind.AUDIT_EXTRACT.value, ReportKind.CASE_SUMMARY.value])
def test_it_answers_404_for_a_kind_without_a_request_page(client_for, data_protection_officer, kind):
    client = client_for(data_protection_officer)

    assert client.get(reverse("reports:request", args=[kind])).status_code == 404
    assert client.post(reverse("reports:request", args=[kind]), {}).status_code == 404
    assert not ReportJob.objects.exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(reverse("reports:request", args=[ReportKind.ACCESS_REPORT.value]))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
