"""A booking's details from the calendar (a <dialog> filled by HTMX, or a page of its own):
status, people, times, history and the actions the states table offers."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from appointments import services as appointment_services
from bookings import services as booking_services
from bookings.states import BOOKING_STATES, CONFIRM_FIRST, BookingStatus
from core.access import has, require
from core.models import AuditEvent
from core.web import click_once, htmx_redirect, int_or_none, partial_template

from ..selectors import appointment_booking_for, appointment_seats, course_booking_for
from ..statuses import look, offered_moves

HISTORY_SHOWN = 50

# The named status services of course bookings (bookings.services.status); each asks the
# one table, BOOKING_STATES, and refuses any other move with its message.
COURSE_MOVES = {
    BookingStatus.CONFIRMED: booking_services.booking_confirm,
    BookingStatus.CONFIRMING: booking_services.booking_mark_confirming,
    BookingStatus.WAITING: booking_services.booking_mark_waiting,
    BookingStatus.NOSHOW: booking_services.booking_mark_noshow,
    BookingStatus.COMPLETED: booking_services.booking_complete,
}


def _course_or_404(request: HttpRequest, pk: int):
    booking = course_booking_for(request.user, pk)
    if booking is None:
        raise Http404("No such booking")
    return booking


def _appointment_or_404(request: HttpRequest, pk: int):
    booking = appointment_booking_for(request.user, pk)
    if booking is None:
        raise Http404("No such appointment booking")
    return booking


def _history(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(obj)[:HISTORY_SHOWN])


def _render(request: HttpRequest, context: dict) -> HttpResponse:
    return render(request, partial_template(request, "agenda/details.html", "panel"), context)


@require("view_appointments")
@vary_on_headers("HX-Request")
def booking_details(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _course_or_404(request, pk)
    can_manage = has(request.user, "manage_bookings")
    moves = [
        (to, label, reverse(CONFIRM_FIRST[to], args=[pk]) if to in CONFIRM_FIRST else "")
        for to, label in offered_moves(booking.status)
        if not booking.transition_refusal(to)
    ]
    return _render(
        request,
        {
            "page_title": f"Booking {booking.reference}",
            "kind": "course",
            "booking": booking,
            "look": look(booking.status),
            "places": list(booking.places.select_related("contact", "schedule")),
            "sessions": list(booking.schedule.sessions.all()[:60]),
            "history": _history(booking),
            "moves": moves if can_manage else [],
            "status_url": reverse("agenda:booking_status", args=[pk]),
            "can_reschedule": (
                has(request.user, "transfer_delegates")
                and booking.is_active
                and not booking.is_placeholder
            ),
            "reschedule_url": reverse("agenda:booking_reschedule", args=[pk]),
            "can_cancel": booking.is_active
            and has(
                request.user,
                "cancel_placeholders" if booking.is_placeholder else "manage_bookings",
            ),
            "cancel_url": reverse(
                "bookings:placeholder_cancel_all" if booking.is_placeholder else "bookings:cancel",
                args=[pk],
            ),
            "page_url": reverse("bookings:detail", args=[pk])
            if has(request.user, "view_bookings")
            else "",
        },
    )


@require("view_appointments")
@vary_on_headers("HX-Request")
def appointment_details(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _appointment_or_404(request, pk)
    seats = appointment_seats(booking)
    wanted = int_or_none(request.GET.get("seat"))
    now = timezone.now()
    seat = next((s for s in seats if s.pk == wanted), None) or next(
        (s for s in seats if s.is_booked and s.occurrence.starts_at > now), None
    )
    can_manage = has(request.user, "manage_appointments")
    active = booking.status in {BookingStatus.CONFIRMED, BookingStatus.CONFIRMING,
                                BookingStatus.WAITING, BookingStatus.PENDING}  # fmt: skip
    seat_q = f"?seat={seat.pk}" if seat else ""
    return _render(
        request,
        {
            "page_title": f"Appointment booking {booking.reference}",
            "kind": "appointment",
            "booking": booking,
            "look": look(booking.status),
            "seats": seats,
            "seat": seat,
            "history": _history(booking),
            "moves": [(to, label, "") for to, label in offered_moves(booking.status)]
            if can_manage
            else [],
            "status_url": reverse("agenda:appointment_status", args=[pk]),
            "can_reschedule": (
                can_manage
                and active
                and seat is not None
                and seat.is_booked
                and seat.occurrence.starts_at > now
            ),  # fmt: skip
            "reschedule_url": reverse("agenda:appointment_reschedule", args=[pk]) + seat_q,
            "can_cancel": can_manage and active,
            "cancel_url": reverse("agenda:appointment_cancel", args=[pk]),
        },
    )


def _status(request: HttpRequest, *, reference: str, current: str, page: str, run_for):
    """A one-click status button: the move must be one the table allows from `current`
    (anything else is refused with the table's message, nothing written); once per page."""
    to = request.POST.get("to", "")
    if to not in BookingStatus.values:
        messages.error(request, "That status change is not available.")
        return htmx_redirect(request, page)
    refusal = BOOKING_STATES.refusal(current, to)
    if refusal:
        messages.error(request, refusal)
        return htmx_redirect(request, page)
    if to == BookingStatus.CANCELLED:
        messages.error(request, "Use Cancel to cancel a booking: it asks for a reason.")
        return htmx_redirect(request, page)
    reason = str(request.POST.get("reason", ""))[:500]
    return click_once(
        request,
        title=f"{BOOKING_STATES.label(to)} (booking {reference})",
        url=page,
        run=lambda: run_for(to, reason),
        done=lambda changed: f"Booking {reference} is now {BOOKING_STATES.label(to).lower()}.",
    )


@require("manage_bookings")
@require_http_methods(["GET", "POST"])
def booking_status(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: the status button. GET (a bookmarked or replayed URL): the booking's details."""
    booking = _course_or_404(request, pk)
    if request.method == "GET":
        return redirect("agenda:booking", pk)
    return _status(
        request,
        reference=booking.reference,
        current=booking.status,
        page=reverse("agenda:booking", args=[pk]),
        run_for=lambda to, reason: COURSE_MOVES[to](
            actor=request.user, booking=booking, reason=reason
        ),
    )


@require("manage_appointments")
@require_http_methods(["GET", "POST"])
def appointment_status(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: the status button. GET (a bookmarked or replayed URL): the booking's details."""
    booking = _appointment_or_404(request, pk)
    if request.method == "GET":
        return redirect("agenda:appointment", pk)
    return _status(
        request,
        reference=booking.reference,
        current=booking.status,
        page=reverse("agenda:appointment", args=[pk]),
        run_for=lambda to, reason: appointment_services.appointment_set_status(
            actor=request.user, booking=booking, to=to, reason=reason
        ),
    )


urlpatterns = [
    path("booking/<int:pk>/", booking_details, name="booking"),
    path("booking/<int:pk>/status/", booking_status, name="booking_status"),
    path("appointment/<int:pk>/", appointment_details, name="appointment"),
    path("appointment/<int:pk>/status/", appointment_status, name="appointment_status"),
]
