"""Rescheduling one date of an appointment booking, and cancelling with an email (the
calendar's "Reschedule" and "Cancel", seed 003).

A reschedule moves one Seat to another occurrence (of the same timeslot or another timeslot
of the same appointment type): the new occurrence's place is taken and the old one's freed
under the occurrences' row locks, in the one lock order (occurrences by pk -> booking -> seat),
so capacity holds under concurrent bookings. The history keeps the old and the new time and
the reason; the people booked are emailed.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from calendars.services import booking_changed
from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic

from ..emails.reschedule import queue_cancelled, queue_rescheduled
from ..models import AppointmentBooking, Occurrence, Seat
from ..states import AttendanceStatus, BookingFrequency, BookingStatus, SeatState
from .book import free_seats, take_seats
from .manage import appointment_cancel, lock_booking

OPEN = frozenset({BookingStatus.CONFIRMED, BookingStatus.CONFIRMING, BookingStatus.WAITING,
                  BookingStatus.PENDING})  # fmt: skip


def _when(o: Occurrence) -> str:
    return f"{o.local_start:%a %d %b %Y %H:%M}"


def appointment_reschedule(
    *,
    actor: Actor,
    booking: AppointmentBooking,
    seat: Seat,
    new_occurrence: Occurrence,
    reason: str,
) -> Seat:
    """Move `seat` of `booking` to `new_occurrence`. Refuses (DomainError, nothing written) a
    booking that is not open, a seat not booked or already started or attended, the same
    occurrence, a past, cancelled or full one, another appointment type, or a date the student
    is already booked on. The seat, now in the new occurrence."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    reason = bounded(reason, field="reason", label="Reason").strip()
    if not reason:
        raise DomainError("Give a reason for the reschedule.", field="reason")
    old_id = seat.occurrence_id
    if new_occurrence.pk == old_id:
        raise DomainError(
            "Choose another date or time: this is the booked one.", field="occurrence"
        )
    with service_atomic():
        # Lock order: occurrences (by pk) -> booking -> seat.
        locked = {
            o.pk: o
            for o in Occurrence.objects.select_for_update()
            .select_related("timeslot", "timeslot__staff", "timeslot__appointment_type")
            .filter(pk__in=[old_id, new_occurrence.pk])
            .order_by("pk")
        }
        if new_occurrence.pk not in locked:
            raise DomainError("That time no longer exists: choose again.", field="occurrence")
        booking = lock_booking(booking)
        seat = (
            Seat.objects.select_for_update(of=("self",)).filter(pk=seat.pk, booking=booking).first()
        )
        if seat is None or seat.occurrence_id != old_id or old_id not in locked:
            raise DomainError("That date was changed meanwhile: open the booking again.")
        old, new = locked[old_id], locked[new_occurrence.pk]
        now = timezone.now()
        if booking.status not in OPEN:
            raise DomainError(
                f"{booking.reference} is {booking.status_label.lower()}: it cannot be rescheduled."
            )
        if not seat.is_booked:
            raise DomainError(f"{_when(old)} is cancelled: there is nothing to move.")
        if old.starts_at <= now or seat.attendance != AttendanceStatus.PENDING:
            raise DomainError(f"{_when(old)} has already taken place: it cannot be moved.")
        if new.starts_at <= now:
            raise DomainError(f"{_when(new)} has already started: choose a later time.",
                              field="occurrence")  # fmt: skip
        if new.timeslot.appointment_type_id != old.timeslot.appointment_type_id:
            raise DomainError(
                f"Choose a time of the same appointment type ({old.timeslot.appointment_type}).",
                field="occurrence",
            )
        if new.timeslot.archived:
            raise DomainError("That timeslot is no longer offered.", field="occurrence")
        existing = Seat.objects.filter(booking=booking, occurrence=new).first()
        if existing is not None and existing.is_booked:
            raise DomainError(f"{booking.reference} is already booked on {_when(new)}.",
                              field="occurrence")  # fmt: skip
        clash = Seat.objects.filter(
            occurrence=new, state=SeatState.BOOKED, booking__student_id=booking.student_id
        ).exists()
        if clash:
            raise DomainError(
                f"{booking.student.first_name} {booking.student.last_name} is already booked "
                f"on {_when(new)}.",
                field="occurrence",
            )
        take_seats([new.pk])  # refuses a full or cancelled occurrence
        free_seats([old.pk])
        if existing is not None:  # a cancelled seat of this booking there: booked again
            Seat.objects.filter(pk=existing.pk).update(
                state=SeatState.BOOKED, attendance=AttendanceStatus.PENDING
            )
            Seat.objects.filter(pk=seat.pk).update(
                state=SeatState.CANCELLED, attendance=AttendanceStatus.CANCELLED
            )
            moved = existing
        else:
            Seat.objects.filter(pk=seat.pk).update(occurrence=new)
            moved = seat
        moved.occurrence, moved.occurrence_id = new, new.pk
        moved.state, moved.attendance = SeatState.BOOKED, AttendanceStatus.PENDING
        if not booking.is_recurring and new.timeslot_id != booking.timeslot_id:
            # A one-date booking follows its date to the other timeslot.
            AppointmentBooking.objects.filter(pk=booking.pk).update(
                timeslot=new.timeslot, start_date=new.date, end_date=new.date,
                weekdays=str(new.date.weekday()),
            )  # fmt: skip
            booking.timeslot = new.timeslot
        elif booking.frequency == BookingFrequency.NON_RECURRING:
            AppointmentBooking.objects.filter(pk=booking.pk).update(
                start_date=new.date, end_date=new.date, weekdays=str(new.date.weekday())
            )
        audit_record(
            actor=actor,
            target=booking,
            action="appointment.reschedule",
            summary=(
                f"Rescheduled from {_when(old)} ({old.timeslot.staff_name}) to {_when(new)} "
                f"({new.timeslot.staff_name})"
            ),
            reason=reason,
            data={
                "from_occurrence": old.pk,
                "to_occurrence": new.pk,
                "from": old.starts_at.isoformat(),
                "to": new.starts_at.isoformat(),
            },
        )
        queue_rescheduled(actor=actor, booking=booking, old=old, new=new, reason=reason)
        booking_changed(booking)  # calendar sync: the event moves (SEQUENCE + 1, CalDAV push)
    return moved


def appointment_cancel_notify(
    *,
    actor: Actor,
    booking: AppointmentBooking,
    reason: str,
    seat_ids: Iterable[int] | None = None,
) -> list[Seat]:
    """`appointment_cancel` with a reason required and the people booked emailed, in the same
    transaction (so a refusal sends nothing)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    if not str(reason or "").strip():
        raise DomainError("Give a reason for the cancellation.", field="reason")
    with service_atomic():
        seats = appointment_cancel(actor=actor, booking=booking, reason=reason, seat_ids=seat_ids)
        booking = AppointmentBooking.objects.select_related(
            "student", "student__family", "timeslot", "timeslot__staff",
            "timeslot__appointment_type",
        ).get(pk=booking.pk)  # fmt: skip
        queue_cancelled(actor=actor, booking=booking, seats=seats, reason=reason.strip())
    return seats
