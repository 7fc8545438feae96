from django.urls import path

from cii_platform.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
]
