from .views import booking, charges, dialog, invitations, page, passes, setup

app_name = "appointments"

urlpatterns = [
    *page.urlpatterns,
    *dialog.urlpatterns,
    *booking.urlpatterns,
    *charges.urlpatterns,
    *passes.urlpatterns,
    *invitations.urlpatterns,
    *setup.urlpatterns,
]
