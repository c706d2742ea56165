"""(to be built: see docs/ARCHITECTURE.md, Appointments)."""

urlpatterns: list = []
