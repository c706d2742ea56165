from django.http import HttpRequest
from django.urls import reverse

from .access import has

# (label, url name, capability[, heading]) - the left menu, shown per role; entries with a
# heading are listed under it ("Sales" > "Unused Sessions", seed 001).
MENU = [
    ("Bookings", "bookings:list", "view_bookings"),
    ("Appointments", "appointments:page", "view_appointments"),
    ("Calendar", "agenda:month", "view_appointments"),
    ("Contacts", "contacts:list", "view_contacts"),
    ("Schedules", "schedules:list", "view_schedules"),
    ("Invoices", "invoicing:list", "view_finance"),
    ("Unused Sessions", "sessions_backdate:unused", "view_unused_sessions", "Sales"),
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
    heading = ""
    for label, name, capability, *group in MENU:
        if not has(user, capability):
            continue
        url = reverse(name)
        group_heading = group[0] if group else ""
        items.append(
            {
                "label": label,
                "url": url,
                "active": path.startswith(url),
                "heading": group_heading if group_heading != heading else "",
            }
        )
        heading = group_heading
    return {"menu": items}
