"""Pages of the measures app: inventory."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
