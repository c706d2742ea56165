"""Booking students and delegates onto a schedule ("Create a new booking", SPEC 4)."""

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError

from calendars.services import booking_changed
from contacts.models import Contact, Membership, Organisation
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import ZERO, q
from core.text import bounded
from core.transactions import insert_later, service_atomic
from schedules.models import Schedule, TimetableSession

from .. import emails
from ..models import (
    Attendance,
    Booking,
    BookingPlace,
    BookingStatus,
    BookingType,
    DiscountKind,
    PlaceState,
)
from ..pricing import quote
from ._ledger import invoice_places, names
from ._locks import lock_and_take_places


def booking_create(
    *,
    actor: Actor,
    kind: str,
    schedule: Schedule,
    student: Contact | None = None,
    organisation: Organisation | None = None,
    lead_booker: Contact | None = None,
    delegates: Sequence[Contact] = (),
    po_number: str = "",
    discount_kind: str = "",
    discount_value: Decimal | None = None,
    discount_reason: str = "",
    idempotency_key: str | None = None,
) -> Booking:
    """Book a single student or an organisation's delegates onto a schedule.

    In one transaction: capacity taken under the schedule's row lock, booking, places and
    attendance rows, the invoice (one line per delegate), the emails in the outbox, history.
    `idempotency_key` is the form's token: a second call with the same token and the same
    choices (a double click, a retry) returns the first booking unchanged, marked
    `replayed`; the same token with other choices (back, another student, Book again) is a
    new booking. The key stored on the booking is `submission_key(...)` of both.

    The statements do not grow with the delegates (bulk inserts); tests/bookings/
    test_query_counts.py holds the counts.
    """
    people = _validated_people(
        kind=kind,
        student=student,
        organisation=organisation,
        lead_booker=lead_booker,
        delegates=delegates,
    )
    discount_kind = discount_kind or DiscountKind.NONE
    discount_value = q(discount_value or ZERO)
    discount_reason = bounded(discount_reason, label="Discount reason", field="discount_reason")
    if discount_kind and discount_value > 0 and not discount_reason.strip():
        raise DomainError("Give a reason for the discount.", field="discount_reason")
    if not discount_kind:
        discount_value, discount_reason = ZERO, ""
    po_number = (po_number or "").strip()
    discount_reason = discount_reason.strip()
    key = None
    if idempotency_key:
        key = submission_key(
            idempotency_key,
            kind=kind,
            schedule=schedule,
            people=people,
            organisation=organisation if kind == BookingType.GROUP else None,
            lead_booker=lead_booker if kind == BookingType.GROUP else None,
            po_number=po_number,
            discount=(discount_kind, discount_value, discount_reason),
        )
    try:
        with service_atomic():
            booking = _booking_create_locked(
                actor=actor,
                kind=kind,
                schedule=schedule,
                student=student,
                organisation=organisation if kind == BookingType.GROUP else None,
                lead_booker=lead_booker if kind == BookingType.GROUP else None,
                people=people,
                po_number=po_number,
                discount_kind=discount_kind,
                discount_value=discount_value,
                discount_reason=discount_reason,
                idempotency_key=key,
            )
            # Calendar sync (SPEC 7): the trainer's and venue's CalDAV collections, if any.
            booking_changed(booking, created=True)
            return booking
    except (DomainError, IntegrityError) as refusal:
        # A second submit of the same form with the same choices (a double click, a retry
        # after a timeout) is refused by what the first one did: its unique idempotency key,
        # its places (already booked), the places it took (full). Only then is the key
        # looked up, after the rollback: the answer is the first booking. The happy path
        # never reads it.
        if key:
            existing = Booking.objects.filter(idempotency_key=key).first()
            if existing is not None:
                existing.replayed = True
                return existing
        if isinstance(refusal, IntegrityError):
            _refuse_if_already_booked(schedule, people, refusal)
        raise


def submission_key(
    token: str,
    *,
    kind: str,
    schedule: Schedule,
    people: Sequence[Contact],
    organisation: Organisation | None,
    lead_booker: Contact | None,
    po_number: str,
    discount: tuple[str, Decimal, str],
) -> str:
    """The booking's idempotency key: the form's token and what was submitted with it, so
    that the key of one form answers only a repeat of the very same booking (SHA-256 hex,
    64 characters). Computed without SQL: the booking path's statements stay as they were."""
    chosen = {
        "kind": kind,
        "schedule": schedule.pk,
        "people": sorted(p.pk for p in people),
        "organisation": organisation.pk if organisation else None,
        "lead_booker": lead_booker.pk if lead_booker else None,
        "po_number": po_number,
        "discount": [discount[0], str(discount[1]), discount[2]],
    }
    text = token + "\n" + json.dumps(chosen, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _refuse_if_already_booked(
    schedule: Schedule, people: Sequence[Contact], error: IntegrityError
) -> None:
    """A delegate who already holds a seat on the schedule is refused by the unique index
    `uniq_booked_delegate_per_schedule` when the places are inserted (under the schedule's
    lock, so no earlier read is needed); say who, and on which booking."""
    p = (
        BookingPlace.objects.filter(
            schedule_id=schedule.pk, contact__in=people, state=PlaceState.BOOKED
        )
        .select_related("contact", "booking")
        .order_by("pk")
        .first()
    )
    if p is not None:
        raise DomainError(
            f"{p.contact.full_name} is already booked on {schedule.code} "
            f"(booking {p.booking.reference}).",
            field="delegates",
        ) from error


def _validated_people(
    *,
    kind: str,
    student: Contact | None,
    organisation: Organisation | None,
    lead_booker: Contact | None,
    delegates: Sequence[Contact],
) -> list[Contact]:
    if kind == BookingType.INDIVIDUAL:
        if student is None:
            raise DomainError("Choose the student to book.", field="student")
        return [student]
    if kind == BookingType.GROUP:
        if organisation is None:
            raise DomainError("Choose the organisation.", field="organisation")
        if lead_booker is None:
            raise DomainError("A group booking needs a lead booker.", field="lead_booker")
        if not delegates:
            raise DomainError("Add at least one delegate.", field="delegates")
        seen: set[int] = set()
        for d in delegates:
            if d.pk in seen:
                raise DomainError(f"{d.full_name} is added twice.", field="delegates")
            seen.add(d.pk)
        check_members(organisation=organisation, lead_booker=lead_booker, delegates=delegates)
        return list(delegates)
    if kind == BookingType.PLACEHOLDER:
        raise DomainError("Placeholder bookings are created from the placeholder page.")
    raise DomainError("Choose the booking type.", field="kind")


def _booking_create_locked(
    *,
    actor: Actor,
    kind: str,
    schedule: Schedule,
    student: Contact | None,
    organisation: Organisation | None,
    lead_booker: Contact | None,
    people: list[Contact],
    po_number: str,
    discount_kind: str,
    discount_value: Decimal,
    discount_reason: str,
    idempotency_key: str | None,
) -> Booking:
    # The schedule row lock serialises everyone booking this schedule: the places are taken
    # (or refused) under it, and every statement below starts after it is held, so it sees
    # the bookings committed by whoever held it before.
    wanted = len(people)
    schedule = lock_and_take_places(schedule, wanted)  # rolled back on any refusal below
    price = quote(
        unit_price=schedule.price,
        vat_rate=schedule.vat_rate,
        delegates=wanted,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    booking = Booking.objects.create(  # the INSERT returns the id and the reference BK<id>
        kind=kind,
        status=BookingStatus.CONFIRMED,
        schedule=schedule,
        organisation=organisation,
        lead_booker=lead_booker,
        contact=student if kind == BookingType.INDIVIDUAL else lead_booker,
        po_number=po_number,
        unit_price=schedule.price,
        vat_rate=schedule.vat_rate,
        discount_kind=discount_kind,
        discount_value=discount_value,
        discount_reason=discount_reason,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        idempotency_key=idempotency_key,
    )
    # A delegate already booked on this schedule is refused here by the unique index (see
    # _refuse_if_already_booked); PostgreSQL and SQLite return the new ids.
    places = BookingPlace.objects.bulk_create(
        [
            BookingPlace(booking=booking, contact=c, schedule=schedule, unit_net=net)
            for c, net in zip(people, price.line_nets, strict=True)
        ]
    )
    # Read after the lock, so a session added or removed meanwhile is seen; used for the
    # attendance rows and the emails' timetable.
    sessions = list(TimetableSession.objects.filter(schedule_id=schedule.pk))
    insert_later([Attendance(place_id=p.pk, session_id=s.pk) for p in places for s in sessions])

    invoice = invoice_places(actor=actor, booking=booking, places=places)
    emails.queue_booking_confirmations(
        actor=actor,
        booking=booking,
        places=places,
        invoice=invoice,
        quote=price,
        sessions=sessions,
    )
    audit_record(
        actor=actor,
        target=booking,
        action="booking.created",
        summary=(
            f"Booked {names(people)} on {schedule.code}"
            + (
                f" for {organisation.name}, lead booker {lead_booker.full_name}"
                if organisation
                else ""
            )
            + (f"; invoice {invoice.display_no} £{invoice.gross_total:,}" if invoice else "")
        ),
        reason=discount_reason,
        data={
            "kind": kind,
            "schedule": schedule.code,
            "delegates": [c.pk for c in people],
            "po_number": po_number,
            "discount": [discount_kind, str(discount_value)],
            "total": str(price.total),
        },
    )
    return booking


def check_members(
    *, organisation: Organisation, lead_booker: Contact | None, delegates: Sequence[Contact]
) -> None:
    """Only the organisation's linked contacts can be its lead booker or delegates (a
    placeholder's lead booker is optional, and assigning a delegate names no lead booker)."""
    wanted = {d.pk for d in delegates} | ({lead_booker.pk} if lead_booker else set())
    linked = set(
        Membership.objects.filter(organisation=organisation, contact_id__in=wanted).values_list(
            "contact_id", flat=True
        )
    )
    if lead_booker is not None and lead_booker.pk not in linked:
        raise DomainError(
            f"{lead_booker.full_name} is not linked to {organisation.name}, so cannot be the "
            "lead booker.",
            field="lead_booker",
        )
    outsiders = [d for d in delegates if d.pk not in linked]
    if outsiders:
        raise DomainError(
            f"{names(outsiders)} {'is' if len(outsiders) == 1 else 'are'} not linked to "
            f"{organisation.name}; only the organisation's contacts can be delegates.",
            field="delegates",
        )
