"""Every write to bookings. One function per action, one transaction each.

Lock order, always: schedule rows (by pk) -> booking row -> place rows, then whatever the
ledger services lock (billing account -> invoices -> number sequences). Capacity lives on
`Schedule.places_taken`, changed only here under the schedule's row lock; a database CHECK
refuses a value above capacity as the last line of defence.
"""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from contacts.models import Contact, Membership, Organisation
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import ZERO, q
from schedules.models import Schedule

from . import emails
from .models import (
    Attendance,
    AttendanceStatus,
    Booking,
    BookingPlace,
    BookingStatus,
    BookingType,
    DiscountKind,
    PlaceState,
)
from .pricing import discount_lines, quote

# --- helpers ----------------------------------------------------------------------------------


def _lock_schedules(*schedule_ids: int) -> dict[int, Schedule]:
    rows = (
        Schedule.objects.select_for_update()
        .select_related("course")
        .filter(pk__in=set(schedule_ids))
        .order_by("pk")
    )
    return {s.pk: s for s in rows}


def _lock_booking(booking: Booking) -> Booking:
    try:
        return (
            Booking.objects.select_for_update(of=("self",))
            .select_related("schedule__course", "organisation", "lead_booker", "contact")
            .get(pk=booking.pk)
        )
    except Booking.DoesNotExist:
        raise DomainError("That booking does not exist.") from None


def _names(contacts: Sequence[Contact]) -> str:
    return ", ".join(c.full_name for c in contacts)


def _check_members(
    *, organisation: Organisation, lead_booker: Contact, delegates: Sequence[Contact]
) -> None:
    wanted = {lead_booker.pk, *(d.pk for d in delegates)}
    linked = set(
        Membership.objects.filter(organisation=organisation, contact_id__in=wanted).values_list(
            "contact_id", flat=True
        )
    )
    if lead_booker.pk not in linked:
        raise DomainError(
            f"{lead_booker.full_name} is not linked to {organisation.name}, so cannot be the "
            "lead booker.",
            field="lead_booker",
        )
    outsiders = [d for d in delegates if d.pk not in linked]
    if outsiders:
        raise DomainError(
            f"{_names(outsiders)} {'is' if len(outsiders) == 1 else 'are'} not linked to "
            f"{organisation.name}; only the organisation's contacts can be delegates.",
            field="delegates",
        )


def _billing_account(booking: Booking):
    from invoicing.services import billing_account_for

    if booking.organisation_id:
        return billing_account_for(organisation=booking.organisation)
    student = booking.contact
    if student.family_id:
        return billing_account_for(family=student.family)
    return billing_account_for(contact=student)


def _line_description(schedule: Schedule, contact: Contact | None) -> str:
    who = contact.full_name if contact else "unassigned place"
    starts = timezone.localtime(schedule.start_at)
    return f"{schedule.course.title} ({schedule.code}, {starts:%d %b %Y}) – {who}"


def _issue_invoice(
    *,
    actor: Actor,
    booking: Booking,
    places: Sequence[BookingPlace],
    reason: str = "",
    supersedes=None,
):
    """One course line per delegate place, each at its own discounted price."""
    from invoicing.services import LineSpec, invoice_issue

    lines = [
        LineSpec(
            description=_line_description(p.schedule, p.contact),
            unit_net=p.unit_net,
            vat_rate=booking.vat_rate,
            kind="course",
            booking_place_id=p.pk,
        )
        for p in places
    ]
    if not lines or sum((p.unit_net for p in places), ZERO) <= ZERO:
        return None  # nothing to pay: a free course or a 100 % discount raises no invoice
    return invoice_issue(
        actor=actor,
        account=_billing_account(booking),
        lines=lines,
        booking=booking,
        po_number=booking.po_number,
        supersedes=supersedes,
        reason=reason,
    )


def _live_invoices(booking: Booking) -> list:
    """Invoices of the booking that still bill something (not credited in full)."""
    from invoicing.models import Invoice

    return [
        inv
        for inv in Invoice.objects.filter(booking=booking).order_by("pk")
        if inv.credited_total < inv.gross_total
    ]


# --- create -----------------------------------------------------------------------------------


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
    A second call with the same `idempotency_key` returns the first booking unchanged.
    """
    if idempotency_key:
        existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    people = _validated_people(
        kind=kind,
        student=student,
        organisation=organisation,
        lead_booker=lead_booker,
        delegates=delegates,
    )
    discount_kind = discount_kind or DiscountKind.NONE
    discount_value = q(discount_value or ZERO)
    if discount_kind and discount_value > 0 and not discount_reason.strip():
        raise DomainError("Give a reason for the discount.", field="discount_reason")
    if not discount_kind:
        discount_value, discount_reason = ZERO, ""
    po_number = (po_number or "").strip()
    try:
        with transaction.atomic():
            return _booking_create_locked(
                actor=actor,
                kind=kind,
                schedule_id=schedule.pk,
                student=student,
                organisation=organisation if kind == BookingType.GROUP else None,
                lead_booker=lead_booker if kind == BookingType.GROUP else None,
                people=people,
                po_number=po_number,
                discount_kind=discount_kind,
                discount_value=discount_value,
                discount_reason=discount_reason.strip(),
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        # Two submits of the same form raced past the first check: the loser finds the winner.
        if idempotency_key:
            existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise


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
        _check_members(organisation=organisation, lead_booker=lead_booker, delegates=delegates)
        return list(delegates)
    if kind == BookingType.PLACEHOLDER:
        raise DomainError("Placeholder bookings are created from the placeholder page.")
    raise DomainError("Choose the booking type.", field="kind")


def _booking_create_locked(
    *,
    actor: Actor,
    kind: str,
    schedule_id: int,
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
    # The schedule row lock serialises everyone booking this schedule, so the capacity check
    # below and the increment cannot interleave with another booking's.
    schedule = _lock_schedules(schedule_id).get(schedule_id)
    if schedule is None:
        raise DomainError("That schedule does not exist.", field="schedule")
    if idempotency_key:  # a twin submit may have committed while we waited for the lock
        existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    wanted = len(people)
    left = schedule.places_left
    if left <= 0:
        raise DomainError(f"No places left on {schedule.code}: the schedule is full.")
    if wanted > left:
        raise DomainError(
            f"Only {left} place{'s' if left != 1 else ''} left on {schedule.code}; "
            f"you are booking {wanted}.",
            field="delegates",
        )
    already = list(
        BookingPlace.objects.filter(
            schedule=schedule, contact__in=people, state=PlaceState.BOOKED
        ).select_related("contact", "booking")
    )
    if already:
        p = already[0]
        raise DomainError(
            f"{p.contact.full_name} is already booked on {schedule.code} "
            f"(booking {p.booking.reference}).",
            field="delegates",
        )
    price = quote(
        unit_price=schedule.price,
        vat_rate=schedule.vat_rate,
        delegates=wanted,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    Schedule.objects.filter(pk=schedule.pk).update(places_taken=F("places_taken") + wanted)

    booking = Booking.objects.create(
        reference=f"new-{uuid.uuid4().hex[:16]}",  # replaced by BK<pk> just below
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
    booking.reference = f"BK{booking.pk:06d}"
    Booking.objects.filter(pk=booking.pk).update(reference=booking.reference)

    places = BookingPlace.objects.bulk_create(
        [
            BookingPlace(booking=booking, contact=c, schedule=schedule, unit_net=net)
            for c, net in zip(people, price.line_nets, strict=True)
        ]
    )
    if not all(p.pk for p in places):  # databases that cannot return ids from bulk inserts
        places = list(booking.places.select_related("contact").order_by("pk"))
    _create_attendance(places=places, schedule=schedule)

    invoice = _issue_invoice(actor=actor, booking=booking, places=places)
    emails.queue_booking_confirmations(
        actor=actor, booking=booking, places=places, invoice=invoice, quote=price
    )
    audit_record(
        actor=actor,
        target=booking,
        action="booking.created",
        summary=(
            f"Booked {_names(people)} on {schedule.code}"
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


def _create_attendance(*, places: Sequence[BookingPlace], schedule: Schedule) -> None:
    sessions = list(schedule.sessions.values_list("pk", flat=True))
    Attendance.objects.bulk_create(
        [Attendance(place_id=p.pk, session_id=s) for p in places for s in sessions]
    )


# --- edit -------------------------------------------------------------------------------------


def booking_update(
    *, actor: Actor, booking: Booking, po_number: str, notes: str, reason: str = ""
) -> Booking:
    """Edit the booking's details. Entering or changing the PO number sends the back-office
    confirmation email (once per change; saving the same number again sends nothing)."""
    with transaction.atomic():
        booking = _lock_booking(booking)
        po_number = (po_number or "").strip()
        notes = (notes or "").strip()
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


# --- status transitions -----------------------------------------------------------------------


def _transition(*, actor: Actor, booking: Booking, to: str, reason: str = "") -> Booking:
    booking = _lock_booking(booking)
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
        summary=f"Status changed from {BookingStatus(old).label} to {BookingStatus(to).label}",
        reason=reason,
        data={"from": old, "to": to},
    )
    return booking


def booking_confirm(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with transaction.atomic():
        return _transition(actor=actor, booking=booking, to=BookingStatus.CONFIRMED, reason=reason)


def booking_mark_confirming(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with transaction.atomic():
        return _transition(actor=actor, booking=booking, to=BookingStatus.CONFIRMING, reason=reason)


def booking_mark_waiting(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with transaction.atomic():
        return _transition(actor=actor, booking=booking, to=BookingStatus.WAITING, reason=reason)


def booking_mark_noshow(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with transaction.atomic():
        return _transition(actor=actor, booking=booking, to=BookingStatus.NOSHOW, reason=reason)


def booking_complete(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    with transaction.atomic():
        return _transition(actor=actor, booking=booking, to=BookingStatus.COMPLETED, reason=reason)


def booking_cancel(
    *, actor: Actor, booking: Booking, reason: str, charge_net: Decimal | None = None
) -> Booking:
    """Cancel the whole booking: every booked delegate is cancelled (places freed, their
    invoice lines credited, optional cancellation charge), then the booking is cancelled."""
    with transaction.atomic():
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
    booking = _transition(actor=actor, booking=booking, to=BookingStatus.CANCELLED, reason=reason)
    booking.cancel_reason = reason
    booking.save(update_fields=["cancel_reason", "updated_at"])
    return booking


# --- cancel delegates -------------------------------------------------------------------------


def booking_cancel_delegates(
    *,
    actor: Actor,
    booking: Booking,
    place_ids: Sequence[int],
    reason: str,
    charge_net: Decimal | None = None,
) -> Booking:
    """Cancel some delegates: places freed, a credit note for their invoice lines, an optional
    cancellation charge (a charge invoice at the course's VAT rate), emails to the cancelled
    delegates and the lead booker. Cancelling the last booked delegate cancels the booking."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.", field="reason")
    place_ids = sorted({int(i) for i in place_ids})
    if not place_ids:
        raise DomainError("Choose at least one delegate to cancel.", field="places")
    if charge_net is not None:
        charge_net = q(charge_net)
        if charge_net < 0:
            raise DomainError("A cancellation charge cannot be negative.", field="charge")
        if charge_net == 0:
            charge_net = None
    with transaction.atomic():
        schedule_ids = set(
            BookingPlace.objects.filter(booking=booking, pk__in=place_ids).values_list(
                "schedule_id", flat=True
            )
        )
        schedules = _lock_schedules(*schedule_ids)
        booking = _lock_booking(booking)
        places = list(
            BookingPlace.objects.select_for_update(of=("self",))
            .select_related("contact")
            .filter(booking=booking, pk__in=place_ids)
            .order_by("pk")
        )
        if len(places) != len(place_ids):
            raise DomainError("Those delegates are not on this booking.", field="places")
        not_booked = [p for p in places if p.state != PlaceState.BOOKED]
        if not_booked:
            raise DomainError(
                f"{_names([p.contact for p in not_booked if p.contact])} "
                "is no longer booked on this booking.",
                field="places",
            )
        if not booking.is_active:
            raise DomainError(
                f"A {booking.get_status_display().lower()} booking cannot be changed."
            )
        now = timezone.now()
        for p in places:
            p.state, p.cancel_reason, p.cancelled_at = PlaceState.CANCELLED, reason, now
        BookingPlace.objects.bulk_update(places, ["state", "cancel_reason", "cancelled_at"])
        Attendance.objects.filter(place__in=places, status=AttendanceStatus.PENDING).update(
            status=AttendanceStatus.CANCELLED
        )
        per_schedule: dict[int, int] = {}
        for p in places:
            per_schedule[p.schedule_id] = per_schedule.get(p.schedule_id, 0) + 1
        for sid, n in per_schedule.items():
            Schedule.objects.filter(pk=sid).update(places_taken=F("places_taken") - n)

        credit_notes, charge_invoice = _credit_places(
            actor=actor, booking=booking, places=places, reason=reason, charge_net=charge_net
        )
        schedule = schedules.get(booking.schedule_id) or booking.schedule
        emails.queue_cancellations(
            actor=actor,
            booking=booking,
            places=places,
            reason=reason,
            schedule=schedule,
            charge_invoice=charge_invoice,
        )
        audit_record(
            actor=actor,
            target=booking,
            action="booking.delegates_cancelled",
            summary=(
                f"Cancelled {_names([p.contact for p in places if p.contact])}"
                + (
                    "; credit note " + ", ".join(cn.display_no for cn in credit_notes)
                    if credit_notes
                    else ""
                )
                + (
                    f"; cancellation charge {charge_invoice.display_no} "
                    f"£{charge_invoice.gross_total:,}"
                    if charge_invoice
                    else ""
                )
            ),
            reason=reason,
            data={"places": place_ids, "charge_net": str(charge_net) if charge_net else None},
        )
        if not BookingPlace.objects.filter(booking=booking, state=PlaceState.BOOKED).exists():
            booking = _cancelled(actor=actor, booking=booking, reason=reason)
        return booking


def _credit_places(
    *,
    actor: Actor,
    booking: Booking,
    places: Sequence[BookingPlace],
    reason: str,
    charge_net: Decimal | None,
):
    """Credit each cancelled place's current invoice line; optionally raise a charge."""
    from invoicing.models import InvoiceLine
    from invoicing.services import (
        LineSpec,
        charge_invoice_issue,
        credit_note_issue,
        invoice_issue,
    )

    # The newest line per place is the one that still bills it (older ones were credited
    # when a discount change reissued the invoice).
    latest: dict[int, InvoiceLine] = {}
    for line in (
        InvoiceLine.objects.filter(booking_place__in=places)
        .select_related("invoice")
        .order_by("pk")
    ):
        latest[line.booking_place_id] = line
    per_invoice: dict[int, dict[int, int]] = {}
    invoices = {}
    for line in latest.values():
        if line.invoice.credited_total >= line.invoice.gross_total:
            continue
        per_invoice.setdefault(line.invoice_id, {})[line.pk] = line.quantity
        invoices[line.invoice_id] = line.invoice
    credit_notes = [
        credit_note_issue(
            actor=actor,
            invoice=invoices[invoice_id],
            reason=f"Delegates cancelled: {reason}",
            line_places=line_places,
        )
        for invoice_id, line_places in sorted(per_invoice.items())
    ]
    charge_invoice = None
    if charge_net:
        description = (
            f"Cancellation charge – {booking.schedule.course.title} ({booking.schedule.code}): "
            f"{_names([p.contact for p in places if p.contact])}"
        )[:300]
        original = invoices[min(invoices)] if invoices else None
        if original is not None:
            charge_invoice = charge_invoice_issue(
                actor=actor,
                original=original,
                amount_net=charge_net,
                vat_rate=booking.vat_rate,
                description=description,
                reason=reason,
            )
        else:
            charge_invoice = invoice_issue(
                actor=actor,
                account=_billing_account(booking),
                lines=[
                    LineSpec(
                        description=description,
                        unit_net=charge_net,
                        vat_rate=booking.vat_rate,
                        kind="cancellation_charge",
                    )
                ],
                booking=booking,
                po_number=booking.po_number,
                kind="charge",
                reason=reason,
            )
    return credit_notes, charge_invoice


# --- discount ---------------------------------------------------------------------------------


def booking_set_discount(
    *, actor: Actor, booking: Booking, kind: str, value: Decimal | None, reason: str
) -> Booking:
    """Add, change or remove the booking-level discount.

    Refused once money is held on the booking's invoice. If the booking is invoiced but
    unpaid, the issued invoice cannot be edited (issued documents are immutable), so it is
    credited in full and a corrected invoice, marked as superseding it, is issued for the
    delegates still booked: the customer sees one clear correction, and every line keeps its
    delegate so later cancellations still credit exactly that delegate.
    """
    kind = kind or DiscountKind.NONE
    value = q(value or ZERO)
    reason = (reason or "").strip()
    if kind not in DiscountKind.values:
        raise DomainError("Unknown discount type.", field="discount_kind")
    if kind and value <= 0:
        raise DomainError("Enter the discount.", field="discount_value")
    if not reason:
        raise DomainError("Give a reason for the discount change.", field="discount_reason")
    if not kind:
        value = ZERO
    with transaction.atomic():
        booking = _lock_booking(booking)
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
        live = _live_invoices(booking)
        for inv in _lock_invoice_rows(live):
            if inv.paid_total - inv.refunded_total > 0:
                raise DomainError(
                    f"Invoice {inv.display_no} has been paid, so the discount can no longer "
                    "be changed. Cancel the delegates and rebook, or issue a credit note."
                )
        places = list(
            BookingPlace.objects.select_for_update(of=("self",))
            .select_related("contact", "schedule__course")
            .filter(booking=booking, state=PlaceState.BOOKED)
            .order_by("pk")
        )
        nets = discount_lines(
            unit_price=booking.unit_price, delegates=len(places), kind=kind, value=value
        )
        for p, net in zip(places, nets, strict=True):
            p.unit_net = net
        BookingPlace.objects.bulk_update(places, ["unit_net"])
        old = (booking.discount_kind, booking.discount_value, booking.discount_reason)
        booking.discount_kind, booking.discount_value = kind, value
        booking.discount_reason = reason if kind else ""
        booking.save(
            update_fields=["discount_kind", "discount_value", "discount_reason", "updated_at"]
        )

        from invoicing.services import credit_note_issue

        for inv in live:
            credit_note_issue(
                actor=actor, invoice=inv, reason=f"Discount changed: {reason}", full=True
            )
        new_invoice = _issue_invoice(
            actor=actor,
            booking=booking,
            places=places,
            reason=f"Discount changed: {reason}",
            supersedes=live[-1] if live else None,
        )
        audit_record(
            actor=actor,
            target=booking,
            action="booking.discount",
            summary=(
                f"Discount {'set to ' + booking.discount_display if kind else 'removed'}"
                + (f" (was {old[1]} {old[0]})" if old[0] else "")
                + (
                    "; invoice " + ", ".join(i.display_no for i in live) + " credited in full"
                    if live
                    else ""
                )
                + (f"; corrected invoice {new_invoice.display_no}" if new_invoice else "")
            ),
            reason=reason,
            data={"from": [old[0], str(old[1])], "to": [kind, str(value)]},
        )
        return booking


def _lock_invoice_rows(invoices: list) -> list:
    """Lock in the ledger's order: billing accounts first, then the invoices (by pk)."""
    from invoicing.models import BillingAccount, Invoice

    if not invoices:
        return []
    list(
        BillingAccount.objects.select_for_update()
        .filter(pk__in={i.account_id for i in invoices})
        .order_by("pk")
    )
    return list(
        Invoice.objects.select_for_update().filter(pk__in=[i.pk for i in invoices]).order_by("pk")
    )
