"""Cancelling delegates, or a whole booking: places freed, money through the ledger seam."""

from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import ZERO, money_str, q
from core.text import bounded
from core.transactions import service_atomic

from .. import emails
from ..models import Attendance, AttendanceStatus, Booking, BookingPlace, BookingStatus, PlaceState
from ._ledger import billing_account, charge_line, names, places_schedule
from ._locks import free_places, lock_booking, lock_places, lock_schedules, schedule_ids_of
from .status import transition


def booking_cancel(
    *, actor: Actor, booking: Booking, reason: str, charge_net: Decimal | None = None
) -> Booking:
    """Cancel the whole booking: every booked delegate is cancelled (places freed, their
    invoice lines credited, optional cancellation charge), then the booking is cancelled."""
    with service_atomic():
        booked = list(
            BookingPlace.objects.filter(booking=booking, state=PlaceState.BOOKED).values_list(
                "pk", flat=True
            )
        )
        if booked:
            booking = booking_cancel_delegates(
                actor=actor,
                booking=booking,
                place_ids=booked,
                reason=reason,
                charge_net=charge_net,
            )
        if booking.status != BookingStatus.CANCELLED:
            booking = _cancelled(actor=actor, booking=booking, reason=reason)
        return booking


def _cancelled(*, actor: Actor, booking: Booking, reason: str) -> Booking:
    booking = transition(actor=actor, booking=booking, to=BookingStatus.CANCELLED, reason=reason)
    booking.cancel_reason = reason
    booking.save(update_fields=["cancel_reason", "updated_at"])
    return booking


def _charge_checked(charge_net: Decimal | None) -> Decimal | None:
    if charge_net is None:
        return None
    if isinstance(charge_net, float):
        raise DomainError("The cancellation charge must be an exact amount.", field="charge")
    charge = Decimal(charge_net)
    if not charge.is_finite() or q(charge) != charge:
        raise DomainError(
            "The cancellation charge must have at most 2 decimal places.", field="charge"
        )
    if charge < 0:
        raise DomainError("A cancellation charge cannot be negative.", field="charge")
    return charge or None


def booking_cancel_delegates(
    *,
    actor: Actor,
    booking: Booking,
    place_ids: Sequence[int],
    reason: str,
    charge_net: Decimal | None = None,
) -> Booking:
    """Cancel some delegates: places freed, the credit their invoice lines still allow, an
    optional cancellation charge (at most the value of the places cancelled, at the course's
    VAT rate), emails to the cancelled delegates and the lead booker, all as one ledger
    operation. Cancelling the last booked delegate cancels the booking."""
    reason = bounded((reason or "").strip(), label="Reason", field="reason")
    if not reason:
        raise DomainError("Give a reason for the cancellation.", field="reason")
    place_ids = sorted({int(i) for i in place_ids})
    if not place_ids:
        raise DomainError("Choose at least one delegate to cancel.", field="places")
    charge_net = _charge_checked(charge_net)
    from invoicing.services import places_credit

    with service_atomic():
        schedules = lock_schedules(*schedule_ids_of(booking, place_ids))
        booking = lock_booking(booking)
        places = lock_places(booking, pk__in=place_ids)
        if len(places) != len(place_ids):
            raise DomainError("Those delegates are not on this booking.", field="places")
        not_booked = [p for p in places if p.state != PlaceState.BOOKED]
        if not_booked:
            raise DomainError(
                f"{names([p.contact for p in not_booked])} is no longer booked on this booking.",
                field="places",
            )
        if not booking.is_active:
            raise DomainError(
                f"A {booking.get_status_display().lower()} booking cannot be changed."
            )
        value = sum((p.unit_net for p in places), ZERO)
        if charge_net is not None and charge_net > value:
            raise DomainError(
                f"The cancellation charge cannot be more than the places cancelled are worth "
                f"({money_str(value)} before VAT).",
                field="charge",
            )
        now = timezone.now()
        for p in places:
            p.state, p.cancel_reason, p.cancelled_at = PlaceState.CANCELLED, reason, now
        BookingPlace.objects.bulk_update(places, ["state", "cancel_reason", "cancelled_at"])
        Attendance.objects.filter(place__in=places, status=AttendanceStatus.PENDING).update(
            status=AttendanceStatus.CANCELLED
        )
        free_places(places)

        money = places_credit(
            actor=actor,
            account=billing_account(booking),
            place_ids=[p.pk for p in places],
            reason=reason,
            booking=booking,
            charge=charge_line(booking, places, charge_net) if charge_net else None,
            po_number=booking.po_number,
        )
        schedule = places_schedule(booking, places)
        schedule = schedules.get(schedule.pk) or schedule
        emails.queue_cancellations(
            actor=actor,
            booking=booking,
            places=places,
            reason=reason,
            schedule=schedule,
            charge_invoice=money.charge_invoice,
        )
        charge = money.charge_invoice
        audit_record(
            actor=actor,
            target=booking,
            action="booking.delegates_cancelled",
            summary=(
                f"Cancelled {names([p.contact for p in places])}"
                + (
                    "; credit note " + ", ".join(cn.display_no for cn in money.credit_notes)
                    if money.credit_notes
                    else ""
                )
                + (
                    f"; cancellation charge {charge.display_no} {money_str(charge.gross_total)}"
                    if charge
                    else ""
                )
            ),
            reason=reason,
            data={"places": place_ids, "charge_net": str(charge_net) if charge_net else None},
        )
        if not BookingPlace.objects.filter(booking=booking, state=PlaceState.BOOKED).exists():
            booking = _cancelled(actor=actor, booking=booking, reason=reason)
        return booking
