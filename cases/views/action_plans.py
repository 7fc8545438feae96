"""Pages of the action_plans part of a case file (see cases/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
