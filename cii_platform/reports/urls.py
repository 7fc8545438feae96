from django.urls import path

from cii_platform.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("extrait-audit/", views.request_audit_extract, name="request_audit_extract"),
    path("demander/<slug:kind>/", views.request_report, name="request"),
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/statut/", views.status, name="status"),
    path("<int:job_id>/telecharger/", views.download, name="download"),
    path("<int:job_id>/telecharger-archive/", views.download_archive, name="download_archive"),
]
