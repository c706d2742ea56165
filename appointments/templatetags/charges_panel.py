"""{% load charges_panel %}{% charges_panel booking %}: the booking's tuition charges (period,
lessons, amount, invoice) and, for manage_finance, a "New charge" link. One query."""

from django import template
from django.template.loader import render_to_string

from core.access import has

from ..models import AppointmentBooking, TuitionCharge

register = template.Library()


@register.simple_tag(takes_context=True)
def charges_panel(context, booking: AppointmentBooking) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    charges = list(
        TuitionCharge.objects.filter(booking=booking)
        .select_related("invoice")
        .order_by("-period_start", "-pk")
    )
    return render_to_string(
        "appointments/_charges_panel.html",
        {
            "booking": booking,
            "charges": charges,
            "can_charge": has(user, "manage_finance"),
            "can_see_invoices": has(user, "view_finance"),
        },
        request=request,
    )
