"""Part-cancelling placeholder places, or cancelling them all (SPEC 5's table)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import ZERO, money_str
from core.transactions import service_atomic

from ...models import (
    Booking,
    BookingPlace,
    PlaceState,
)
from .._ledger import billing_account
from .._locks import free_places, lock_places, lock_schedules
from ..cancel import _cancelled, _charge_checked
from .places import _active, _placeholder, _places_count


@dataclass(frozen=True)
class PlaceholderCancelOutcome:
    booking: Booking
    credit_notes: list = field(default_factory=list)
    charge_invoice: object = None
    refunded: Decimal = ZERO
    unfunded: list[str] = field(default_factory=list)  # delegates left Booked, no invoice


def _assigned_names(booking: Booking) -> list[str]:
    return [
        p.contact.full_name
        for p in BookingPlace.objects.filter(
            booking=booking, state=PlaceState.BOOKED, contact__isnull=False
        )
        .select_related("contact")
        .order_by("pk")
    ]


def placeholder_part_cancel(
    *,
    actor: Actor,
    booking: Booking,
    places: int,
    reason: str,
    credit_note: bool = True,
    value: Decimal | None = None,
    charge_net: Decimal | None = None,
) -> Booking:
    """Part-cancel: the quantity drops by `places` (the last places too: SPEC 5 example 8
    cancels 3 then 4 of 7; the booking is then cancelled). With `credit_note`, a credit note
    for the "Credit Note Value" entered (VAT-inclusive) or, when blank, the proportional
    amount; declining it still reduces the places. No charge, no refund. Refused while
    delegates are assigned."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.", field="reason")
    if _charge_checked(charge_net):
        raise DomainError(
            "No charge can be applied when part-cancelling placeholder places.", field="charge"
        )
    places = _places_count(places)
    if value is not None and not credit_note:
        raise DomainError(
            "A Credit Note Value needs the credit note: tick “Create a credit note”.",
            field="value",
        )
    from invoicing.services import placeholder_places_credit

    with service_atomic():
        lock_schedules(booking.schedule_id)
        booking = _placeholder(booking)
        _active(booking)
        assigned = _assigned_names(booking)
        if assigned:
            raise DomainError(
                f"This placeholder is used ({', '.join(assigned)}): unassign the delegates "
                "first, then part-cancel.",
                field="places",
            )
        if places > booking.places_bought:
            raise DomainError(
                f"The placeholder has only {booking.places_bought} place"
                f"{'s' if booking.places_bought != 1 else ''} left.",
                field="places",
            )
        cancelled = _cancel_free_places(booking, places, reason)
        notes = []
        if credit_note and booking.unit_price > 0:
            notes = placeholder_places_credit(
                actor=actor,
                account=billing_account(booking),
                booking_id=booking.pk,
                places=places,
                reason=reason,
                value=value,
            )
        booking.places_bought -= len(cancelled)
        booking.save(update_fields=["places_bought", "updated_at"])
        audit_record(
            actor=actor,
            target=booking,
            action="placeholder.part_cancelled",
            summary=(
                f"{places} placeholder place{'s' if places != 1 else ''} cancelled, "
                f"{booking.places_bought} left"
                + (
                    "; credit note "
                    + ", ".join(f"{n.display_no} {money_str(n.gross_total)}" for n in notes)
                    if notes
                    else "; no credit note"
                )
            ),
            reason=reason,
            data={"places": places, "value": str(value) if value is not None else None},
        )
        if booking.places_bought == 0:  # the last places: nothing is left on the booking
            booking = _cancelled(actor=actor, booking=booking, reason=reason)
        return booking


def _cancel_free_places(booking: Booking, count: int, reason: str) -> list[BookingPlace]:
    free = lock_places(booking, state=PlaceState.BOOKED, contact__isnull=True)[:count]
    now = timezone.now()
    for p in free:
        p.state, p.cancel_reason, p.cancelled_at = PlaceState.CANCELLED, reason, now
    BookingPlace.objects.bulk_update(free, ["state", "cancel_reason", "cancelled_at"])
    free_places(free)
    return free


def placeholder_cancel_all(
    *, actor: Actor, booking: Booking, reason: str, charge_net: Decimal | None = None
) -> PlaceholderCancelOutcome:
    """Cancel all places: every free place cancelled and freed, each invoice paid in full by
    a credit note; with a charge (net, at the course's VAT rate, at most the value of the
    places cancelled) a charge invoice paid from the payment and the rest refunded. Delegates
    already assigned stay Booked (SPEC 5) and are named in the outcome: they now have no
    invoice behind them. The booking is cancelled when no one is left on it."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.", field="reason")
    charge_net = _charge_checked(charge_net)
    from invoicing.services import LineSpec
    from invoicing.services import placeholder_cancel_all as ledger_cancel_all

    with service_atomic():
        lock_schedules(booking.schedule_id)
        booking = _placeholder(booking)
        _active(booking)
        if booking.places_bought <= 0:
            raise DomainError("Every place of this placeholder is already cancelled.")
        value = booking.unit_price * booking.places_bought
        if charge_net is not None and charge_net > value:
            raise DomainError(
                "The cancellation charge cannot be more than the places cancelled are worth "
                f"({money_str(value)} before VAT).",
                field="charge",
            )
        cancelled_places = booking.places_bought
        _cancel_free_places(booking, cancelled_places, reason)
        unfunded = _assigned_names(booking)
        schedule = booking.schedule
        charge = None
        if charge_net is not None:
            charge = LineSpec(
                description=(
                    f"Cancellation charge – {schedule.course.title} ({schedule.code}): "
                    f"placeholder {booking.reference}"
                ),
                unit_net=charge_net,
                vat_rate=booking.vat_rate,
                kind="cancellation_charge",
                course_id=schedule.course_id,
            )
        money = ledger_cancel_all(
            actor=actor,
            account=billing_account(booking),
            booking=booking,
            reason=reason,
            charge=charge,
            po_number=booking.po_number,
        )
        booking.places_bought = 0
        booking.save(update_fields=["places_bought", "updated_at"])
        parts = [f"All {cancelled_places} placeholder places cancelled"]
        if money.credit_notes:
            parts.append("credit note " + ", ".join(n.display_no for n in money.credit_notes))
        if money.charge_invoice:
            parts.append(
                f"cancellation charge {money.charge_invoice.display_no} "
                f"{money_str(money.charge_invoice.gross_total)}"
            )
        if money.refunded:
            parts.append(f"{money_str(money.refunded)} refunded")
        if unfunded:
            parts.append(f"{', '.join(unfunded)} stay booked with no invoice behind them")
        audit_record(
            actor=actor,
            target=booking,
            action="placeholder.cancelled",
            summary="; ".join(parts),
            reason=reason,
            data={"charge_net": str(charge_net) if charge_net else None},
        )
        if not unfunded:
            booking = _cancelled(actor=actor, booking=booking, reason=reason)
        return PlaceholderCancelOutcome(
            booking=booking,
            credit_notes=money.credit_notes,
            charge_invoice=money.charge_invoice,
            refunded=money.refunded,
            unfunded=unfunded,
        )
