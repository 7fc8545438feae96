"""Pages of the measures app, one module per part, each with its own `urlpatterns`."""
