"""Yearly review pages: figures, the draft form, validation and the PDF; edits for the coordination group only."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cii_platform.audit.models import AuditAction, AuditEvent
from cii_platform.reports.models import ReportJob, ReportKind
from measures.models import YearlyReview
from measures.services.reviews import yearly_review_save
from tests.measures.factories import measure_with_places
from tests.measures.review_builders import year_2025_placements

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rendering(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The PDF itself is tested in tests/measures/reports; here only the request matters.
    monkeypatch.setattr("cii_platform.reports.services.report_job_enqueue", lambda *, job_id: None)


def _url(measure, name: str = "review_detail") -> str:  # type: ignore[no-untyped-def]
    return reverse(f"measures:{name}", args=[measure.code, 2025])


def _measure(user):  # type: ignore[no-untyped-def]
    measure = measure_with_places(year=2025, places={"professional": 10}, name="Atelier visitage")
    year_2025_placements(measure, by=user)
    return measure


def test_a_member_sees_the_figures_writes_the_draft_and_validates_it(client_for, coordination_member):
    measure = _measure(coordination_member)
    client = client_for(coordination_member)

    page = client.get(_url(measure))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Atelier visitage" in html
    assert "CHF 22&#x27;500.00" in html or "CHF 22'500.00" in html
    assert "10.4 %" in html
    assert 'name="assessment"' in html

    saved = client.post(
        _url(measure),
        {"assessment": "Bonne année.", "prospects": "Stable.", "proposed_places": "10", "proposed_budget": "180000"},
    )
    assert saved.status_code == 302
    review = YearlyReview.objects.get()
    assert review.proposed_budget == Decimal("180000.00")

    validated = client.post(_url(measure, "review_finalise"), {"version": review.version})
    assert validated.status_code == 302
    review.refresh_from_db()
    assert review.status == YearlyReview.Status.FINAL
    assert review.figures["cost"] == "22500.00"
    after = client.get(_url(measure)).content.decode()
    assert 'name="assessment"' not in after
    assert "figés" in after


def test_a_stale_form_is_refused_with_a_french_message(client_for, coordination_member):
    measure = _measure(coordination_member)
    yearly_review_save(
        measure=measure,
        year=2025,
        assessment="Premier texte.",
        prospects="",
        proposed_places=None,
        proposed_budget=None,
        expected_version=None,
        saved_by=coordination_member,
    )
    client = client_for(coordination_member)

    response = client.post(_url(measure), {"assessment": "Formulaire vide ouvert avant.", "prospects": ""}, follow=True)

    assert "modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    assert YearlyReview.objects.get().assessment == "Premier texte."


def test_the_pdf_button_requests_the_report_on_the_pipeline(client_for, coordination_member, gp_cii_member):
    measure = _measure(coordination_member)
    review = yearly_review_save(
        measure=measure,
        year=2025,
        assessment="",
        prospects="",
        proposed_places=None,
        proposed_budget=None,
        expected_version=None,
        saved_by=coordination_member,
    )

    response = client_for(gp_cii_member).post(_url(measure, "review_pdf"))

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[job.pk])
    assert job.kind == ReportKind.MEASURE_REVIEW
    assert job.parameters["review"] == str(review.pk)


def test_readers_outside_the_group_see_the_review_but_may_not_write_it(client_for, coordination_member, gp_cii_member):
    measure = _measure(coordination_member)
    client = client_for(gp_cii_member)

    page = client.get(_url(measure))
    refused = client.post(_url(measure), {"assessment": "Par le GP.", "prospects": ""})

    assert page.status_code == 200
    assert 'name="assessment"' not in page.content.decode()
    assert refused.status_code == 404
    assert not YearlyReview.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "data_protection_officer", "platform_admin", "cnip_staff"])
def test_users_without_a_role_on_measures_get_404_and_the_refusal_is_audited(
    request, client_for, coordination_member, persona
):
    measure = _measure(coordination_member)
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("measures:review_list")).status_code == 404
    assert client.get(_url(measure)).status_code == 404
    assert client.post(_url(measure, "review_pdf")).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_type="measures.yearlyreview").exists()


def test_a_measure_that_is_missing_or_not_mixed_gives_404(client_for, coordination_member):
    single = measure_with_places(year=2025, is_mixed=False)
    client = client_for(coordination_member)

    assert client.get(reverse("measures:review_detail", args=["inconnue", 2025])).status_code == 404
    assert client.get(_url(single)).status_code == 404


def test_the_list_opens_a_review_and_costs_the_same_queries_for_2_and_20_reviews(client_for, coordination_member):
    client = client_for(coordination_member)
    measures = [measure_with_places(year=2025) for _ in range(20)]

    def write(measure) -> None:  # type: ignore[no-untyped-def]
        yearly_review_save(
            measure=measure,
            year=2025,
            assessment="",
            prospects="",
            proposed_places=None,
            proposed_budget=None,
            expected_version=None,
            saved_by=coordination_member,
        )

    for measure in measures[:2]:
        write(measure)
    client.get(reverse("measures:review_list"))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("measures:review_list")).status_code == 200
    for measure in measures[2:]:
        write(measure)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("measures:review_list"))

    assert len(many) == len(few)
    assert page.content.decode().count("/bilans/") >= 20
    opened = client.get(reverse("measures:review_list"), {"mesure": measures[0].code, "annee": "2025"})
    assert opened["Location"] == _url(measures[0])
