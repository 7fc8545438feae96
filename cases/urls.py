"""Case-file pages; each part of the case file declares its own patterns in its views module."""

from django.urls import path

from cases.views import (
    action_plans,
    assessments,
    case_files,
    case_summary,
    consents,
    indicators,
    journal,
    persons,
    referrals,
)

app_name = "cases"
urlpatterns = [
    *persons.urlpatterns,
    *consents.urlpatterns,
    *assessments.urlpatterns,
    *action_plans.urlpatterns,
    *journal.urlpatterns,
    *referrals.urlpatterns,
    *indicators.urlpatterns,
    *case_summary.urlpatterns,
    path("", case_files.case_list, name="list"),
    path("file/", case_files.triage_queue, name="queue"),
    path("<str:reference>/statut/", case_files.case_step, name="step"),
    path("<str:reference>/", case_files.case_detail, name="detail"),
]
