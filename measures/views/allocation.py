"""Pages of the measures app: allocation."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
