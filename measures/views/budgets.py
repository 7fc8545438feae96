"""Pages of the measures app: budgets."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
