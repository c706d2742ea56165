"""Placeholder places (SPEC 5): buying, assigning, unassigning, part-cancel and cancel all,
with every document, amount and status of SPEC 5's worked examples 3-8 and LEDGER's
placeholder examples (E5-E12), at VAT 0 and at 20 % with awkward pennies."""

from decimal import Decimal as D

import pytest

from bookings import services
from bookings.models import Attendance, Booking, BookingPlace, BookingStatus, PlaceState
from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import Allocation, CreditNote, Invoice, Operation, Refund
from invoicing.selectors import remaining_by_line
from invoicing.services import credit_note_issue, payment_record
from schedules.models import Schedule
from tests.invoicing import invariants

from .factories import (
    ContactFactory,
    CourseFactory,
    ScheduleFactory,
    organisation_with_members,
)

pytestmark = pytest.mark.django_db


def _schedule(price: str, vat: str = "0", capacity: int = 10) -> Schedule:
    return ScheduleFactory(
        course=CourseFactory(default_price=D(price), vat_rate=D(vat)), capacity=capacity
    )


def buy(actor, n: int, price: str = "100.00", vat: str = "0", capacity: int = 10, **kw):
    org, people = organisation_with_members(3)
    schedule = _schedule(price, vat, capacity)
    booking = services.placeholder_buy(
        actor=actor, schedule=schedule, organisation=org, places=n, **kw
    )
    return booking, people


def invoice_of(booking: Booking) -> Invoice:
    return Invoice.objects.get(booking=booking, kind=Invoice.Kind.STANDARD)


def pay(actor, booking: Booking, amount: str):
    return payment_record(
        actor=actor, invoice=invoice_of(booking), amount=D(amount), method="bank_transfer"
    )


def part_cancel(actor, booking, k, **kw):
    return services.placeholder_part_cancel(
        actor=actor, booking=booking, places=k, reason="Fewer staff", **kw
    )


def cancel_all(actor, booking, charge=None):
    return services.placeholder_cancel_all(
        actor=actor, booking=booking, reason="Course not needed", charge_net=charge
    )


def taken(booking: Booking) -> int:
    return Schedule.objects.get(pk=booking.schedule_id).places_taken


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- buying ---------------------------------------------------------------------------------------


def test_buy_places_is_one_line_quantity_n_at_the_schedule_price(admin_user):
    booking, _ = buy(admin_user, 5, price="200.00")
    assert booking.kind == "placeholder" and booking.places_bought == 5
    places = list(booking.places.all())
    assert len(places) == 5 and all(p.contact_id is None and p.is_booked for p in places)
    inv = invoice_of(booking)
    (line,) = inv.lines.all()
    assert (line.kind, line.quantity, line.unit_net, line.net, line.booking_place_id) == (
        "places",
        5,
        D("200.00"),
        D("1000.00"),
        None,
    )
    assert (inv.gross_total, inv.status, inv.outstanding) == (
        D("1000.00"),
        "Outstanding",
        D("1000.00"),
    )
    assert line.course_id == booking.schedule.course_id
    assert taken(booking) == 5  # unassigned places hold capacity like booked delegates
    assert AuditEvent.objects.for_object(booking).filter(action="placeholder.bought").exists()
    invariants.check_all()


def test_buy_at_20_percent_with_awkward_pennies(admin_user):
    booking, _ = buy(admin_user, 7, price="33.33", vat="0.2000")
    inv = invoice_of(booking)
    assert (inv.net_total, inv.vat_total, inv.gross_total) == (
        D("233.31"),
        D("46.66"),
        D("279.97"),
    )


def test_buy_refused_beyond_capacity_and_nothing_written(admin_user):
    org, _ = organisation_with_members(1)
    schedule = _schedule("100.00", capacity=4)
    with pytest.raises(DomainError, match="Only 4 places left"):
        services.placeholder_buy(actor=admin_user, schedule=schedule, organisation=org, places=5)
    assert not Booking.objects.exists() and not Invoice.objects.exists()
    assert fresh(schedule).places_taken == 0
    services.placeholder_buy(actor=admin_user, schedule=schedule, organisation=org, places=4)
    with pytest.raises(DomainError, match="full"):
        services.placeholder_buy(actor=admin_user, schedule=schedule, organisation=org, places=1)


@pytest.mark.parametrize("bad", [0, -1, 1001, "3", True, 2.0])
def test_buy_refuses_a_bad_number_of_places(admin_user, bad):
    org, _ = organisation_with_members(1)
    with pytest.raises(DomainError):
        services.placeholder_buy(
            actor=admin_user, schedule=_schedule("100.00"), organisation=org, places=bad
        )


def test_buy_lead_booker_optional_but_must_be_linked(admin_user):
    org, people = organisation_with_members(1)
    schedule = _schedule("100.00")
    with pytest.raises(DomainError, match="not linked"):
        services.placeholder_buy(
            actor=admin_user,
            schedule=schedule,
            organisation=org,
            places=2,
            lead_booker=ContactFactory(),
        )
    booking = services.placeholder_buy(
        actor=admin_user, schedule=schedule, organisation=org, places=2, lead_booker=people[0]
    )
    assert booking.lead_booker == people[0]


def test_buy_is_idempotent(admin_user):
    org, _ = organisation_with_members(1)
    schedule = _schedule("100.00", capacity=5)
    kw = {"actor": admin_user, "schedule": schedule, "organisation": org, "places": 3}
    first = services.placeholder_buy(**kw, idempotency_key="k1")
    again = services.placeholder_buy(**kw, idempotency_key="k1")
    assert first.pk == again.pk
    assert Booking.objects.count() == 1 and Invoice.objects.count() == 1
    assert fresh(schedule).places_taken == 3


def test_free_schedule_has_no_invoice(admin_user):
    booking, _ = buy(admin_user, 2, price="0.00")
    assert not Invoice.objects.exists()
    part_cancel(admin_user, booking, 1)
    assert fresh(booking).places_bought == 1 and taken(booking) == 1


# --- assign / unassign --------------------------------------------------------------------------


def test_assign_then_unassign_leaves_no_record_of_the_delegate(admin_user):
    booking, people = buy(admin_user, 3)
    place = services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    assert place.contact == people[0]
    assert Attendance.objects.filter(place=place).count() == 2  # the two sessions
    assert taken(booking) == 3  # assigning uses a place already held
    services.placeholder_unassign(actor=admin_user, booking=booking, place_id=place.pk)
    assert not BookingPlace.objects.filter(contact=people[0]).exists()
    assert not Attendance.objects.filter(place=place).exists()
    assert fresh(place).contact_id is None and fresh(place).is_booked
    assert taken(booking) == 3
    # the history keeps it
    summaries = list(AuditEvent.objects.for_object(booking).values_list("summary", flat=True))
    assert any(people[0].full_name in s and "unassigned" in s for s in summaries)


def test_assign_refusals(admin_user):
    booking, people = buy(admin_user, 1)
    with pytest.raises(DomainError, match="not linked"):
        services.placeholder_assign(actor=admin_user, booking=booking, contact=ContactFactory())
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    with pytest.raises(DomainError, match="none is free"):
        services.placeholder_assign(actor=admin_user, booking=booking, contact=people[1])
    other = services.placeholder_buy(
        actor=admin_user, schedule=booking.schedule, organisation=booking.organisation, places=1
    )
    with pytest.raises(DomainError, match="already booked"):
        services.placeholder_assign(actor=admin_user, booking=other, contact=people[0])


def test_unassign_refused_once_attended(admin_user):
    booking, people = buy(admin_user, 1)
    place = services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    Attendance.objects.filter(place=place).update(status="attended")
    with pytest.raises(DomainError, match="attended"):
        services.placeholder_unassign(actor=admin_user, booking=booking, place_id=place.pk)


def test_group_cancel_and_discount_refused_on_a_placeholder(admin_user):
    booking, _ = buy(admin_user, 2)
    with pytest.raises(DomainError, match="Part-cancel places"):
        services.booking_cancel(actor=admin_user, booking=booking, reason="r")
    with pytest.raises(DomainError, match="schedule's price"):
        services.booking_set_discount(
            actor=admin_user, booking=booking, kind="percent", value=D("10"), reason="r"
        )


# --- SPEC 5 worked examples 3-8 -----------------------------------------------------------------


def test_spec_example_3_unused_invoiced_part_cancel_with_credit_note(admin_user):
    booking, _ = buy(admin_user, 5, price="200.00")
    part_cancel(admin_user, booking, 2)
    booking, inv = fresh(booking), invoice_of(booking)
    assert booking.places_bought == 3 and taken(booking) == 3
    (note,) = CreditNote.objects.filter(invoice=inv)
    assert (note.gross_total, note.places_cancelled, note.method) == (
        D("400.00"),
        2,
        "proportional",
    )
    assert (inv.outstanding, inv.status) == (D("600.00"), "Outstanding")
    assert Operation.objects.filter(kind="placeholder_part_cancel").count() == 1
    assert not Allocation.objects.exists() and not Refund.objects.exists()
    invariants.check_all()


def test_spec_example_4_paid_part_cancel_value_blank_overpayment_no_refund(admin_user):
    booking, _ = buy(admin_user, 5, price="200.00")
    pay(admin_user, booking, "1000.00")
    part_cancel(admin_user, booking, 2, value=None)
    inv = invoice_of(booking)
    (note,) = CreditNote.objects.filter(invoice=inv)
    assert note.gross_total == D("400.00")
    assert (inv.overpayment, inv.outstanding, inv.status) == (D("400.00"), 0, "Completed")
    assert not Refund.objects.exists() and Allocation.objects.count() == 1
    invariants.check_all()


def test_spec_example_5_cancel_all_charge_below_payment_refunds_the_rest(admin_user):
    booking, _ = buy(admin_user, 3, price="100.00")
    payment = pay(admin_user, booking, "300.00")
    out = cancel_all(admin_user, booking, charge=D("50.00"))
    inv, charge = invoice_of(booking), out.charge_invoice
    (note,) = CreditNote.objects.filter(invoice=inv)
    assert note.gross_total == D("300.00")
    charge = fresh(charge)
    assert (charge.kind, charge.charge_for_id, charge.gross_total, charge.status) == (
        "charge",
        inv.pk,
        D("50.00"),
        "Completed",
    )
    assert Allocation.objects.filter(invoice=charge, payment=payment).get().amount == D("50.00")
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.payment_id, refund.invoice_id, refund.state) == (
        D("250.00"),
        payment.pk,
        inv.pk,
        "completed",
    )
    assert (inv.status, inv.credited, inv.overpayment, inv.outstanding) == ("Completed", True, 0, 0)
    booking = fresh(booking)
    assert (booking.status, booking.places_bought, taken(booking)) == ("cancelled", 0, 0)
    assert out.refunded == D("250.00")
    assert Operation.objects.filter(kind="placeholder_full_cancel").count() == 1
    # every ledger row of the action belongs to that one operation
    op = Operation.objects.get(kind="placeholder_full_cancel")
    assert note.operation_id == charge.operation_id == refund.operation_id == op.pk
    invariants.check_all()


def test_spec_example_6_cancel_all_charge_above_payment_part_completed(admin_user):
    booking, _ = buy(admin_user, 3, price="100.00")
    pay(admin_user, booking, "20.00")
    out = cancel_all(admin_user, booking, charge=D("50.00"))
    charge = fresh(out.charge_invoice)
    assert CreditNote.objects.get().gross_total == D("300.00")
    assert (charge.gross_total, charge.paid_total, charge.outstanding, charge.status) == (
        D("50.00"),
        D("20.00"),
        D("30.00"),
        "Part Completed",
    )
    assert not Refund.objects.exists() and out.refunded == 0
    inv = invoice_of(booking)
    assert (inv.status, inv.overpayment) == ("Completed", 0)
    invariants.check_all()


def test_spec_example_7_used_placeholder_part_cancel_refused_until_unassigned(admin_user):
    booking, people = buy(admin_user, 3, price="100.00")
    place = services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    before = invariants.snapshot()
    with pytest.raises(DomainError, match="unassign the delegates first"):
        part_cancel(admin_user, booking, 1)
    assert invariants.snapshot() == before and fresh(booking).places_bought == 3
    services.placeholder_unassign(actor=admin_user, booking=booking, place_id=place.pk)
    part_cancel(admin_user, booking, 1)
    assert fresh(booking).places_bought == 2
    assert CreditNote.objects.get().gross_total == D("100.00")


@pytest.mark.parametrize(
    "price,first,second", [("100.00", "300.00", "400.00"), ("33.33", "99.99", "133.32")]
)
def test_spec_example_8_cancel_3_then_4_of_7(admin_user, price, first, second):
    booking, _ = buy(admin_user, 7, price=price)
    part_cancel(admin_user, booking, 3)
    part_cancel(admin_user, booking, 4)
    notes = list(CreditNote.objects.order_by("pk").values_list("gross_total", flat=True))
    assert notes == [D(first), D(second)]
    inv = invoice_of(booking)
    assert sum(notes) == inv.gross_total and inv.credited
    booking = fresh(booking)
    assert (booking.places_bought, booking.status, taken(booking)) == (0, "cancelled", 0)
    invariants.check_all()


def test_spec_example_8_at_20_percent_sums_exactly(admin_user):
    booking, _ = buy(admin_user, 7, price="33.33", vat="0.2000")
    part_cancel(admin_user, booking, 3)
    part_cancel(admin_user, booking, 4)
    a, b = CreditNote.objects.order_by("pk")
    assert a.gross_total == D("119.99")  # q(279.97 x 3 / 7)
    assert (a.net_total, a.vat_total) == (D("99.99"), D("20.00"))
    assert b.gross_total == D("159.98")
    assert (a.net_total + b.net_total, a.vat_total + b.vat_total) == (D("233.31"), D("46.66"))
    invariants.check_all()


# --- the SPEC table's four cases ----------------------------------------------------------------


def test_part_cancel_with_credit_note_value_is_vat_inclusive_and_records_places(admin_user):
    booking, _ = buy(admin_user, 5, price="100.00", vat="0.2000")  # £600.00
    part_cancel(admin_user, booking, 2, value=D("200.00"))  # LEDGER E12 action 1
    note = CreditNote.objects.get()
    assert (note.method, note.gross_total, note.net_total, note.vat_total) == (
        "entered",
        D("200.00"),
        D("166.67"),
        D("33.33"),
    )
    assert note.places_cancelled == 2 and note.lines.get().quantity == 2
    (left,) = remaining_by_line(invoice_of(booking)).values()
    assert left.places == 3 and left.gross == D("400.00")
    # a later proportional credit shares what remains over the places that remain
    part_cancel(admin_user, booking, 1)
    assert CreditNote.objects.order_by("pk").last().gross_total == D("133.33")


def test_declining_the_credit_note_still_reduces_the_places(admin_user):
    booking, _ = buy(admin_user, 7, price="100.00", vat="0.2000")  # LEDGER E5 (b)
    part_cancel(admin_user, booking, 3, credit_note=False)
    assert fresh(booking).places_bought == 4 and taken(booking) == 4
    assert not CreditNote.objects.exists()
    assert invoice_of(booking).outstanding == D("840.00")
    assert not Operation.objects.filter(kind="placeholder_part_cancel").exists()


def test_part_cancel_refusals_change_nothing(admin_user):
    booking, _ = buy(admin_user, 3, price="100.00")
    pay(admin_user, booking, "300.00")
    before = (invariants.snapshot(), taken(booking), fresh(booking).places_bought)
    with pytest.raises(DomainError, match="No charge"):  # LEDGER E5 (c)
        part_cancel(admin_user, booking, 1, charge_net=D("10.00"))
    with pytest.raises(DomainError, match="only 3 places"):
        part_cancel(admin_user, booking, 4)
    with pytest.raises(DomainError, match="cannot exceed"):
        part_cancel(admin_user, booking, 1, value=D("300.01"))
    with pytest.raises(DomainError, match="needs the credit note"):
        part_cancel(admin_user, booking, 1, value=D("10.00"), credit_note=False)
    with pytest.raises(DomainError, match="reason"):
        services.placeholder_part_cancel(actor=admin_user, booking=booking, places=1, reason=" ")
    assert (invariants.snapshot(), taken(booking), fresh(booking).places_bought) == before


def test_e5_unused_invoiced_part_cancel_proportional_at_20_percent(admin_user):
    booking, _ = buy(admin_user, 7, price="100.00", vat="0.2000")  # £840.00
    part_cancel(admin_user, booking, 3)
    note = CreditNote.objects.get()
    assert (note.gross_total, note.net_total, note.vat_total) == (
        D("360.00"),
        D("300.00"),
        D("60.00"),
    )
    inv = invoice_of(booking)
    assert (inv.status, inv.outstanding) == ("Outstanding", D("480.00"))


def test_e6_unused_invoiced_cancel_all_without_and_with_charge(admin_user):
    booking, _ = buy(admin_user, 7, price="100.00", vat="0.2000")
    out = cancel_all(admin_user, booking)
    inv = invoice_of(booking)
    assert out.charge_invoice is None and out.refunded == 0
    assert (inv.status, inv.credited, inv.outstanding) == ("Completed", True, 0)
    assert fresh(booking).status == "cancelled"

    booking, _ = buy(admin_user, 7, price="100.00", vat="0.2000")
    out = cancel_all(admin_user, booking, charge=D("200.00"))
    charge = fresh(out.charge_invoice)
    assert (charge.net_total, charge.vat_total, charge.gross_total) == (
        D("200.00"),
        D("40.00"),
        D("240.00"),
    )
    assert (charge.status, charge.outstanding) == ("Outstanding", D("240.00"))
    assert not Refund.objects.exists()
    invariants.check_all()


def test_e7_paid_part_cancels_leave_overpayments(admin_user):
    booking, _ = buy(admin_user, 7, price="33.33", vat="0.2000")  # £279.97
    pay(admin_user, booking, "279.97")
    part_cancel(admin_user, booking, 3)
    part_cancel(admin_user, booking, 2)
    inv = invoice_of(booking)
    a, b = CreditNote.objects.order_by("pk")
    assert a.gross_total == D("119.99")
    assert b.gross_total == D("79.99")  # 2 of the remaining 4 of £159.98
    assert inv.overpayment == a.gross_total + b.gross_total and inv.status == "Completed"
    assert not Refund.objects.exists()
    invariants.check_all()


def test_e8_paid_cancel_all_without_charge_no_refund(admin_user):
    booking, _ = buy(admin_user, 5, price="100.00", vat="0.2000")
    pay(admin_user, booking, "600.00")
    cancel_all(admin_user, booking)
    inv = invoice_of(booking)
    assert (inv.credited, inv.overpayment, inv.status) == (True, D("600.00"), "Completed")
    assert not Refund.objects.exists()


def test_e9_e10_charge_boundary_equal_to_payment(admin_user):
    booking, _ = buy(admin_user, 5, price="100.00", vat="0.2000")
    pay(admin_user, booking, "120.00")
    out = cancel_all(admin_user, booking, charge=D("100.00"))  # £120.00 gross == payment
    charge = fresh(out.charge_invoice)
    assert (charge.status, charge.outstanding) == ("Completed", 0)
    assert not Refund.objects.exists()


def test_e10_part_paid_charge_higher_than_payment(admin_user):
    booking, _ = buy(admin_user, 5, price="100.00", vat="0.2000")
    pay(admin_user, booking, "300.00")
    out = cancel_all(admin_user, booking, charge=D("416.67"))  # £500.00 gross
    charge = fresh(out.charge_invoice)
    assert (charge.gross_total, charge.paid_total, charge.outstanding, charge.status) == (
        D("500.00"),
        D("300.00"),
        D("200.00"),
        "Part Completed",
    )
    assert not Refund.objects.exists()
    invariants.check_all()


def test_e11_used_invoiced(admin_user):
    booking, people = buy(admin_user, 5, price="100.00", vat="0.2000")  # £600.00
    dan = services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    eve = services.placeholder_assign(actor=admin_user, booking=booking, contact=people[1])
    with pytest.raises(DomainError, match="unassign"):
        part_cancel(admin_user, booking, 4)
    for p in (eve, dan):
        services.placeholder_unassign(actor=admin_user, booking=booking, place_id=p.pk)
    part_cancel(admin_user, booking, 4)
    note = CreditNote.objects.get()
    assert (note.net_total, note.vat_total, note.gross_total) == (
        D("400.00"),
        D("80.00"),
        D("480.00"),
    )
    inv = invoice_of(booking)
    assert (inv.status, inv.outstanding) == ("Outstanding", D("120.00"))
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    assert taken(booking) == 1


def test_e12_used_paid_part_cancel_then_cancel_all_with_charge(admin_user):
    org, people = organisation_with_members(4)
    schedule = _schedule("100.00", "0.2000")
    booking = services.placeholder_buy(
        actor=admin_user, schedule=schedule, organisation=org, places=5
    )
    payment = pay(admin_user, booking, "600.00")
    assigned = [
        services.placeholder_assign(actor=admin_user, booking=booking, contact=p) for p in people
    ]
    with pytest.raises(DomainError, match="unassign"):
        part_cancel(admin_user, booking, 2)
    for p in assigned:
        services.placeholder_unassign(actor=admin_user, booking=booking, place_id=p.pk)
    part_cancel(admin_user, booking, 2, value=D("200.00"))
    inv = invoice_of(booking)
    assert (inv.overpayment, inv.status) == (D("200.00"), "Completed")
    for p in people[:3]:  # F1-F3 assigned again
        services.placeholder_assign(actor=admin_user, booking=booking, contact=p)
    out = cancel_all(admin_user, booking, charge=D("100.00"))
    second = CreditNote.objects.order_by("pk").last()
    assert (second.gross_total, second.net_total, second.vat_total) == (
        D("400.00"),
        D("333.33"),
        D("66.67"),
    )
    charge = fresh(out.charge_invoice)
    assert (charge.gross_total, charge.status) == (D("120.00"), "Completed")
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.payment_id) == (D("480.00"), payment.pk)
    inv = invoice_of(booking)
    assert (inv.credited, inv.overpayment, inv.outstanding) == (True, 0, 0)
    # F1-F3 stay Booked, named in the warning; the booking stays live for them
    assert sorted(out.unfunded) == sorted(p.full_name for p in people[:3])
    booked = BookingPlace.objects.filter(booking=booking, state=PlaceState.BOOKED)
    assert booked.count() == 3 and all(p.contact_id for p in booked)
    booking = fresh(booking)
    assert booking.status == BookingStatus.CONFIRMED and booking.places_bought == 0
    assert taken(booking) == 3
    # unassigning one of them now cancels the place (it is no longer paid for)
    place = booked.first()
    services.placeholder_unassign(actor=admin_user, booking=booking, place_id=place.pk)
    assert fresh(place).state == PlaceState.CANCELLED and taken(booking) == 2
    with pytest.raises(DomainError, match="none is free"):
        services.placeholder_assign(actor=admin_user, booking=booking, contact=people[3])
    with pytest.raises(DomainError, match="already cancelled"):
        cancel_all(admin_user, booking)
    invariants.check_all()


def test_cancel_all_charge_cannot_exceed_the_places_value(admin_user):
    booking, _ = buy(admin_user, 3, price="100.00")
    part_cancel(admin_user, booking, 1, credit_note=False)
    before = invariants.snapshot()
    with pytest.raises(DomainError, match="£200.00 before VAT"):
        cancel_all(admin_user, booking, charge=D("200.01"))
    assert invariants.snapshot() == before
    cancel_all(admin_user, booking, charge=D("200.00"))


def test_cancel_all_after_a_goodwill_credit_credits_what_remains(admin_user):
    booking, _ = buy(admin_user, 3, price="100.00")
    credit_note_issue(
        actor=admin_user, invoice=invoice_of(booking), reason="Goodwill", amount=D("50.00")
    )
    cancel_all(admin_user, booking)
    last = CreditNote.objects.order_by("pk").last()
    assert last.gross_total == D("250.00") and invoice_of(booking).credited
    invariants.check_all()
