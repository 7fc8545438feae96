"""Pages of the measures app: reviews."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
