"""{% load passes_panel %}{% passes_panel subject %}: the "Punch passes" card of a family or
contact page (seed 002, way 3). The contacts app only includes the tag: it imports nothing
of appointments. Two queries whatever the number of passes and bookings."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from contacts.models import Contact, Family
from core.access import has

from ..recurrence import local_today
from ..selectors.passes import PANEL_PASSES, passes_of
from ..views.passes import booking_url

register = template.Library()


@register.simple_tag(takes_context=True)
def passes_panel(context, subject) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(subject, Family | Contact) or not has(user, "view_appointments"):
        return ""
    if isinstance(subject, Family):
        page = reverse("contacts:family_detail", args=[subject.pk])
        add_url = reverse("appointments:pass_add_family", args=[subject.pk])
    else:
        page = reverse("contacts:detail", args=[subject.pk])
        add_url = reverse("appointments:pass_add_contact", args=[subject.pk])
    today = local_today()
    rows = []
    for pack in passes_of(subject)[:PANEL_PASSES]:
        expired = pack.valid_until is not None and pack.valid_until < today
        rows.append(
            {
                "pack": pack,
                "shared": isinstance(subject, Contact) and pack.family_id is not None,
                "expired": expired,
                "redeemable": pack.remaining > 0 and not expired,
                "bookings": [(b, booking_url(b, page)) for b in pack.bookings.all()],
            }
        )
    return render_to_string(
        "appointments/_passes_panel.html",
        {
            "subject": subject,
            "passes": rows,
            "add_url": add_url,
            "can_manage": has(user, "manage_appointments"),
            "student": subject if isinstance(subject, Contact) else None,
        },
        request=request,
    )
