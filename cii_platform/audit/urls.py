from django.urls import path

from cii_platform.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
]
