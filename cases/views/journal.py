"""Pages of the journal part of a case file (see cases/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
