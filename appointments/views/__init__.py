"""The appointments pages, one module per part (each declares its own `urlpatterns`)."""
