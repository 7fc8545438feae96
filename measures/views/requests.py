"""Pages of the measures app: requests."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
