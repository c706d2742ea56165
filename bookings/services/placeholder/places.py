"""Buying placeholder places, assigning delegates to them and unassigning them."""

from django.db import IntegrityError
from django.utils import timezone

from contacts.models import Contact, Organisation
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import money_str
from core.transactions import insert_later, service_atomic
from schedules.models import Schedule, TimetableSession

from ... import emails
from ...models import (
    Attendance,
    AttendanceStatus,
    Booking,
    BookingPlace,
    BookingStatus,
    BookingType,
    PlaceState,
)
from ...preview import note_new_booking
from .._ledger import billing_account
from .._locks import free_places, lock_and_take_places, lock_booking, lock_places, lock_schedules
from ..cancel import _cancelled
from ..create import check_members

MAX_PLACES = 1000


def _places_count(places) -> int:
    if isinstance(places, bool) or not isinstance(places, int):
        raise DomainError("Enter the number of places as a whole number.", field="places")
    if not 1 <= places <= MAX_PLACES:
        raise DomainError(f"Buy from 1 to {MAX_PLACES} places.", field="places")
    return places


def _description(schedule: Schedule, places: int) -> str:
    starts = timezone.localtime(schedule.start_at)
    return (
        f"{schedule.course.title} ({schedule.code}, {starts:%d %b %Y}) – "
        f"{places} placeholder place{'s' if places != 1 else ''}"
    )


def placeholder_buy(
    *,
    actor: Actor,
    schedule: Schedule,
    organisation: Organisation,
    places: int,
    lead_booker: Contact | None = None,
    po_number: str = "",
    idempotency_key: str | None = None,
) -> Booking:
    """An organisation buys `places` places on `schedule`: the places are taken (refused when
    the schedule has fewer left), N unassigned places, and ONE invoice line of kind "places",
    quantity N, at the schedule's price (no invoice at a price of 0.00). The lead booker is
    optional (a placeholder is often bought before anyone is named) but must be linked to the
    organisation. A second call with the same `idempotency_key` returns the first booking."""
    places = _places_count(places)
    if organisation is None:
        raise DomainError("Choose the organisation.", field="organisation")
    if lead_booker is not None:
        check_members(organisation=organisation, lead_booker=lead_booker, delegates=())
    po_number = (po_number or "").strip()
    try:
        with service_atomic():
            return _buy(
                actor=actor,
                schedule=schedule,
                organisation=organisation,
                places=places,
                lead_booker=lead_booker,
                po_number=po_number,
                idempotency_key=idempotency_key or None,
            )
    except (DomainError, IntegrityError):
        if idempotency_key:  # a second submit: refused by what the first did
            existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise


def _buy(
    *,
    actor: Actor,
    schedule: Schedule,
    organisation: Organisation,
    places: int,
    lead_booker: Contact | None,
    po_number: str,
    idempotency_key: str | None,
) -> Booking:
    from invoicing.services import LineSpec, invoice_issue

    schedule = lock_and_take_places(schedule, places)
    booking = Booking.objects.create(
        kind=BookingType.PLACEHOLDER,
        status=BookingStatus.CONFIRMED,
        schedule=schedule,
        organisation=organisation,
        lead_booker=lead_booker,
        contact=lead_booker,
        po_number=po_number,
        unit_price=schedule.price,
        vat_rate=schedule.vat_rate,
        places_bought=places,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        idempotency_key=idempotency_key,
    )
    note_new_booking(booking.reference)
    BookingPlace.objects.bulk_create(
        [
            BookingPlace(booking=booking, contact=None, schedule=schedule, unit_net=schedule.price)
            for _ in range(places)
        ]
    )
    invoice = None
    if schedule.price > 0:
        invoice = invoice_issue(
            actor=actor,
            account=billing_account(booking),
            lines=[
                LineSpec(
                    description=_description(schedule, places),
                    unit_net=schedule.price,
                    vat_rate=schedule.vat_rate,
                    quantity=places,
                    kind="places",
                    course_id=schedule.course_id,
                )
            ],
            booking=booking,
            po_number=po_number,
        )
    audit_record(
        actor=actor,
        target=booking,
        action="placeholder.bought",
        summary=(
            f"{organisation.name} bought {places} placeholder place{'s' if places != 1 else ''} "
            f"on {schedule.code}"
            + (f", lead booker {lead_booker.full_name}" if lead_booker else "")
            + (
                f"; invoice {invoice.display_no} {money_str(invoice.gross_total)}"
                if invoice
                else ""
            )
        ),
        data={"schedule": schedule.code, "places": places, "po_number": po_number},
    )
    emails.queue_placeholder_bought(actor=actor, booking=booking, invoice=invoice)
    return booking


def _placeholder(booking: Booking) -> Booking:
    booking = lock_booking(booking)
    if booking.kind != BookingType.PLACEHOLDER:
        raise DomainError("That booking is not a placeholder.")
    return booking


def _active(booking: Booking) -> None:
    if not booking.is_active:
        raise DomainError(f"A {booking.get_status_display().lower()} booking cannot be changed.")


def placeholder_assign(
    *, actor: Actor, booking: Booking, contact: Contact, place_id: int | None = None
) -> BookingPlace:
    """Assign a delegate (a contact linked to the organisation) to a free place (the first
    one, or `place_id`): the place gets the contact and attendance rows for the schedule's
    sessions. Refused when no place is free or the person is already booked on the schedule."""
    if contact is None:
        raise DomainError("Choose the delegate to assign.", field="contact")
    with service_atomic():
        lock_schedules(booking.schedule_id)  # serialises everyone booking this schedule
        booking = _placeholder(booking)
        _active(booking)
        try:
            check_members(organisation=booking.organisation, lead_booker=None, delegates=[contact])
        except DomainError as refusal:
            raise DomainError(refusal.message, field="contact") from None
        filters = {"state": PlaceState.BOOKED, "contact__isnull": True}
        if place_id is not None:
            filters["pk"] = place_id
        free = lock_places(booking, **filters)[:1]
        if not free:
            raise DomainError(
                "That place is not free." if place_id else "Every place is assigned: none is free.",
                field="place",
            )
        clash = (
            BookingPlace.objects.filter(
                schedule_id=booking.schedule_id, contact=contact, state=PlaceState.BOOKED
            )
            .select_related("booking")
            .first()
        )
        if clash is not None:
            raise DomainError(
                f"{contact.full_name} is already booked on {booking.schedule.code} "
                f"(booking {clash.booking.reference}).",
                field="contact",
            )
        place = free[0]
        place.contact = contact
        place.save(update_fields=["contact"])
        sessions = list(TimetableSession.objects.filter(schedule_id=place.schedule_id))
        insert_later([Attendance(place_id=place.pk, session_id=s.pk) for s in sessions])
        emails.queue_placeholder_assigned(
            actor=actor,
            booking=booking,
            contact=contact,
            sessions=sessions,
            assigned=BookingPlace.objects.filter(
                booking=booking, state=PlaceState.BOOKED, contact__isnull=False
            ).count(),
        )
        audit_record(
            actor=actor,
            target=booking,
            action="placeholder.assigned",
            summary=f"{contact.full_name} assigned to a placeholder place",
            data={"place": place.pk, "contact": contact.pk},
        )
        return place


def placeholder_unassign(
    *, actor: Actor, booking: Booking, place_id: int, reason: str = ""
) -> BookingPlace:
    """Take a delegate off a place: the place is free again and the delegate's attendance
    rows go, so nothing on the placeholder or the course names them any more (the history
    keeps it). Refused once they have attended a session. After "Cancel all places" the
    place is no longer paid for, so it is cancelled and its capacity freed."""
    with service_atomic():
        lock_schedules(booking.schedule_id)
        booking = _placeholder(booking)
        places = lock_places(booking, pk=place_id, state=PlaceState.BOOKED)
        if not places or places[0].contact_id is None:
            raise DomainError("No delegate is assigned to that place.", field="place")
        place = places[0]
        who = place.contact
        attendance = Attendance.objects.filter(place=place)
        if attendance.filter(status=AttendanceStatus.ATTENDED).exists():
            raise DomainError(
                f"{who.full_name} has attended a session, so cannot be unassigned.",
                field="place",
            )
        attendance.delete()
        place.contact = None
        place.save(update_fields=["contact"])
        booked = BookingPlace.objects.filter(booking=booking, state=PlaceState.BOOKED).count()
        unfunded = booked > booking.places_bought
        if unfunded:
            place.state, place.cancel_reason, place.cancelled_at = (
                PlaceState.CANCELLED,
                "Unassigned after the placeholder was cancelled",
                timezone.now(),
            )
            place.save(update_fields=["state", "cancel_reason", "cancelled_at"])
            free_places([place])
        audit_record(
            actor=actor,
            target=booking,
            action="placeholder.unassigned",
            summary=f"{who.full_name} unassigned from a placeholder place"
            + ("; the place is cancelled (the placeholder was cancelled)" if unfunded else ""),
            reason=(reason or "").strip(),
            data={"place": place.pk, "contact": who.pk},
        )
        if unfunded and booked == 1 and booking.status != BookingStatus.CANCELLED:
            _cancelled(actor=actor, booking=booking, reason="Last delegate unassigned")
        return place
