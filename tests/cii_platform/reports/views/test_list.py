from django.urls import reverse

from cii_platform.reports.models import ReportJob, ReportKind
from cii_platform.reports.services import report_job_request

URL = reverse("reports:list")


def _request(user, django_capture_on_commit_callbacks, day: str) -> ReportJob:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False):
        return report_job_request(
            kind=ReportKind.AUDIT_EXTRACT, parameters={"date_from": day, "date_to": day}, requested_by=user
        )


def test_it_lists_the_users_own_jobs_newest_first(
    client_for, data_protection_officer, other_data_protection_officer, django_capture_on_commit_callbacks
):
    older = _request(data_protection_officer, django_capture_on_commit_callbacks, "2026-01-01")
    newer = _request(data_protection_officer, django_capture_on_commit_callbacks, "2026-01-02")
    theirs = _request(other_data_protection_officer, django_capture_on_commit_callbacks, "2026-01-03")

    response = client_for(data_protection_officer).get(URL)

    assert response.status_code == 200
    assert [job.pk for job in response.context["page"].rows] == [newer.pk, older.pk]
    content = response.content.decode()
    assert reverse("reports:detail", args=[newer.pk]) in content
    assert reverse("reports:detail", args=[theirs.pk]) not in content
    assert reverse("reports:request_audit_extract") in content


def test_it_pages_through_the_jobs_without_counting_them(
    client_for, data_protection_officer, django_capture_on_commit_callbacks
):
    jobs = [_request(data_protection_officer, django_capture_on_commit_callbacks, "2026-01-01") for _ in range(26)]
    client = client_for(data_protection_officer)

    first = client.get(URL).context["page"]
    second = client.get(URL, {"apres": first.next_after}).context["page"]

    assert len(first.rows) == 25
    assert first.next_after == jobs[1].pk
    assert [job.pk for job in second.rows] == [jobs[0].pk]
    assert second.next_after is None


def test_it_shows_nothing_and_no_request_link_to_a_user_without_reports(
    client_for, orp_counsellor, data_protection_officer, django_capture_on_commit_callbacks
):
    _request(data_protection_officer, django_capture_on_commit_callbacks, "2026-01-01")

    response = client_for(orp_counsellor).get(URL)

    assert response.status_code == 200
    assert list(response.context["page"].rows) == []
    assert reverse("reports:request_audit_extract") not in response.content.decode()


def _case_summaries(user, services, capture, count: int) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import open_case

    for _ in range(count):
        case = open_case(lead_service=services["semp"], opened_by=user)
        with capture(execute=False):
            report_job_request(kind=ReportKind.CASE_SUMMARY, parameters={"case": str(case.pk)}, requested_by=user)


def _count_queries(client) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(URL)  # the first request of a session does more (session bookkeeping): measure the next one
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    return len(queries), len(response.context["page"].rows)


def test_the_list_of_case_summaries_costs_the_same_queries_for_2_and_for_20_jobs(
    client_for, orp_counsellor, services, django_capture_on_commit_callbacks
):
    client = client_for(orp_counsellor)
    _case_summaries(orp_counsellor, services, django_capture_on_commit_callbacks, 2)
    with_two = _count_queries(client)

    _case_summaries(orp_counsellor, services, django_capture_on_commit_callbacks, 18)
    with_twenty = _count_queries(client)

    assert with_two[1] == 2 and with_twenty[1] == 20
    assert with_two[0] == with_twenty[0]


def test_the_list_of_a_data_protection_officer_costs_the_same_queries_for_2_and_for_20_jobs(
    client_for, data_protection_officer, django_capture_on_commit_callbacks
):
    from tests.factories import PersonFactory

    person = PersonFactory()
    client = client_for(data_protection_officer)

    def add(count: int) -> None:
        for index in range(count):
            if index % 2:
                _request(data_protection_officer, django_capture_on_commit_callbacks, "2026-01-01")
            else:
                with django_capture_on_commit_callbacks(execute=False):
                    report_job_request(
                        kind=ReportKind.ACCESS_REPORT,
                        parameters={"person": str(person.pk)},
                        requested_by=data_protection_officer,
                    )

    add(2)
    with_two = _count_queries(client)
    add(18)
    with_twenty = _count_queries(client)

    assert with_two[1] == 2 and with_twenty[1] == 20
    assert with_two[0] == with_twenty[0]
