from django.http import HttpRequest
from django.urls import reverse

from .access import has

# (label, url name, capability) - the left menu, shown per role.
MENU = [
    ("Bookings", "bookings:list", "view_bookings"),
    ("Appointments", "appointments:page", "view_appointments"),
    ("Calendar", "agenda:month", "view_appointments"),
    ("Contacts", "contacts:list", "view_contacts"),
    ("Schedules", "schedules:list", "view_schedules"),
    ("Invoices", "invoicing:list", "view_finance"),
    ("Reports", "reports:index", "view_reports"),
    ("Outbox", "notifications:outbox", "view_outbox"),
    ("Email templates", "notifications:templates", "manage_email_templates"),
    ("Users", "accounts:list", "manage_users"),
    ("Integrated calendars", "calendars:list", "manage_calendars"),
    ("My bookings", "portal:home", "portal_access"),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"menu": []}
    items = []
    path = request.path
    for label, name, capability in MENU:
        if not has(user, capability):
            continue
        url = reverse(name)
        items.append({"label": label, "url": url, "active": path.startswith(url)})
    return {"menu": items}
