"""An appointment booking's page: details, seats, history, emails sent; its status buttons
(the one states table) and "Cancel" (all remaining dates or chosen ones, with a reason)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from bookings.states import TRANSITION_ACTIONS
from core.access import has, require
from core.audit import AuditEvent
from core.web import action_view, click_once, htmx_redirect
from notifications.selectors import emails_about

from ..forms.booking import CancelForm, StatusForm
from ..models import BOOKING_STATES, SEAT_STATES, AttendanceStatus, BookingStatus, Seat, SeatState
from ..selectors import page as page_selectors
from ..services import appointment_cancel, appointment_set_status
from ..states import ATTENDANCE_STATES
from ._common import booking_or_404


def _transitions(booking) -> list[tuple[str, str]]:
    """The status buttons the states table allows from here (Cancel has its own page)."""
    return [
        (to, TRANSITION_ACTIONS.get(to, BOOKING_STATES.label(to)))
        for to in BOOKING_STATES.targets(booking.status)
        if to != BookingStatus.CANCELLED
    ]


@require("view_appointments")
@vary_on_headers("HX-Request")
def booking_page(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_or_404(request.user, pk)
    seats = page_selectors.booking_seats(booking)
    for seat in seats:
        seat.state_badge = SEAT_STATES.badge(seat.state)
        seat.attendance_badge = ATTENDANCE_STATES.badge(seat.attendance)
    now = timezone.now()
    can_manage = has(request.user, "manage_appointments")
    return render(
        request,
        "appointments/booking.html",
        {
            "booking": booking,
            "seats": seats,
            "now": now,
            "upcoming": sum(1 for s in seats if s.is_booked and s.occurrence.starts_at > now),
            "history": list(AuditEvent.objects.for_object(booking).select_related("actor")[:200]),
            "emails": list(emails_about(booking)[:100]),
            "can_manage": can_manage,
            "transitions": _transitions(booking) if can_manage else [],
            "can_cancel": can_manage
            and BOOKING_STATES.allowed(booking.status, BookingStatus.CANCELLED),
        },
    )


@require("manage_appointments")
@require_POST
def booking_status(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_or_404(request.user, pk)
    page = reverse("appointments:booking", args=[booking.pk])
    form = StatusForm(request.POST)
    to = request.POST.get("to", "")
    # Any status but Cancelled (its own page); the service asks the states table, so a button
    # of a page shown before the status moved gets its refusal (or "already done").
    if not form.is_valid() or to not in BookingStatus.values or to == BookingStatus.CANCELLED:
        messages.error(request, "That status change is not available.")
        return htmx_redirect(request, page)
    label = TRANSITION_ACTIONS.get(to, BOOKING_STATES.label(to))
    return click_once(
        request,
        title=f"{label} (appointment booking {booking.reference})",
        url=page,
        run=lambda: appointment_set_status(actor=request.user, booking=booking, to=to),
        done=lambda changed: f"{changed.reference} is now {changed.status_label.lower()}.",
    )


@require("manage_appointments")
@vary_on_headers("HX-Request")
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_or_404(request.user, pk)
    remaining = (
        Seat.objects.filter(
            booking=booking, state=SeatState.BOOKED, occurrence__starts_at__gt=timezone.now()
        )
        .exclude(attendance=AttendanceStatus.ATTENDED)
        .select_related("occurrence")
        .order_by("occurrence__starts_at")
    )
    form = CancelForm(request.POST or None, seats=remaining)
    return action_view(
        request,
        form=form,
        run=lambda data: appointment_cancel(
            actor=request.user,
            booking=booking,
            reason=data["reason"],
            seat_ids=[s.pk for s in data["seats"]] if data["which"] == CancelForm.CHOSEN else None,
        ),
        done=lambda seats, data: (
            f"Cancelled {len(seats)} date{'s' if len(seats) != 1 else ''} of {booking.reference}."
        ),
        title="Cancel",
        subject=f"{booking.reference} · {booking.student.first_name} {booking.student.last_name}",
        back_url=reverse("appointments:booking", args=[booking.pk]),
        submit="Cancel dates",
        preview=False,
        danger=True,
        consequence=(
            "The dates cancelled free their places for other students and cannot be booked "
            "back on this booking. Cancelling all remaining dates cancels the booking"
            + (
                f" and gives its punch back to {booking.pack.reference}."
                if booking.pack_id
                else "."
            )
        ),
        context={"booking": booking},
    )


urlpatterns = [
    path("bookings/<int:pk>/", booking_page, name="booking"),
    path("bookings/<int:pk>/status/", booking_status, name="booking_status"),
    path("bookings/<int:pk>/cancel/", booking_cancel, name="booking_cancel"),
]
