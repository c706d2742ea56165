"""Named status changes of a booking; which may follow which is `bookings.states`."""

from calendars.services import booking_changed
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic

from ..models import Booking, BookingStatus
from ..states import BOOKING_STATES
from ._locks import lock_booking


def transition(*, actor: Actor, booking: Booking, to: str, reason: str = "") -> Booking:
    reason = bounded(reason, label="Reason", field="reason")
    booking = lock_booking(booking)
    refusal = booking.transition_refusal(to)
    if refusal:
        raise DomainError(refusal)
    old = booking.status
    booking.status = to
    booking.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        target=booking,
        action=f"booking.{to}",
        summary=(f"Status changed from {BOOKING_STATES.label(old)} to {BOOKING_STATES.label(to)}"),
        reason=reason,
        data={"from": old, "to": to},
    )
    booking_changed(booking)  # calendar sync: STATUS (e.g. CANCELLED) on the CalDAV copies
    return booking


def booking_confirm(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with service_atomic():
        return transition(actor=actor, booking=booking, to=BookingStatus.CONFIRMED, reason=reason)


def booking_mark_confirming(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with service_atomic():
        return transition(actor=actor, booking=booking, to=BookingStatus.CONFIRMING, reason=reason)


def booking_mark_waiting(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with service_atomic():
        return transition(actor=actor, booking=booking, to=BookingStatus.WAITING, reason=reason)


def booking_mark_noshow(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with service_atomic():
        return transition(actor=actor, booking=booking, to=BookingStatus.NOSHOW, reason=reason)


def booking_complete(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with service_atomic():
        return transition(actor=actor, booking=booking, to=BookingStatus.COMPLETED, reason=reason)
