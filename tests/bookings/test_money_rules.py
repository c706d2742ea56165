"""Money behaviour of discounts and cancellations across the bookings/ledger seam (issue 7 §2).

Each test drives the bookings services and reads the outcome from the ledger, as finance
would see it.
"""

from decimal import Decimal as D

import pytest

from bookings import services
from bookings.models import BookingStatus, BookingType, PlaceState
from core.errors import DomainError
from invoicing.models import CreditNote, Invoice, Operation
from invoicing.services import credit_note_issue

from .factories import ContactFactory, CourseFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db


def _schedule(price="80.00", vat="0.2000", capacity=10):
    course = CourseFactory(default_price=D(price), vat_rate=D(vat))
    return ScheduleFactory(course=course, capacity=capacity)


def _group(actor, schedule, count, **kw):
    org, people = organisation_with_members(count + 1)
    return services.booking_create(
        actor=actor,
        kind=BookingType.GROUP,
        schedule=schedule,
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
        **kw,
    )


def _course_invoices(booking):
    return list(
        Invoice.objects.filter(booking=booking).exclude(kind=Invoice.Kind.CHARGE).order_by("pk")
    )


def _owed(booking) -> D:
    return sum((i.outstanding for i in Invoice.objects.filter(booking=booking)), D("0.00"))


def test_discount_after_a_charged_cancellation_replaces_only_the_course_invoice(admin_user):
    """4 x 80.00 net at 20 % (384.00); cancel one with a 30.00 charge; then 10 % off."""
    schedule = _schedule()
    booking = _group(admin_user, schedule, 4)
    (original,) = _course_invoices(booking)
    assert original.gross_total == D("384.00")
    first = booking.places.order_by("pk").first()
    services.booking_cancel_delegates(
        actor=admin_user,
        booking=booking,
        place_ids=[first.pk],
        reason="Ill",
        charge_net=D("30.00"),
    )
    charge = Invoice.objects.get(booking=booking, kind=Invoice.Kind.CHARGE)
    assert charge.gross_total == D("36.00")
    charge_state = (charge.outstanding, charge.credited_total, charge.status)

    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=D("10"), reason="Loyal"
    )
    charge.refresh_from_db()
    assert (charge.outstanding, charge.credited_total, charge.status) == charge_state
    assert charge_state[0] == D("36.00")  # still owed
    old, new = _course_invoices(booking)
    old.refresh_from_db()
    assert old.pk == original.pk and old.due_total == D("0.00")
    assert new.supersedes_id == old.pk
    # three remaining places at 72.00 net + 20 % = 86.40 each
    assert [line.net for line in new.lines.all()] == [D("72.00")] * 3
    assert new.gross_total == D("259.20")
    assert _owed(booking) == D("259.20") + D("36.00")


def test_discount_keeps_an_earlier_goodwill_credit(admin_user):
    schedule = _schedule()
    booking = _group(admin_user, schedule, 4)
    (invoice,) = _course_invoices(booking)
    credit_note_issue(actor=admin_user, invoice=invoice, reason="Goodwill", amount=D("50.00"))
    before = _owed(booking)
    assert before == D("334.00")

    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=D("10"), reason="Loyal"
    )
    after = _owed(booking)
    assert after < before
    # 4 x 86.40 = 345.60, less the 50.00 already given
    assert after == D("295.60")
    new = _course_invoices(booking)[-1]
    carried = CreditNote.objects.get(invoice=new)
    assert carried.gross_total == D("50.00")
    # and a second change keeps it too
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=D("20"), reason="More"
    )
    assert _owed(booking) == D("307.20") - D("50.00")


def test_discount_change_is_one_operation(admin_user):
    booking = _group(admin_user, _schedule(), 2)
    ops = Operation.objects.count()
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="fixed", value=D("10"), reason="Loyal"
    )
    assert Operation.objects.count() == ops + 1
    assert Operation.objects.latest("pk").kind == Operation.Kind.DISCOUNT


def test_cancel_with_charge_is_one_operation(admin_user):
    booking = _group(admin_user, _schedule(), 2)
    ops = Operation.objects.count()
    services.booking_cancel_delegates(
        actor=admin_user,
        booking=booking,
        place_ids=[booking.places.first().pk],
        reason="Ill",
        charge_net=D("10.00"),
    )
    assert Operation.objects.count() == ops + 1
    op = Operation.objects.latest("pk")
    assert op.kind == Operation.Kind.CANCEL
    assert op.credit_notes.count() == 1 and op.invoices.count() == 1


def test_cancel_a_delegate_whose_line_was_already_credited_in_full(admin_user):
    schedule = _schedule(capacity=3)
    booking = _group(admin_user, schedule, 2)
    (invoice,) = _course_invoices(booking)
    first, second = booking.places.order_by("pk")
    line = invoice.lines.get(booking_place=first)
    credit_note_issue(actor=admin_user, invoice=invoice, reason="Waived", line_places={line.pk: 1})
    notes = CreditNote.objects.count()

    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[first.pk], reason="Left"
    )
    first.refresh_from_db()
    schedule.refresh_from_db()
    assert first.state == PlaceState.CANCELLED
    assert schedule.places_taken == 1
    assert CreditNote.objects.count() == notes  # nothing more to credit


def test_cancel_a_delegate_after_an_amount_credit_credits_what_remains(admin_user):
    booking = _group(admin_user, _schedule(price="100.00", vat="0"), 2)
    (invoice,) = _course_invoices(booking)
    credit_note_issue(actor=admin_user, invoice=invoice, reason="Goodwill", amount=D("200.00"))
    first = booking.places.order_by("pk").first()
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[first.pk], reason="Left"
    )
    invoice.refresh_from_db()
    assert invoice.due_total == D("0.00")


def test_cancel_a_delegate_on_a_zero_line(admin_user):
    """A fixed discount covering the price leaves 0.00 lines (and so no invoice)."""
    schedule = _schedule(price="50.00", vat="0", capacity=2)
    booking = _group(
        admin_user,
        schedule,
        2,
        discount_kind="fixed",
        discount_value=D("100.00"),
        discount_reason="Sponsor",
    )
    assert {p.unit_net for p in booking.places.all()} == {D("0.00")}
    assert _course_invoices(booking) == []
    first, second = booking.places.order_by("pk")
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[first.pk], reason="Left"
    )
    first.refresh_from_db()
    schedule.refresh_from_db()
    assert first.state == PlaceState.CANCELLED and schedule.places_taken == 1
    with pytest.raises(DomainError, match="cannot be more than"):
        services.booking_cancel_delegates(
            actor=admin_user,
            booking=booking,
            place_ids=[second.pk],
            reason="Left",
            charge_net=D("5.00"),
        )


def test_cancellation_charge_cannot_exceed_the_places_value(admin_user):
    booking = _group(admin_user, _schedule(), 2)
    place = booking.places.first()
    invoices = Invoice.objects.count()
    with pytest.raises(DomainError, match="cannot be more than the places cancelled are worth"):
        services.booking_cancel_delegates(
            actor=admin_user,
            booking=booking,
            place_ids=[place.pk],
            reason="Late",
            charge_net=D("80.01"),
        )
    place.refresh_from_db()
    assert place.state == PlaceState.BOOKED and Invoice.objects.count() == invoices
    services.booking_cancel_delegates(
        actor=admin_user,
        booking=booking,
        place_ids=[place.pk],
        reason="Late",
        charge_net=D("80.00"),
    )
    assert Invoice.objects.get(booking=booking, kind=Invoice.Kind.CHARGE).gross_total == D("96.00")


@pytest.mark.parametrize("bad", [D("10.001"), 10.5])
def test_cancellation_charge_must_be_exact(admin_user, bad):
    booking = _group(admin_user, _schedule(), 2)
    with pytest.raises(DomainError, match="charge"):
        services.booking_cancel_delegates(
            actor=admin_user,
            booking=booking,
            place_ids=[booking.places.first().pk],
            reason="Late",
            charge_net=bad,
        )


def test_discount_refused_once_the_course_invoice_is_paid_but_not_for_a_paid_charge(admin_user):
    from invoicing.services import payment_record

    booking = _group(admin_user, _schedule(), 3)
    services.booking_cancel_delegates(
        actor=admin_user,
        booking=booking,
        place_ids=[booking.places.first().pk],
        reason="Ill",
        charge_net=D("10.00"),
    )
    charge = Invoice.objects.get(booking=booking, kind=Invoice.Kind.CHARGE)
    payment_record(actor=admin_user, invoice=charge, amount=charge.outstanding, method="card")
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=D("5"), reason="Loyal"
    )
    course = _course_invoices(booking)[-1]
    payment_record(actor=admin_user, invoice=course, amount=D("1.00"), method="card")
    with pytest.raises(DomainError, match="has been paid"):
        services.booking_set_discount(
            actor=admin_user, booking=booking, kind="percent", value=D("10"), reason="More"
        )
    booking.refresh_from_db()
    assert booking.discount_value == D("5.00") and booking.status == BookingStatus.CONFIRMED


def test_individual_booking_line_records_its_course(admin_user):
    schedule = _schedule()
    booking = services.booking_create(
        actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=schedule, student=ContactFactory()
    )
    (invoice,) = _course_invoices(booking)
    assert [line.course_id for line in invoice.lines.all()] == [schedule.course_id]


def test_discount_keeps_a_goodwill_credit_that_cleared_the_invoice(admin_user):
    """A goodwill credit of the whole invoice leaves nothing due; a discount afterwards must
    not make the customer owe again (found by the state machine's longer run)."""
    booking = _group(admin_user, _schedule(), 1)
    (invoice,) = _course_invoices(booking)
    credit_note_issue(actor=admin_user, invoice=invoice, reason="Goodwill", amount=D("96.00"))
    assert _owed(booking) == D("0.00")
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=D("10"), reason="Loyal"
    )
    assert _owed(booking) == D("0.00")
    new = _course_invoices(booking)[-1]
    assert new.supersedes_id == invoice.pk and new.gross_total == D("86.40")
