"""Transferring a delegate to another schedule (SPEC 5): the old place becomes Transferred and
frees its seat, a new place is Booked on the target schedule on the same booking, and the
ledger (`invoicing.services.place_transfer_money`) issues the credit note, the new invoice and
moves the money, all in one transaction."""

from decimal import Decimal

from django.utils import timezone

from calendars.services import booking_changed
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import money_str, q
from core.transactions import insert_later, service_atomic
from schedules.models import Schedule, TimetableSession

from .. import emails
from ..models import (
    PLACE_STATES,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingPlace,
    BookingType,
    PlaceState,
)
from ._ledger import billing_account, line_description
from ._locks import free_places, lock_booking, lock_places, lock_schedules, take_places

DISCOUNT_REFUSAL = (
    "Bookings with a discount cannot be transferred: cancel the delegate and rebook them on "
    "the other course."
)
PLACEHOLDER_REFUSAL = (
    "{name} was booked through a placeholder and cannot be transferred alone: unassign them "
    "first, then book them on the other course."
)


def _fee_checked(fee_net: Decimal | None) -> Decimal | None:
    if fee_net is None:
        return None
    if isinstance(fee_net, float | bool):
        raise DomainError("The transfer fee must be an exact amount.", field="fee")
    try:
        fee = Decimal(fee_net)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(
            "The transfer fee must be an amount such as 25.00.", field="fee"
        ) from None
    if not fee.is_finite() or q(fee) != fee:
        raise DomainError("The transfer fee must have at most 2 decimal places.", field="fee")
    if fee < 0:
        raise DomainError("A transfer fee cannot be negative.", field="fee")
    return fee or None


def booking_place_transfer(
    *,
    actor: Actor,
    booking: Booking,
    place_id: int,
    schedule: Schedule,
    fee_net: Decimal | None = None,
    reason: str,
) -> BookingPlace:
    """Move one booked delegate of an individual or group booking to `schedule`, with an
    optional transfer fee (net, at the new course's VAT rate). Returns the new place.

    Refused: a discounted booking (cancel and rebook), a placeholder's place (unassign, then
    book), a place not Booked, the same schedule, a full or ended schedule, a delegate already
    booked on it. Locks in the bookings order: schedules by pk, booking, place; then the
    ledger's."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for the transfer.", field="reason")
    fee_net = _fee_checked(fee_net)
    from invoicing.services import LineSpec, place_transfer_money

    with service_atomic():
        old_schedule_id = (
            BookingPlace.objects.filter(booking_id=booking.pk, pk=place_id)
            .values_list("schedule_id", flat=True)
            .first()
        )
        if old_schedule_id is None:
            raise DomainError("That delegate is not on this booking.", field="place")
        if old_schedule_id == schedule.pk:
            raise DomainError(
                "The delegate is already on that schedule: choose another one.", field="schedule"
            )
        schedules = lock_schedules(old_schedule_id, schedule.pk)
        target = schedules.get(schedule.pk)
        if target is None:
            raise DomainError("That schedule does not exist.", field="schedule")
        booking = lock_booking(booking)
        found = lock_places(booking, pk=place_id)
        if not found:  # removed meanwhile (an unassigned placeholder place leaves no row)
            raise DomainError("That delegate is not on this booking.", field="place")
        place = found[0]
        who = place.contact.full_name if place.contact else "This place"
        if booking.kind == BookingType.PLACEHOLDER:
            raise DomainError(PLACEHOLDER_REFUSAL.format(name=who), field="place")
        if booking.has_discount:
            raise DomainError(DISCOUNT_REFUSAL)
        if not booking.is_active:
            raise DomainError(
                f"A {booking.get_status_display().lower()} booking cannot be changed."
            )
        refusal = PLACE_STATES.refusal(place.state, PlaceState.TRANSFERRED)
        if refusal or place.contact is None:
            raise DomainError(f"{who} is no longer booked on this booking.", field="place")
        if target.end_at <= timezone.now():
            raise DomainError(f"{target.code} has already ended.", field="schedule")
        clash = (
            BookingPlace.objects.filter(
                schedule_id=target.pk, contact_id=place.contact_id, state=PlaceState.BOOKED
            )
            .select_related("booking")
            .first()
        )
        if clash is not None:
            raise DomainError(
                f"{who} is already booked on {target.code} (booking {clash.booking.reference}).",
                field="schedule",
            )
        take_places(target, 1)  # "No places left on ...": refused when full

        new_place = BookingPlace.objects.create(
            booking=booking,
            contact=place.contact,
            schedule=target,
            state=PlaceState.BOOKED,
            unit_net=target.price,
        )
        place.state, place.transferred_to = PlaceState.TRANSFERRED, new_place
        place.cancel_reason, place.cancelled_at = reason, timezone.now()
        place.save(update_fields=["state", "transferred_to", "cancel_reason", "cancelled_at"])
        Attendance.objects.filter(place=place, status=AttendanceStatus.PENDING).update(
            status=AttendanceStatus.CANCELLED
        )
        free_places([place])
        sessions = list(TimetableSession.objects.filter(schedule_id=target.pk))
        insert_later([Attendance(place_id=new_place.pk, session_id=s.pk) for s in sessions])
        _follow_if_all_moved(booking, target)
        booking_changed(booking)  # calendar sync: new time and place, or old calendars told

        lines = [
            LineSpec(
                description=line_description(target, place.contact),
                unit_net=target.price,
                vat_rate=target.vat_rate,
                kind="course",
                booking_place_id=new_place.pk,
                course_id=target.course_id,
            )
        ]
        if fee_net:
            lines.append(
                LineSpec(
                    description=f"Transfer fee – {place.contact.full_name} to "
                    f"{target.course.title} ({target.code})",
                    unit_net=fee_net,
                    vat_rate=target.vat_rate,
                    kind="transfer_fee",
                    booking_place_id=new_place.pk,
                    course_id=target.course_id,  # the fee is revenue of the new course
                )
            )
        money = place_transfer_money(
            actor=actor,
            account=billing_account(booking),
            place_id=place.pk,
            new_lines=lines,
            booking=booking,
            reason=reason,
            po_number=booking.po_number,
        )
        old_schedule = schedules[old_schedule_id]
        emails.queue_transfer(
            actor=actor,
            booking=booking,
            contact=place.contact,
            old_schedule=old_schedule,
            new_schedule=target,
            sessions=sessions,
            reason=reason,
            invoice=money.invoice,
        )
        audit_record(
            actor=actor,
            target=booking,
            action="booking.transferred",
            summary=_summary(who, old_schedule, target, money),
            reason=reason,
            data={
                "place": place.pk,
                "new_place": new_place.pk,
                "from": old_schedule.code,
                "to": target.code,
                "fee_net": str(fee_net) if fee_net else None,
            },
        )
        return new_place


def _follow_if_all_moved(booking: Booking, target: Schedule) -> None:
    """A booking names one schedule (lists, portal, emails): once every place still booked is
    on the target (an individual booking, or a group moved delegate by delegate), the booking
    follows it, with the price and VAT rate it is now billed at."""
    if (
        BookingPlace.objects.filter(booking=booking, state=PlaceState.BOOKED)
        .exclude(schedule_id=target.pk)
        .exists()
    ):
        return
    booking.schedule, booking.unit_price, booking.vat_rate = target, target.price, target.vat_rate
    booking.save(update_fields=["schedule", "unit_price", "vat_rate", "updated_at"])


def _summary(who: str, old: Schedule, new: Schedule, money) -> str:
    parts = [f"Transferred {who} from {old.code} to {new.code}"]
    if money.credit_note is not None:
        parts.append(
            f"credit note {money.credit_note.display_no} "
            f"{money_str(money.credit_note.gross_total)} on {money.old_invoice.display_no}"
        )
    if money.invoice is not None:
        parts.append(f"invoice {money.invoice.display_no} {money_str(money.invoice.gross_total)}")
    if money.moved:
        parts.append(f"{money_str(money.moved)} moved")
    if money.left_overpaid:
        parts.append(f"{money_str(money.left_overpaid)} overpaid on {money.old_invoice.display_no}")
    return "; ".join(parts)
