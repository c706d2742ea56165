from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("account/", core_views.my_account, name="my_account"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("core.accounts.urls")),
    path("contacts/", include("contacts.urls")),
    path("schedules/", include("schedules.urls")),
    path("bookings/", include("bookings.urls")),
    path("appointments/", include("appointments.urls")),
    path("calendar/", include("agenda.urls")),
    path("calendars/", include("calendars.urls")),
    path("invoices/", include("invoicing.urls")),
    path("sessions/", include("sessions_backdate.urls")),
    path("notifications/", include("notifications.urls")),
    path("portal/", include("portal.urls")),
    path("reports/", include("reports.urls")),
    path("users/", include("accounts.urls")),
    path("invitation/", include("accounts.urls_public")),
]

# Not public in production: only where DJANGO_ADMIN_PATH names a path (core/admin_site.py).
if settings.ADMIN_PATH:
    urlpatterns.append(path(f"{settings.ADMIN_PATH}/", admin.site.urls))
