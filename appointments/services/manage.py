"""Cancelling appointment bookings and moving their status; creating timeslots."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from calendars.services import booking_changed
from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic

from ..models import AppointmentBooking, AppointmentType, PricingSchedule, Seat, Timeslot
from ..recurrence import local_today, window_end
from ..states import (
    ATTENDANCE_STATES,
    BOOKING_STATES,
    AttendanceStatus,
    BookingStatus,
    Frequency,
    SeatState,
)
from .book import free_seats, pack_give_back
from .occurrences import occurrences_generate


def lock_booking(booking: AppointmentBooking) -> AppointmentBooking:
    locked = (
        AppointmentBooking.objects.select_for_update(of=("self",))
        .select_related(
            "student", "timeslot", "timeslot__appointment_type", "timeslot__staff", "pack"
        )
        .filter(pk=booking.pk)
        .first()
    )
    if locked is None:
        raise DomainError("That appointment booking does not exist.")
    return locked


def appointment_cancel(
    *,
    actor: Actor,
    booking: AppointmentBooking,
    reason: str,
    seat_ids: Iterable[int] | None = None,
) -> list[Seat]:
    """Cancel the booking's seats that have not started (`seat_ids`: only those; None: all of
    them). Their places go back to the occurrences; a punch-pass booking gives its punch back.
    When no booked seat is left the booking is cancelled. Attended seats are never cancelled.
    The seats cancelled."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    reason = bounded(reason, field="reason", label="Reason")
    with service_atomic():
        booking = lock_booking(booking)
        if booking.is_cancelled:
            raise DomainError(f"{booking.reference} is already cancelled.")
        now = timezone.now()
        seats = list(
            Seat.objects.select_for_update(of=("self",))
            .select_related("occurrence")
            .filter(booking=booking, state=SeatState.BOOKED)
            .order_by("occurrence__starts_at")
        )
        chosen = seats
        if seat_ids is not None:
            wanted = set(seat_ids)
            chosen = [s for s in seats if s.pk in wanted]
            if len(chosen) != len(wanted):
                raise DomainError("Choose dates that are still booked.", field="seats")
        started = [s for s in chosen if s.occurrence.starts_at <= now]
        if seat_ids is not None and started:
            raise DomainError(
                f"{started[0].occurrence.date:%a %d %b %Y} has already taken place.", field="seats"
            )
        chosen = [s for s in chosen if s.occurrence.starts_at > now]
        if not chosen and seat_ids is None and seats:
            raise DomainError("Every booked date has already taken place: nothing to cancel.")
        for seat in chosen:
            ATTENDANCE_STATES.check(seat.attendance, AttendanceStatus.CANCELLED)
        Seat.objects.filter(pk__in=[s.pk for s in chosen]).update(
            state=SeatState.CANCELLED, attendance=AttendanceStatus.CANCELLED
        )
        free_seats([s.occurrence_id for s in chosen])
        left = len(seats) - len(chosen)
        whole = left == 0 or seat_ids is None
        if whole:
            BOOKING_STATES.check(booking.status, BookingStatus.CANCELLED)
            AppointmentBooking.objects.filter(pk=booking.pk).update(
                status=BookingStatus.CANCELLED, generated_until=None
            )
            booking.status = BookingStatus.CANCELLED
            if booking.pack_id and chosen:
                pack_give_back(booking.pack)
        days = ", ".join(f"{s.occurrence.date:%a %d %b %Y}" for s in chosen[:10])
        audit_record(
            actor=actor,
            target=booking,
            action="appointment.cancel",
            summary=(
                f"Cancelled {len(chosen)} date{'s' if len(chosen) != 1 else ''}: {days}"
                + (" (booking cancelled)" if whole else "")
                + (
                    f"; punch given back to {booking.pack.reference}"
                    if whole and booking.pack_id and chosen
                    else ""
                )
            ),
            reason=reason,
        )
        booking_changed(booking)  # calendar sync: fewer dates, or STATUS:CANCELLED
    return chosen


def appointment_set_status(
    *, actor: Actor, booking: AppointmentBooking, to: str, reason: str = ""
) -> AppointmentBooking:
    """Move the booking's status along the one states table (cancel has its own service)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    if to == BookingStatus.CANCELLED:
        raise DomainError("Use Cancel to cancel a booking.")
    reason = bounded(reason, field="reason", label="Reason")
    with service_atomic():
        booking = lock_booking(booking)
        BOOKING_STATES.check(booking.status, to)
        before = booking.status
        AppointmentBooking.objects.filter(pk=booking.pk).update(status=to)
        booking.status = to
        audit_record(
            actor=actor,
            target=booking,
            action="appointment.status",
            summary=f"Status {BOOKING_STATES.label(before)} -> {BOOKING_STATES.label(to)}",
            reason=reason,
        )
        booking_changed(booking)  # calendar sync
    return booking


def timeslot_create(
    *,
    actor: Actor,
    staff,
    appointment_type: AppointmentType,
    frequency: str,
    start_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time | None = None,
    weekdays: Iterable[int] = (),
    end_date: datetime.date | None = None,
    capacity: int | None = None,
    pricing_schedule: PricingSchedule | None = None,
    location: str = "",
    today: datetime.date | None = None,
) -> Timeslot:
    """Add a staff member's timeslot (Admins only: providers edit and delete their own but do
    not add them, SPEC 1) and generate its occurrences for the 13-month window."""
    if not has(actor, "manage_timeslots"):
        raise PermissionDenied
    if frequency not in Frequency.values:
        raise DomainError("Choose a frequency: One Time or Weekly.", field="frequency")
    days = sorted({int(d) for d in weekdays})
    if frequency == Frequency.WEEKLY and not days:
        raise DomainError("Choose the days of the week of a weekly timeslot.", field="weekdays")
    if any(d < 0 or d > 6 for d in days):
        raise DomainError("Choose days of the week.", field="weekdays")
    if frequency == Frequency.ONE_TIME:
        days, end_date = [], start_date
    if end_time is None:
        end_time = (
            datetime.datetime.combine(start_date, start_time)
            + datetime.timedelta(minutes=appointment_type.duration_minutes)
        ).time()
    if end_time <= start_time:
        raise DomainError("The end time must be after the start time (same day).", field="end_time")
    if end_date is not None and end_date < start_date:
        raise DomainError("The end date is before the start date.", field="end_date")
    capacity = capacity or appointment_type.capacity
    if capacity < 1 or capacity > 1000:
        raise DomainError("Capacity is from 1 to 1,000.", field="capacity")
    location = bounded(location, field="location", label="Location", limit=200)
    with service_atomic():
        timeslot = Timeslot.objects.create(
            staff=staff,
            appointment_type=appointment_type,
            frequency=frequency,
            weekdays="".join(str(d) for d in days),
            start_date=start_date,
            end_date=end_date,
            start_time=start_time,
            end_time=end_time,
            capacity=capacity,
            pricing_schedule=pricing_schedule,
            location=location,
        )
        occurrences_generate(timeslot, until=window_end(today or local_today(timeslot.time_zone)))
        audit_record(
            actor=actor,
            target=timeslot,
            action="timeslot.create",
            summary=f"Added timeslot {timeslot}",
        )
    return timeslot
