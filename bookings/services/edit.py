"""Editing a booking: details and PO number, and the booking-level discount."""

from decimal import Decimal

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import ZERO, q
from core.text import bounded
from core.transactions import service_atomic

from .. import emails
from ..models import Booking, BookingPlace, DiscountKind, PlaceState
from ..pricing import discount_lines
from ._ledger import billing_account, place_lines
from ._locks import lock_booking, lock_places


def booking_update(
    *, actor: Actor, booking: Booking, po_number: str, notes: str, reason: str = ""
) -> Booking:
    """Edit the booking's details. Entering or changing the PO number sends the back-office
    confirmation email (once per change; saving the same number again sends nothing)."""
    po_number = (po_number or "").strip()
    notes = bounded((notes or "").strip(), label="Notes", field="notes")
    reason = bounded(reason, label="Reason", field="reason")
    with service_atomic():
        booking = lock_booking(booking)
        changes = {}
        if po_number != booking.po_number:
            changes["po_number"] = [booking.po_number, po_number]
        if notes != booking.notes:
            changes["notes"] = [booking.notes, notes]
        if not changes:
            return booking
        booking.po_number, booking.notes = po_number, notes
        booking.save(update_fields=["po_number", "notes", "updated_at"])
        summary = []
        if "po_number" in changes:
            old = changes["po_number"][0]
            summary.append(
                f"Purchase order number {'changed from ' + old + ' to' if old else 'set to'} "
                f"{po_number or '(none)'}"
            )
            if po_number:
                emails.queue_po_confirmation(actor=actor, booking=booking)
        if "notes" in changes:
            summary.append("Notes edited")
        audit_record(
            actor=actor,
            target=booking,
            action="booking.edited",
            summary="; ".join(summary),
            reason=reason,
            data=changes,
        )
        return booking


def booking_update_po_number(
    *, actor: Actor, booking: Booking, po_number: str, reason: str = ""
) -> Booking:
    return booking_update(
        actor=actor, booking=booking, po_number=po_number, notes=booking.notes, reason=reason
    )


# --- discount ---------------------------------------------------------------------------------


def booking_set_discount(
    *, actor: Actor, booking: Booking, kind: str, value: Decimal | None, reason: str
) -> Booking:
    """Add, change or remove the booking-level discount.

    Issued invoices cannot be edited, so the ledger replaces the booking's course invoice: a
    credit note closes it and a corrected invoice bills the delegates still booked at the new
    prices, less any credit already given on them. A cancellation-charge invoice is never
    touched. Refused once money is held on the course invoice (the ledger says so).
    """
    kind = kind or DiscountKind.NONE
    value = q(value or ZERO)
    reason = bounded((reason or "").strip(), label="Reason", field="discount_reason")
    if kind not in DiscountKind.values:
        raise DomainError("Unknown discount type.", field="discount_kind")
    if kind and value <= 0:
        raise DomainError("Enter the discount.", field="discount_value")
    if not reason:
        raise DomainError("Give a reason for the discount change.", field="discount_reason")
    if not kind:
        value = ZERO
    from invoicing.services import course_invoice_replace

    with service_atomic():
        booking = lock_booking(booking)
        if not booking.is_active:
            raise DomainError(
                f"A {booking.get_status_display().lower()} booking cannot be discounted."
            )
        if booking.discount_kind == kind and booking.discount_value == value:
            raise DomainError("That is already the booking's discount.", field="discount_value")
        if booking.places.filter(state=PlaceState.TRANSFERRED).exists():
            raise DomainError(
                "This booking has transferred delegates, so its discount cannot be changed: "
                "cancel and rebook instead."
            )
        places = lock_places(booking, state=PlaceState.BOOKED)
        nets = discount_lines(
            unit_price=booking.unit_price, delegates=len(places), kind=kind, value=value
        )
        for p, net in zip(places, nets, strict=True):
            p.unit_net = net
        BookingPlace.objects.bulk_update(places, ["unit_net"])
        old = (booking.discount_kind, booking.discount_value)
        booking.discount_kind, booking.discount_value = kind, value
        booking.discount_reason = reason if kind else ""
        booking.save(
            update_fields=["discount_kind", "discount_value", "discount_reason", "updated_at"]
        )
        money = course_invoice_replace(
            actor=actor,
            account=billing_account(booking),
            booking=booking,
            lines=place_lines(booking, places),
            reason=f"Discount changed: {reason}",
            po_number=booking.po_number,
        )
        done = []
        if money.credit_notes:
            done.append("credit note " + ", ".join(cn.display_no for cn in money.credit_notes))
        if money.invoice:
            done.append(f"corrected invoice {money.invoice.display_no}")
        if money.carried:
            done.append(f"earlier credit carried over by {money.carried.display_no}")
        audit_record(
            actor=actor,
            target=booking,
            action="booking.discount",
            summary=(
                f"Discount {'set to ' + booking.discount_display if kind else 'removed'}"
                + (f" (was {old[1]} {old[0]})" if old[0] else "")
                + ("; " + "; ".join(done) if done else "")
            ),
            reason=reason,
            data={"from": [old[0], str(old[1])], "to": [kind, str(value)]},
        )
        return booking
