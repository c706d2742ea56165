"""The bookings side of the ledger seam: which lines a booking's places are billed, to whom.

Only ledger services are called from here (`invoicing.services`); bookings never reads
invoice rows or takes the ledger's locks.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from contacts.models import Contact
from core.audit import Actor
from core.money import ZERO
from schedules.models import Schedule

from ..models import Booking, BookingPlace


def names(contacts: Sequence[Contact | None]) -> str:
    return ", ".join(c.full_name for c in contacts if c is not None)


def billing_account(booking: Booking):
    """Who pays: the organisation, else the student's family, else the student."""
    from invoicing.services import billing_account_for

    # lock=True: called right before issuing to this customer in the same transaction.
    if booking.organisation_id:
        return billing_account_for(organisation=booking.organisation, lock=True)
    student = booking.contact
    if student.family_id:
        return billing_account_for(family=student.family, lock=True)
    return billing_account_for(contact=student, lock=True)


def line_description(schedule: Schedule, contact: Contact | None) -> str:
    who = contact.full_name if contact else "unassigned place"
    starts = timezone.localtime(schedule.start_at)
    return f"{schedule.course.title} ({schedule.code}, {starts:%d %b %Y}) – {who}"


def place_lines(booking: Booking, places: Sequence[BookingPlace]) -> list:
    """One course line per delegate place, each at its own discounted price."""
    from invoicing.services import LineSpec

    return [
        LineSpec(
            description=line_description(p.schedule, p.contact),
            unit_net=p.unit_net,
            vat_rate=booking.vat_rate,
            kind="course",
            booking_place_id=p.pk,
            course_id=p.schedule.course_id,
        )
        for p in places
    ]


def invoice_places(*, actor: Actor, booking: Booking, places: Sequence[BookingPlace]):
    """The booking's invoice; none when nothing is to be paid (a free course, 100 % off)."""
    from invoicing.services import invoice_issue

    if not places or sum((p.unit_net for p in places), ZERO) <= ZERO:
        return None
    return invoice_issue(
        actor=actor,
        account=billing_account(booking),
        lines=place_lines(booking, places),
        booking=booking,
        po_number=booking.po_number,
    )


def places_schedule(booking: Booking, places: Sequence[BookingPlace]) -> Schedule:
    """The schedule these places are on: the booking's, unless they were all transferred to
    the same other one (SPEC 5), whose course and VAT rate then apply."""
    ids = {p.schedule_id for p in places}
    if len(ids) == 1 and booking.schedule_id not in ids:
        return places[0].schedule
    return booking.schedule


def charge_line(booking: Booking, places: Sequence[BookingPlace], charge_net: Decimal):
    from invoicing.services import LineSpec

    schedule = places_schedule(booking, places)
    return LineSpec(
        description=(
            f"Cancellation charge – {schedule.course.title} ({schedule.code}): "
            f"{names([p.contact for p in places])}"
        )[:300],
        unit_net=charge_net,
        # the course's rate: the booking's snapshot, or the new course's after a transfer
        vat_rate=booking.vat_rate if schedule.pk == booking.schedule_id else schedule.vat_rate,
        kind="cancellation_charge",
        course_id=schedule.course_id,
    )
