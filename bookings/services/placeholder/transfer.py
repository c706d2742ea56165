"""Transferring a placeholder as a whole to another schedule (SPEC 5: "a placeholder can be
transferred as a whole only while it has no invoice").

Every place still Booked (assigned or free) moves: capacity is taken on the new schedule and
given back on the old one under both schedule locks (pk order, `_locks`), the assigned
delegates' attendance rows move to the new schedule's sessions, and the booking's schedule,
price and VAT rate follow. A placeholder with no invoice is one bought at a price of 0.00; if
the new schedule has a price, its places are billed there by one "places" invoice, as a buy
would have done, so a priced placeholder always has its invoice.
"""

from django.utils import timezone

from calendars.services import booking_changed
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import money_str
from core.transactions import insert_later, service_atomic
from schedules.models import Schedule, TimetableSession

from ...models import (
    Attendance,
    AttendanceStatus,
    Booking,
    BookingPlace,
    BookingType,
    PlaceState,
)
from .._ledger import billing_account
from .._locks import free_places, lock_booking, lock_places, lock_schedules, take_places

INVOICED_REFUSAL = (
    "This placeholder has an invoice ({numbers}): a placeholder can be transferred as a whole "
    "only while it has no invoice. Part-cancel or cancel its places instead, or unassign its "
    "delegates and book them on the other course."
)


def placeholder_invoice_refusal(booking: Booking) -> str:
    """Why this placeholder cannot be transferred because of its invoices, or "" (for the
    page, before the form; the service checks again under the booking lock)."""
    from invoicing.selectors import booking_invoice_numbers

    numbers = booking_invoice_numbers(booking.pk)
    return INVOICED_REFUSAL.format(numbers=", ".join(numbers)) if numbers else ""


def placeholder_transfer(
    *, actor: Actor, booking: Booking, schedule: Schedule, reason: str
) -> Booking:
    """Move every Booked place of the placeholder `booking` to `schedule`. Returns the booking.

    Refused: not a placeholder, not active, any invoice issued for it (charges included), the
    same schedule, a full or ended schedule, an assigned delegate already booked on the new
    schedule or who has attended a session. Locks in the bookings order: schedules by pk,
    booking, places; the ledger (an invoice only when the new schedule has a price) after.

    Invoices of a placeholder are only issued by the bookings services under the booking's
    row lock (buy, part-cancel, cancel all), so "no invoice" read under that lock holds until
    commit."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for the transfer.", field="reason")
    if schedule is None:
        raise DomainError("Choose the schedule to transfer to.", field="schedule")
    with service_atomic():
        # From the schedule the caller saw (the page, the preview): if the placeholder has
        # moved since, it is refused below rather than moved again from somewhere else.
        old_schedule_id = booking.schedule_id
        if old_schedule_id == schedule.pk:
            raise DomainError(
                "The placeholder is already on that schedule: choose another one.",
                field="schedule",
            )
        schedules = lock_schedules(old_schedule_id, schedule.pk)
        target = schedules.get(schedule.pk)
        if target is None:
            raise DomainError("That schedule does not exist.", field="schedule")
        booking = lock_booking(booking)
        if booking.kind != BookingType.PLACEHOLDER:
            raise DomainError("That booking is not a placeholder.")
        if booking.schedule_id != old_schedule_id:
            raise DomainError(
                "The placeholder has moved to another schedule since this page was shown: "
                "reload it."
            )
        if not booking.is_active:
            raise DomainError(
                f"A {booking.get_status_display().lower()} booking cannot be changed."
            )
        refusal = placeholder_invoice_refusal(booking)
        if refusal:
            raise DomainError(refusal)
        if target.end_at <= timezone.now():
            raise DomainError(f"{target.code} has already ended.", field="schedule")
        places = lock_places(booking, state=PlaceState.BOOKED)
        assigned = [p for p in places if p.contact_id]
        _check_delegates(assigned, target)
        if places:
            take_places(target, len(places))  # "No places left on ...": refused when full
            free_places(places)

        old = schedules[old_schedule_id]
        BookingPlace.objects.filter(pk__in=[p.pk for p in places]).update(
            schedule=target, unit_net=target.price
        )
        Attendance.objects.filter(place__in=assigned).delete()
        sessions = list(TimetableSession.objects.filter(schedule_id=target.pk).order_by("pk"))
        insert_later(
            [Attendance(place_id=p.pk, session_id=s.pk) for p in assigned for s in sessions]
        )
        booking.schedule, booking.unit_price, booking.vat_rate = (
            target,
            target.price,
            target.vat_rate,
        )
        booking.save(update_fields=["schedule", "unit_price", "vat_rate", "updated_at"])
        invoice = _bill(actor=actor, booking=booking, target=target)

        from ... import emails

        emails.queue_placeholder_transfer(
            actor=actor,
            booking=booking,
            old_schedule=old,
            sessions=sessions,
            reason=reason,
            invoice=invoice,
        )
        summary = (
            f"Placeholder transferred from {old.code} to {target.code}: {len(places)} "
            f"place{'s' if len(places) != 1 else ''} ({len(assigned)} assigned)"
        )
        if invoice is not None:
            summary += f"; invoice {invoice.display_no} {money_str(invoice.gross_total)}"
        audit_record(
            actor=actor,
            target=booking,
            action="placeholder.transferred",
            summary=summary,
            reason=reason,
            data={
                "from": old.code,
                "to": target.code,
                "places": [p.pk for p in places],
                "invoice": invoice.display_no if invoice is not None else None,
            },
        )
        booking_changed(booking)  # calendar sync: the new schedule's time and place
        return booking


def _check_delegates(assigned: list[BookingPlace], target: Schedule) -> None:
    """Assigned delegates may move: none already booked on the new schedule, none who has
    attended a session of the old one (their record there would be lost)."""
    if not assigned:
        return
    clash = (
        BookingPlace.objects.filter(
            schedule_id=target.pk,
            state=PlaceState.BOOKED,
            contact_id__in=[p.contact_id for p in assigned],
        )
        .select_related("contact", "booking")
        .order_by("pk")
        .first()
    )
    if clash is not None:
        raise DomainError(
            f"{clash.contact.full_name} is already booked on {target.code} (booking "
            f"{clash.booking.reference}): unassign them first.",
            field="schedule",
        )
    attended = (
        Attendance.objects.filter(place__in=assigned, status=AttendanceStatus.ATTENDED)
        .select_related("place__contact")
        .order_by("pk")
        .first()
    )
    if attended is not None:
        raise DomainError(
            f"{attended.place.contact.full_name} has attended a session, so the placeholder "
            "cannot be transferred."
        )


def _bill(*, actor: Actor, booking: Booking, target: Schedule):
    """The places at the new schedule's price, as a buy bills them (none at 0.00)."""
    if target.price <= 0 or booking.places_bought <= 0:
        return None
    from invoicing.services import LineSpec, invoice_issue

    from .places import _description

    return invoice_issue(
        actor=actor,
        account=billing_account(booking),
        lines=[
            LineSpec(
                description=_description(target, booking.places_bought),
                unit_net=target.price,
                vat_rate=target.vat_rate,
                quantity=booking.places_bought,
                kind="places",
                course_id=target.course_id,
            )
        ],
        booking=booking,
        po_number=booking.po_number,
    )
