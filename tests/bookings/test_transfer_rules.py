"""Transferring a delegate, the bookings side (SPEC 5): places, capacity, attendance, emails and
history; a second transfer; the fee's revenue; a free place; the refusals (each changing
nothing); cancelling a transferred delegate afterwards."""

from decimal import Decimal as D

import pytest

from bookings import services
from bookings.models import Attendance, AttendanceStatus, Booking, BookingPlace, PlaceState
from core.models import AuditEvent
from invoicing.models import CreditNote, Invoice
from invoicing.services.revenue import course_key
from notifications.models import OutboxMessage
from schedules.models import Schedule
from tests.invoicing import invariants

from .factories import organisation_with_members
from .transfers import (
    book_group,
    book_one,
    booked,
    first_invoice,
    fresh,
    new_invoice_of,
    pay,
    refused,
    schedule_at,
    taken,
    transfer,
)

pytestmark = pytest.mark.django_db


# --- places, capacity, attendance, emails, history -----------------------------------------


def test_places_capacity_attendance_emails_and_history(admin_user):
    a, b = schedule_at("100.00"), schedule_at("120.00")
    booking = book_group(admin_user, a, 2)
    moving, staying = booked(booking)
    lead = booking.lead_booker
    emails_before = OutboxMessage.objects.count()

    new_place = transfer(admin_user, booking, moving, b, fee="10.00")

    moving.refresh_from_db()
    assert moving.state == PlaceState.TRANSFERRED
    assert moving.transferred_to_id == new_place.pk
    assert moving.schedule_id == a.pk and moving.booking_id == booking.pk
    assert (new_place.state, new_place.schedule_id, new_place.booking_id) == (
        PlaceState.BOOKED,
        b.pk,
        booking.pk,
    )
    assert (new_place.contact_id, new_place.unit_net) == (moving.contact_id, D("120.00"))
    assert (taken(a), taken(b)) == (1, 1)
    assert set(Attendance.objects.filter(place=moving).values_list("status", flat=True)) == {
        AttendanceStatus.CANCELLED
    }
    assert sorted(
        Attendance.objects.filter(place=new_place).values_list("session_id", "status")
    ) == sorted((s.pk, AttendanceStatus.PENDING) for s in b.sessions.all())
    sent = list(OutboxMessage.objects.order_by("pk")[emails_before:])
    assert sorted(m.to[0] for m in sent) == sorted([moving.contact.email, lead.email])
    assert all(b.code in m.subject for m in sent)
    booking = Booking.objects.get(pk=booking.pk)
    assert booking.schedule_id == a.pk  # the other delegate is still on A
    event = AuditEvent.objects.for_object(booking).filter(action="booking.transferred").get()
    assert a.code in event.summary and b.code in event.summary
    assert event.reason == "Asked for another date"


def test_individual_booking_follows_its_delegate(admin_user):
    a, b = schedule_at("100.00"), schedule_at("120.00", "0.2000")
    booking = book_one(admin_user, a)
    transfer(admin_user, booking, booked(booking)[0], b)
    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.schedule_id, booking.unit_price, booking.vat_rate) == (
        b.pk,
        D("120.00"),
        D("0.2000"),
    )
    assert OutboxMessage.objects.filter(template_key="booking_delegate_transferred").count() == 1
    assert not OutboxMessage.objects.filter(template_key="booking_lead_booker_transfer").exists()


def test_second_transfer_works_from_the_new_invoice(admin_user):
    """A 100 paid 50 -> B 30 + fee 10 (40, paid) -> C 60: the second credit note pays off B's
    course line on the transfer invoice (the first fee stays billed: that transfer happened),
    its spare 30 moves to C's invoice; A's invoice keeps its 10 overpayment."""
    a, b, c = schedule_at("100.00"), schedule_at("30.00"), schedule_at("60.00")
    booking = book_one(admin_user, a)
    inv1 = first_invoice(booking)
    pay(admin_user, inv1, "50.00")
    p2 = transfer(admin_user, booking, booked(booking)[0], b, fee="10.00")
    inv2 = new_invoice_of(p2)

    p3 = transfer(admin_user, booking, p2, c)

    inv3 = new_invoice_of(p3)
    assert inv3.supersedes_id == inv2.pk
    note = CreditNote.objects.get(invoice=inv2)
    assert note.gross_total == D("30.00")
    inv2 = fresh(inv2)
    assert (inv2.credited_total, inv2.paid_total, inv2.outstanding, inv2.overpayment) == (
        D("30.00"),
        D("10.00"),
        D("0.00"),
        D("0.00"),
    )
    assert (inv3.gross_total, inv3.paid_total, inv3.outstanding) == (
        D("60.00"),
        D("30.00"),
        D("30.00"),
    )
    assert fresh(inv1).overpayment == D("10.00")
    p2.refresh_from_db()
    assert (p2.state, p2.transferred_to_id) == (PlaceState.TRANSFERRED, p3.pk)
    assert (taken(a), taken(b), taken(c)) == (0, 0, 1)
    invariants.check_all()


def test_fee_counts_as_revenue_of_the_new_course(admin_user):
    from tests.invoicing.test_revenue_figures import kept_figures, rebuilt_figures

    a, b = schedule_at("100.00", "0.2000"), schedule_at("50.00", "0.2000")
    booking = book_one(admin_user, a)
    transfer(admin_user, booking, booked(booking)[0], b, fee="25.00")

    invoiced = {}
    for (whole_month, _day, key), values in kept_figures().items():
        if not whole_month:
            invoiced[key] = invoiced.get(key, D("0")) + values[0]
    assert invoiced[course_key(b.course_id)] == D("90.00")  # 60.00 course + 30.00 fee
    assert invoiced[course_key(a.course_id)] == D("120.00")
    assert kept_figures() == rebuilt_figures()


def test_a_free_place_has_no_credit_note_but_the_new_course_and_fee_are_invoiced(admin_user):
    a, b = schedule_at("0.00"), schedule_at("0.00")
    booking = book_one(admin_user, a)
    assert first_invoice(booking) is None
    p2 = transfer(admin_user, booking, booked(booking)[0], b)
    assert not Invoice.objects.exists()  # nothing to bill: no document at all
    c = schedule_at("0.00")
    p3 = transfer(admin_user, booking, p2, c, fee="15.00")
    invoice = Invoice.objects.get()
    assert (invoice.kind, invoice.gross_total, invoice.supersedes_id) == (
        "transfer",
        D("15.00"),
        None,
    )
    assert not CreditNote.objects.exists()
    assert invoice.lines.get(kind="transfer_fee").booking_place_id == p3.pk


# --- refusals -------------------------------------------------------------------------------


def test_refused_onto_a_full_schedule(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00", capacity=1)
    book_one(admin_user, b)
    booking = book_one(admin_user, a)
    message = refused(lambda: transfer(admin_user, booking, booked(booking)[0], b))
    assert "No places left" in message


def test_refused_onto_the_same_schedule(admin_user):
    a = schedule_at("100.00")
    booking = book_one(admin_user, a)
    message = refused(lambda: transfer(admin_user, booking, booked(booking)[0], a))
    assert "already on that schedule" in message


def test_refused_for_a_delegate_already_booked_on_the_target(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_one(admin_user, a)
    services.booking_create(
        actor=admin_user, kind="individual", schedule=b, student=booking.contact
    )
    message = refused(lambda: transfer(admin_user, booking, booked(booking)[0], b))
    assert "already booked on" in message


def test_refused_for_a_place_no_longer_booked(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_group(admin_user, a, 2)
    gone = booked(booking)[0]
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[gone.pk], reason="Left"
    )
    message = refused(lambda: transfer(admin_user, booking, gone, b))
    assert "no longer booked" in message


def test_refused_for_a_placeholder_place(admin_user):
    """A delegate booked through a placeholder cannot be transferred alone."""
    a, b = schedule_at("100.00"), schedule_at("100.00")
    org, people = organisation_with_members(2)
    booking = Booking.objects.create(
        kind="placeholder",
        schedule=a,
        organisation=org,
        lead_booker=people[0],
        contact=people[0],
        unit_price=a.price,
        vat_rate=a.vat_rate,
        places_bought=2,
    )
    place = BookingPlace.objects.create(
        booking=booking, contact=people[1], schedule=a, unit_net=a.price
    )
    Schedule.objects.filter(pk=a.pk).update(places_taken=2)
    message = refused(lambda: transfer(admin_user, booking, place, b))
    assert "unassign" in message and "book them on the other course" in message


def test_refused_without_a_reason_or_with_a_bad_fee(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_one(admin_user, a)
    place = booked(booking)[0]
    assert "reason" in refused(lambda: transfer(admin_user, booking, place, b, reason=" "))
    assert "negative" in refused(lambda: transfer(admin_user, booking, place, b, fee="-1"))
    assert "2 decimal" in refused(lambda: transfer(admin_user, booking, place, b, fee="1.001"))
    assert "cannot exceed" in refused(
        lambda: transfer(admin_user, booking, place, b, fee="1000000.01")
    )


def test_refused_for_a_place_of_another_booking(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    one, other = book_one(admin_user, a), book_one(admin_user, a)
    message = refused(lambda: transfer(admin_user, one, booked(other)[0], b))
    assert "not on this booking" in message


def test_cancelling_a_transferred_delegate_credits_the_new_line_and_charges_the_new_course(
    admin_user,
):
    """After a transfer, cancelling the delegate credits their line of the transfer invoice
    (the fee stays billed) and a cancellation charge carries the new course and its VAT rate;
    the delegate's email names the course they were on."""
    a, b = schedule_at("100.00"), schedule_at("50.00", "0.2000")
    booking = book_group(admin_user, a, 2)
    moved = transfer(admin_user, booking, booked(booking)[0], b, fee="10.00")
    transfer_invoice = new_invoice_of(moved)

    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[moved.pk], reason="Left", charge_net=D("20")
    )

    note = CreditNote.objects.get(invoice=transfer_invoice)
    assert note.gross_total == D("60.00")  # the course line; the 12.00 fee stays billed
    charge = Invoice.objects.get(kind="charge")
    line = charge.lines.get()
    assert (line.net, line.vat, line.course_id) == (D("20.00"), D("4.00"), b.course_id)
    assert b.code in line.description
    mail = OutboxMessage.objects.get(template_key="booking_delegate_cancelled")
    assert b.code in mail.subject
    assert taken(b) == 0 and taken(a) == 1
    invariants.check_all()
