"""Pages of the consents part of a case file (see cases/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
