"""Pages of the measures app: placements."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
