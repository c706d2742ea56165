"""Punch passes (seed 002, way 3): selling a pass of N punches to a family or a student,
redeeming a punch for an appointment timeslot (a one-time booking at that date and time),
and correcting a pass.

The punch itself is taken by `book(..., pack=)` (`pack_take`: one conditional UPDATE, so the
pass never goes below zero, also when two staff redeem the last punch at once) and given back
by `appointment_cancel`. Lock order stays the booking's: occurrences -> pack -> booking; the
checks made here before `book` only give clearer messages, the UPDATE is the guard.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from contacts.models import Contact, Family
from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic
from invoicing.services import LineSpec, billing_account_for, invoice_issue
from invoicing.services._common import money_in

from ..models import AppointmentBooking, AppointmentType, Occurrence, Pack
from ..preview import note_new_pack
from ..recurrence import local_today
from ..states import BookingFrequency, BookingSource, PackKind
from .book import book

MAX_PUNCHES = 1000


def _day(d: datetime.date) -> str:
    return f"{d:%a %d %b %Y}"


def _punches(n: int) -> str:
    return f"{n} punch{'es' if n != 1 else ''}"


def _validity(valid_from: datetime.date, valid_until: datetime.date | None) -> str:
    return f"valid from {_day(valid_from)}" + (
        f" to {_day(valid_until)}" if valid_until else " with no end date"
    )


def _check_size(size: int, *, used: int = 0) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PUNCHES:
        raise DomainError(f"A pass has from 1 to {MAX_PUNCHES:,} punches.", field="size")
    if size < used:
        raise DomainError(
            f"{_punches(used)} of this pass {'are' if used != 1 else 'is'} already used: "
            f"the size cannot be less than {used}.",
            field="size",
        )
    return size


def _check_dates(valid_from: datetime.date, valid_until: datetime.date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise DomainError("The pass cannot end before it starts.", field="valid_until")


def pass_vat_rate(appointment_type: AppointmentType | None) -> Decimal:
    """The VAT rate a pass is sold at: its type's pricing schedule's, else the site's."""
    schedule = appointment_type.pricing_schedule if appointment_type else None
    rate = schedule.vat_rate if schedule else Decimal(settings.DEFAULT_VAT_RATE)
    return rate.quantize(Decimal("0.0001"))


def punch_pass_add(
    *,
    actor: Actor,
    family: Family | None = None,
    contact: Contact | None = None,
    size: int,
    appointment_type: AppointmentType | None = None,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    price: Decimal | None = None,
    notes: str = "",
) -> Pack:
    """A punch pass of `size` punches for a family or a student (exactly one), for any
    appointment type or only `appointment_type`. With a `price` (net) the pass is sold: an
    invoice for it is issued to the holder in the same transaction (a money change: pages
    preview it through `core.web.action_view`)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    if (family is None) == (contact is None):
        raise DomainError("A punch pass belongs to one family or one student.", field="holder")
    size = _check_size(size)
    _check_dates(valid_from, valid_until)
    if appointment_type is not None and not appointment_type.active:
        raise DomainError("That appointment type is no longer offered.", field="appointment_type")
    notes = bounded(notes, field="notes", label="Notes")
    if price is not None:
        price = money_in(price, label="The price", field="price")
    with service_atomic():
        pack = Pack.objects.create(
            kind=PackKind.PUNCH_PASS,
            family=family,
            contact=contact,
            appointment_type=appointment_type,
            size=size,
            valid_from=valid_from,
            valid_until=valid_until,
            notes=notes,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        note_new_pack(pack.reference)
        for_what = f" for {appointment_type.name}" if appointment_type else ""
        summary = (
            f"Added punch pass {pack.reference} for {pack.holder}: {_punches(size)}{for_what}, "
            f"{_validity(valid_from, valid_until)}"
        )
        if price is not None:
            account = billing_account_for(family=family, contact=contact, lock=True)
            invoice = invoice_issue(
                actor=actor,
                account=account,
                lines=[
                    LineSpec(
                        description=f"Punch pass {pack.reference} ({_punches(size)}){for_what}",
                        unit_net=price,
                        vat_rate=pass_vat_rate(appointment_type),
                        kind="other",
                    )
                ],
                reason=f"Punch pass {pack.reference} sold",
            )
            summary += f"; sold on invoice {invoice.display_no}"
        audit_record(actor=actor, target=pack, action="pack.add", summary=summary)
    return pack


def _refuse_student(pack: Pack, student: Contact) -> None:
    if pack.contact_id is not None:
        if student.pk != pack.contact_id:
            raise DomainError(
                f"{pack.reference} is {pack.contact.full_name}'s: "
                f"it cannot be used for {student.full_name}.",
                field="student",
            )
    elif student.family_id != pack.family_id:
        raise DomainError(
            f"{student.full_name} is not a student of {pack.family.name}.", field="student"
        )


def redeem_refusal(
    pack: Pack, occurrence: Occurrence, *, today: datetime.date | None = None
) -> str | None:
    """Why this punch pass cannot be used for this occurrence now, or None. (Pages ask it to
    offer only what can be redeemed; the service asks it again, and the punch's UPDATE and
    the occurrence's lock decide in the end.)"""
    today = today or local_today()
    if not pack.is_punch_pass:
        return f"{pack.reference} is not a punch pass."
    if pack.valid_until is not None and pack.valid_until < today:
        return f"{pack.reference} expired on {_day(pack.valid_until)}."
    if pack.remaining <= 0:
        return f"No punches left on {pack.reference}."
    if not pack.valid_on(occurrence.date):
        validity = _validity(pack.valid_from, pack.valid_until)
        return f"{pack.reference} is not valid on {_day(occurrence.date)} ({validity})."
    timeslot = occurrence.timeslot
    if pack.appointment_type_id and pack.appointment_type_id != timeslot.appointment_type_id:
        return f"{pack.reference} is for {pack.appointment_type} only."
    if occurrence.cancelled or timeslot.archived:
        return "This appointment is no longer offered."
    if occurrence.starts_at <= timezone.now():
        return "This appointment has already started: choose a later one."
    if occurrence.taken >= occurrence.capacity:
        return f"No openings left on {_day(occurrence.date)}: choose another timeslot."
    return None


def punch_pass_redeem(
    *,
    actor: Actor,
    pack: Pack,
    occurrence: Occurrence,
    student: Contact,
    send_email: bool = False,
) -> AppointmentBooking:
    """Redeem one punch of `pack` for `occurrence`: a one-time (Non-Recurring) booking of
    `student` at that date and time, using one punch. Refuses a student who is not the
    holder's, an expired pass or a date outside its validity, a type the pass is not for, a
    full or past occurrence, and a pass with no punches left (never below zero)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    fresh = Pack.objects.select_related("family", "contact", "appointment_type").filter(pk=pack.pk)
    pack = fresh.first()
    if pack is None:
        raise DomainError("That punch pass does not exist.")
    _refuse_student(pack, student)
    refusal = redeem_refusal(pack, occurrence)
    if refusal:
        raise DomainError(refusal, field="occurrence")
    timeslot = occurrence.timeslot
    with service_atomic():
        booking = book(
            actor=actor,
            student=student,
            timeslot=timeslot,
            frequency=BookingFrequency.NON_RECURRING,
            start_date=occurrence.date,
            dates=[occurrence.date],
            source=BookingSource.PUNCH_PASS,
            pack=pack,
            send_email=send_email,
            history=(
                f"Redeemed a punch of {pack.reference}: {student.full_name} in "
                f"{timeslot.appointment_type.name} with {timeslot.staff_name} on "
                f"{occurrence.local_start:%a %d %b %Y %H:%M}"
            ),
        )
        audit_record(
            actor=actor,
            target=pack,
            action="pack.redeem",
            summary=(
                f"1 punch used for {booking.reference} ({student.full_name}, "
                f"{occurrence.local_start:%a %d %b %Y %H:%M}): "
                f"{pack.remaining} of {pack.size} left"
            ),
        )
    return booking


def punch_pass_adjust(
    *,
    actor: Actor,
    pack: Pack,
    size: int,
    valid_until: datetime.date | None,
    reason: str,
) -> Pack:
    """Correct a pass's number of punches or its end date (never below the punches used)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    reason = bounded((reason or "").strip(), field="reason", label="Reason")
    if not reason:
        raise DomainError("Say why the pass is changed.", field="reason")
    with service_atomic():
        locked = Pack.objects.select_for_update().filter(pk=pack.pk).first()
        if locked is None:
            raise DomainError("That punch pass does not exist.")
        size = _check_size(size, used=locked.used)
        _check_dates(locked.valid_from, valid_until)
        before = (locked.size, locked.valid_until)
        if before == (size, valid_until):
            raise DomainError("Nothing to change: the pass already reads so.")
        Pack.objects.filter(pk=locked.pk).update(size=size, valid_until=valid_until)
        changes = []
        if before[0] != size:
            changes.append(f"punches {before[0]} -> {size}")
        if before[1] != valid_until:
            old = _day(before[1]) if before[1] else "no end date"
            new = _day(valid_until) if valid_until else "no end date"
            changes.append(f"valid until {old} -> {new}")
        locked.size, locked.valid_until = size, valid_until
        audit_record(
            actor=actor,
            target=locked,
            action="pack.adjust",
            summary=f"Changed {locked.reference}: " + "; ".join(changes),
            reason=reason,
        )
    return locked
