"""The calendar pages (SPEC 7, seed 003), one module per part, each with its `urlpatterns`."""
