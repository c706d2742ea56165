"""A booking's page and its one-click status changes."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.web import click_once, htmx_redirect
from notifications.selectors import emails_about

from .. import selectors, services
from ..forms import (
    StatusForm,
)
from ..models import Booking, BookingStatus
from ..states import CONFIRM_FIRST, TRANSITION_ACTIONS
from ._common import _booking_or_404
from .placeholders import placeholder_summary


def _transitions_for(booking: Booking) -> list[tuple[str, str, str]]:
    """(status, button label, confirmation page or "" for a one-click change)."""
    now = timezone.now()
    return [
        (to, label, reverse(CONFIRM_FIRST[to], args=[booking.pk]) if to in CONFIRM_FIRST else "")
        for to, label in TRANSITION_ACTIONS.items()
        if not booking.transition_refusal(to, now)
    ]


@require("view_bookings")
@vary_on_headers("HX-Request")
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    can_manage = has(request.user, "manage_bookings")
    places = list(booking.places.all())
    invoices = selectors.booking_invoices(booking)
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "places": places,
            "booked": [p for p in places if p.is_booked],
            "placeholder": placeholder_summary(booking, places),
            "invoices": invoices,
            "history": list(selectors.booking_history(booking)[:200]),
            "emails": list(emails_about(booking)[:100]),
            "can_manage": can_manage,
            "can_cancel_placeholders": has(request.user, "cancel_placeholders"),
            "can_finance": has(request.user, "view_finance"),
            # Transfer per booked delegate; a placeholder's are unassigned and rebooked instead.
            "can_transfer": (
                has(request.user, "transfer_delegates")
                and booking.is_active
                and not booking.is_placeholder
            ),
            # Offered only while the placeholder has no invoice (SPEC 5); the service re-checks.
            "can_transfer_placeholder": (
                booking.is_placeholder
                and booking.is_active
                and has(request.user, "transfer_delegates")
                and not invoices
            ),
            "transitions": _transitions_for(booking) if can_manage else [],
        },
    )


# One-click status changes; "Mark no-show" has its own confirmation page (booking_noshow).
TRANSITION_SERVICES = {
    BookingStatus.CONFIRMED: services.booking_confirm,
    BookingStatus.CONFIRMING: services.booking_mark_confirming,
    BookingStatus.WAITING: services.booking_mark_waiting,
    BookingStatus.COMPLETED: services.booking_complete,
}


@require("manage_bookings")
@require_POST
def booking_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-click status button: one-time like every form (core.onetime), so a double click
    or the back button changes the status once and then shows the booking, saying so."""
    booking = get_object_or_404(Booking, pk=pk)
    page = reverse("bookings:detail", args=[booking.pk])
    form = StatusForm(request.POST)
    to = request.POST.get("to", "")
    service = TRANSITION_SERVICES.get(to)
    if service is None or not form.is_valid():
        messages.error(request, "That status change is not available.")
        return htmx_redirect(request, page)
    return click_once(
        request,
        title=f"{TRANSITION_ACTIONS[to]} (booking {booking.reference})",
        url=page,
        run=lambda: service(
            actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
        ),
        done=lambda changed: (
            f"Booking {changed.reference} is now {changed.get_status_display().lower()}."
        ),
    )
