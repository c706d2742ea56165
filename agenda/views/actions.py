"""Reschedule and Cancel from a booking's details (seed 003), through the shared action page
(core.web.action_view): course bookings move every booked delegate with the transfer service
(money previewed); appointment dates move with `appointment_reschedule`."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from appointments import services as appointment_services
from appointments.models import Seat, SeatState
from bookings import services as booking_services
from bookings.models import PlaceState
from core.access import require
from core.web import action_view, int_or_none, posted

from .. import bridge
from ..forms import (
    AppointmentRescheduleForm,
    CancelReasonForm,
    CourseRescheduleForm,
    open_occurrences,
)
from ..periods import parse_date
from .details import _appointment_or_404, _course_or_404


@require("transfer_delegates")
@vary_on_headers("HX-Request")
def booking_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """A course booking onto another schedule of the same course: each delegate still booked
    is transferred (bookings.services.booking_place_transfer: credit note, new invoice, money
    moved), all in one previewed and confirmed run."""
    booking = _course_or_404(request, pk)
    booked = [p for p in booking.places.select_related("contact") if p.state == PlaceState.BOOKED]
    form = CourseRescheduleForm(posted(request), booking=booking, places_needed=len(booked))
    # Warn before "Confirm": the chosen schedule against its trainer's and room's busy blocks.
    chosen = None
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["schedule"]

    def run(data):
        if not booked:
            from core.errors import DomainError

            raise DomainError("No delegate of this booking is still booked: nothing to move.")
        return [
            booking_services.booking_place_transfer(
                actor=request.user,
                booking=booking,
                place_id=place.pk,
                schedule=data["schedule"],
                fee_net=data["fee"],
                reason=data["reason"],
            )
            for place in booked
        ]

    return action_view(
        request,
        form=form,
        run=run,
        done=lambda result, data: (
            f"Booking {booking.reference} rescheduled to {data['schedule'].code}."
        ),
        title="Reschedule",
        subject=booking.reference,
        back_url=reverse("agenda:booking", args=[pk]),
        submit="Confirm Booking",
        intro_template="agenda/_reschedule_course_intro.html",
        context={
            "booking": booking,
            "booked": booked,
            "clash": bridge.schedule_warning(chosen),
            "chosen": chosen,
        },
    )


@require("manage_appointments")
@vary_on_headers("HX-Request")
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _appointment_or_404(request, pk)
    source = request.POST if request.method == "POST" else request.GET
    seat_id = int_or_none(source.get("seat"))
    seat = (
        Seat.objects.select_related("occurrence", "occurrence__timeslot")
        .filter(booking=booking, pk=seat_id)
        .first()
        if seat_id
        else None
    ) or (
        Seat.objects.select_related("occurrence", "occurrence__timeslot")
        .filter(booking=booking, state=SeatState.BOOKED, occurrence__starts_at__gt=timezone.now())
        .order_by("occurrence__starts_at")
        .first()
    )
    if seat is None:
        raise Http404("No date of this booking can be moved")
    day = parse_date(source.get("date"), seat.occurrence.date)
    occurrences = open_occurrences(
        appointment_type_id=seat.occurrence.timeslot.appointment_type_id,
        day=day,
        exclude_id=seat.occurrence_id,
    )
    form = AppointmentRescheduleForm(
        posted(request),
        booking=booking,
        day=day,
        occurrences=occurrences,
        warnings=bridge.occurrence_warnings(occurrences),
        initial={"seat": seat.pk},
    )
    return action_view(
        request,
        form=form,
        run=lambda data: appointment_services.appointment_reschedule(
            actor=request.user,
            booking=booking,
            seat=data["seat"],
            new_occurrence=data["occurrence"],
            reason=data["reason"],
        ),
        done=lambda moved, data: (
            f"Booking {booking.reference} rescheduled to "
            f"{moved.occurrence.local_start:%a %d %b %Y %H:%M}."
        ),
        title="Reschedule",
        subject=booking.reference,
        back_url=reverse("agenda:appointment", args=[pk]) + f"?seat={seat.pk}",
        submit="Confirm Booking",
        preview=False,  # no money moves; the email and history are named on the form
        intro_template="agenda/_reschedule_appointment_intro.html",
        context={"booking": booking, "seat": seat, "day": day, "has_times": occurrences.exists()},
    )


@require("manage_appointments")
@vary_on_headers("HX-Request")
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _appointment_or_404(request, pk)
    form = CancelReasonForm(posted(request))
    return action_view(
        request,
        form=form,
        run=lambda data: appointment_services.appointment_cancel_notify(
            actor=request.user, booking=booking, reason=data["reason"]
        ),
        done=lambda seats, data: f"Booking {booking.reference} cancelled.",
        title="Cancel booking",
        subject=booking.reference,
        back_url=reverse("agenda:appointment", args=[pk]),
        submit="Cancel this booking",
        danger=True,
        preview=False,  # appointment bookings hold no ledger documents of their own here
        consequence=(
            f"Every date of {booking.reference} that has not taken place is cancelled and its "
            "place freed; a punch-pass booking gets its punch back; the family is emailed."
        ),
    )


urlpatterns = [
    path("booking/<int:pk>/reschedule/", booking_reschedule, name="booking_reschedule"),
    path("appointment/<int:pk>/reschedule/", appointment_reschedule, name="appointment_reschedule"),
    path("appointment/<int:pk>/cancel/", appointment_cancel, name="appointment_cancel"),
]
