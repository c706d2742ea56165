"""Transferring a delegate (SPEC 5, LEDGER 2.4 transfer, E1-E4, invariant 16): every document,
amount and status of the worked examples, with VAT at 0 and 20 % and awkward pennies, a
multi-delegate invoice, a second transfer, the refusals, places, attendance, emails, history."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import services
from bookings.models import Attendance, AttendanceStatus, Booking, BookingPlace, PlaceState
from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import Allocation, CreditNote, Invoice, InvoiceLine, Operation, Refund
from invoicing.services import payment_record, refund_issue
from invoicing.services.revenue import course_key
from notifications.models import OutboxMessage
from schedules.models import Schedule
from tests.invoicing import invariants

from .factories import ContactFactory, CourseFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db


# --- helpers --------------------------------------------------------------------------------


def schedule_at(net: str, rate: str = "0", capacity: int = 10) -> Schedule:
    return ScheduleFactory(
        course=CourseFactory(default_price=D(net), vat_rate=D(rate)), capacity=capacity
    )


def book_one(actor, schedule: Schedule, **kw) -> Booking:
    return services.booking_create(
        actor=actor, kind="individual", schedule=schedule, student=ContactFactory(), **kw
    )


def book_group(actor, schedule: Schedule, count: int) -> Booking:
    org, people = organisation_with_members(count + 1)
    return services.booking_create(
        actor=actor,
        kind="group",
        schedule=schedule,
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
    )


def first_invoice(booking: Booking) -> Invoice:
    return Invoice.objects.filter(booking=booking).order_by("pk").first()


def pay(actor, invoice: Invoice, amount: str):
    return payment_record(actor=actor, invoice=invoice, amount=D(amount), method="bank_transfer")


def booked(booking: Booking) -> list[BookingPlace]:
    return list(booking.places.filter(state=PlaceState.BOOKED).order_by("pk"))


def transfer(actor, booking, place, schedule, fee=None, reason="Asked for another date"):
    return services.booking_place_transfer(
        actor=actor,
        booking=booking,
        place_id=place.pk,
        schedule=schedule,
        fee_net=D(fee) if fee is not None else None,
        reason=reason,
    )


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def new_invoice_of(place: BookingPlace) -> Invoice:
    return Invoice.objects.get(lines__booking_place=place, lines__kind="course")


def taken(schedule: Schedule) -> int:
    return Schedule.objects.get(pk=schedule.pk).places_taken


# --- SPEC section 5, worked examples 1 and 2 (VAT 0) ---------------------------------------


def test_spec_example_1_overpayment_stays_on_the_old_invoice_and_is_refundable(admin_user):
    """Invoice 100 for A, paid 50; transfer to B at 30 with fee 10: credit note 100; new
    invoice 40; 40 of the 50 moves; new "Completed"; old overpaid 10, refundable (LEDGER E3)."""
    a, b = schedule_at("100.00"), schedule_at("30.00")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    payment = pay(admin_user, old, "50.00")
    place = booked(booking)[0]

    new_place = transfer(admin_user, booking, place, b, fee="10.00")

    note = CreditNote.objects.get(invoice=old)
    assert note.gross_total == D("100.00")
    assert note.method == CreditNote.Method.PROPORTIONAL
    new = new_invoice_of(new_place)
    assert new.kind == Invoice.Kind.TRANSFER
    assert new.supersedes_id == old.pk
    assert new.booking_id == booking.pk
    assert [(line.kind, line.gross, line.course_id) for line in new.lines.order_by("position")] == [
        ("course", D("30.00"), b.course_id),
        ("transfer_fee", D("10.00"), b.course_id),
    ]
    assert (new.gross_total, new.paid_total, new.outstanding, new.overpayment) == (
        D("40.00"),
        D("40.00"),
        D("0.00"),
        D("0.00"),
    )
    assert new.status == Invoice.Status.COMPLETED
    old = fresh(old)
    assert (old.credited_total, old.paid_total, old.outstanding, old.overpayment) == (
        D("100.00"),
        D("10.00"),
        D("0.00"),
        D("10.00"),
    )
    assert old.status == Invoice.Status.COMPLETED and old.overpaid
    # one Operation (transfer) holds the credit note, the new invoice and the -/+ pair
    op = Operation.objects.get(kind=Operation.Kind.TRANSFER)
    assert note.operation_id == new.operation_id == op.pk
    assert sorted(
        Allocation.objects.filter(operation=op).values_list("invoice_id", "amount", "payment_id")
    ) == sorted([(old.pk, D("-40.00"), payment.pk), (new.pk, D("40.00"), payment.pk)])
    assert not Refund.objects.exists()  # never an automatic refund
    invariants.check_all()

    # refundable from the old invoice, and only what is overpaid
    with pytest.raises(DomainError):
        refund_issue(actor=admin_user, invoice=old, amount=D("10.01"), reason="r")
    refund_issue(actor=admin_user, invoice=old, amount=D("10.00"), reason="Overpaid")
    old = fresh(old)
    assert (old.overpayment, old.paid_total - old.refunded_total) == (D("0.00"), D("0.00"))
    assert fresh(new).paid_total == D("40.00")  # cash: 50 - 10 = 40 held on the new one
    invariants.check_all()


def test_spec_example_2_part_paid_moves_everything(admin_user):
    """Invoice 100, paid 20; transfer to B at 90 with fee 15: new invoice 105, 20 moves,
    outstanding 85, "Part Completed"; the old invoice settled by a credit note of 100."""
    a, b = schedule_at("100.00"), schedule_at("90.00")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    pay(admin_user, old, "20.00")

    new_place = transfer(admin_user, booking, booked(booking)[0], b, fee="15.00")

    new = new_invoice_of(new_place)
    assert (new.gross_total, new.paid_total, new.outstanding) == (
        D("105.00"),
        D("20.00"),
        D("85.00"),
    )
    assert new.status == Invoice.Status.PART_COMPLETED
    old = fresh(old)
    assert CreditNote.objects.get(invoice=old).gross_total == D("100.00")
    assert (old.credited_total, old.paid_total, old.outstanding, old.overpayment) == (
        D("100.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert old.status == Invoice.Status.COMPLETED and old.credited
    invariants.check_all()


# --- LEDGER E1, E2, E4 (VAT 20 %) ----------------------------------------------------------


def test_ledger_e1_invoiced_unpaid_no_fee(admin_user):
    a, b = schedule_at("416.67", "0.2000"), schedule_at("500.00", "0.2000")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    assert old.gross_total == D("500.00")

    new_place = transfer(admin_user, booking, booked(booking)[0], b)

    note = CreditNote.objects.get(invoice=old)
    assert (note.net_total, note.vat_total, note.gross_total) == (
        D("416.67"),
        D("83.33"),
        D("500.00"),
    )
    assert note.reason.startswith("Transfer")
    old = fresh(old)
    assert (old.outstanding, old.status, old.credited) == (D("0.00"), "Completed", True)
    new = new_invoice_of(new_place)
    assert (new.net_total, new.vat_total, new.gross_total) == (
        D("500.00"),
        D("100.00"),
        D("600.00"),
    )
    assert (new.outstanding, new.status, new.supersedes_id) == (
        D("600.00"),
        "Outstanding",
        old.pk,
    )
    assert new.lines.get().kind == InvoiceLine.Kind.COURSE  # no fee line without a fee
    assert not Allocation.objects.exists()


def test_ledger_e2_fee_and_under_payment(admin_user):
    a, b = schedule_at("416.67", "0.2000"), schedule_at("375.00", "0.2000")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    pay(admin_user, old, "200.00")

    new_place = transfer(admin_user, booking, booked(booking)[0], b, fee="41.67")

    new = new_invoice_of(new_place)
    fee = new.lines.get(kind="transfer_fee")
    assert (fee.net, fee.vat, fee.gross, fee.vat_rate) == (
        D("41.67"),
        D("8.33"),
        D("50.00"),
        D("0.2000"),
    )
    assert (new.net_total, new.vat_total, new.gross_total) == (
        D("416.67"),
        D("83.33"),
        D("500.00"),
    )
    assert (new.paid_total, new.outstanding, new.status) == (
        D("200.00"),
        D("300.00"),
        "Part Completed",
    )
    old = fresh(old)
    assert (old.paid_total, old.overpayment, old.status, old.credited) == (
        D("0.00"),
        D("0.00"),
        "Completed",
        True,
    )


def test_ledger_e4_discounted_booking_is_refused_and_nothing_changes(admin_user):
    a, b = schedule_at("500.00", "0.2000"), schedule_at("600.00", "0.2000")
    booking = book_one(
        admin_user, a, discount_kind="percent", discount_value=D("10"), discount_reason="Loyal"
    )
    pay(admin_user, first_invoice(booking), "450.00")
    before = (invariants.snapshot(), _booking_rows())

    with pytest.raises(DomainError) as refused:
        transfer(admin_user, booking, booked(booking)[0], b)

    assert "cancel" in refused.value.message and "rebook" in refused.value.message
    assert (invariants.snapshot(), _booking_rows()) == before


# --- the same with awkward pennies ----------------------------------------------------------


def test_awkward_pennies_at_20_percent(admin_user):
    """A at 33.33 net (40.00), paid 17.01; B at 19.99 net (23.99) + fee 0.01 net (0.01):
    new invoice 24.00, 17.01 moves, 6.99 outstanding."""
    a, b = schedule_at("33.33", "0.2000"), schedule_at("19.99", "0.2000")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    assert old.gross_total == D("40.00")
    pay(admin_user, old, "17.01")

    new = new_invoice_of(transfer(admin_user, booking, booked(booking)[0], b, fee="0.01"))

    assert [(x.net, x.vat, x.gross) for x in new.lines.order_by("position")] == [
        (D("19.99"), D("4.00"), D("23.99")),
        (D("0.01"), D("0.00"), D("0.01")),
    ]
    assert (new.gross_total, new.paid_total, new.outstanding) == (
        D("24.00"),
        D("17.01"),
        D("6.99"),
    )
    old = fresh(old)
    assert (old.credited_total, old.paid_total, old.overpayment) == (
        D("40.00"),
        D("0.00"),
        D("0.00"),
    )
    invariants.check_all()


def test_awkward_pennies_overpaid_at_20_percent(admin_user):
    a, b = schedule_at("33.33", "0.2000"), schedule_at("19.99", "0.2000")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    pay(admin_user, old, "40.00")

    new = new_invoice_of(transfer(admin_user, booking, booked(booking)[0], b, fee="0.01"))

    assert (new.paid_total, new.status) == (D("24.00"), "Completed")
    old = fresh(old)
    assert (old.overpayment, old.paid_total) == (D("16.00"), D("16.00"))
    invariants.check_all()


@given(
    old_net=st.decimals(min_value=D("0.01"), max_value=D("900"), places=2),
    new_net=st.decimals(min_value=D("0.00"), max_value=D("900"), places=2),
    fee=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("90"), places=2)),
    paid=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("1500"), places=2)),
    rate=st.sampled_from([D("0"), D("0.2000"), D("0.0500")]),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_transfer_outcome_invariant_16(admin_user, old_net, new_net, fee, paid, rate):
    """LEDGER invariant 16 for any prices, fee, payment and VAT rate: the old invoice fully
    credited with nothing outstanding; outstanding(new) = max(T(new) - N_old, 0);
    overpayment(old) = max(N_old - T(new), 0); T(new) = course + fee; no refund."""
    with transaction.atomic():
        a, b = schedule_at(str(old_net), str(rate)), schedule_at(str(new_net), str(rate))
        booking = book_one(admin_user, a)
        old = first_invoice(booking)
        if paid is not None:
            pay(admin_user, old, str(paid))
        held = fresh(old).paid_total
        refunds = Refund.objects.count()

        new_place = transfer(admin_user, booking, booked(booking)[0], b, fee=fee and str(fee))

        old = fresh(old)
        assert old.credited_total == old.gross_total and old.outstanding == 0
        lines = InvoiceLine.objects.filter(booking_place=new_place)
        total = sum((x.gross for x in lines), D("0"))
        if total == 0:
            assert not lines.exists() or not Invoice.objects.filter(supersedes=old).exists()
            assert old.overpayment == held
        else:
            new = new_invoice_of(new_place)
            assert new.gross_total == total
            assert new.outstanding == max(total - held, D("0"))
            assert old.overpayment == max(held - total, D("0"))
            assert new.overpayment == 0
        assert Refund.objects.count() == refunds
        invariants.check_all()
        transaction.set_rollback(True)


# --- multi-delegate invoices: only spare money moves ---------------------------------------


def test_multi_delegate_invoice_moves_only_money_not_needed_by_the_others(admin_user):
    """Three delegates at 100 (300), paid 250. Transferring one to B at 80: a credit note for
    that delegate's line only (100); the old invoice now needs 200 and holds 250, so only the
    spare 50 moves; the new invoice owes 30."""
    a, b = schedule_at("100.00"), schedule_at("80.00")
    booking = book_group(admin_user, a, 3)
    old = first_invoice(booking)
    pay(admin_user, old, "250.00")
    moving, *staying = booked(booking)

    new = new_invoice_of(transfer(admin_user, booking, moving, b))

    note = CreditNote.objects.get(invoice=old)
    assert note.gross_total == D("100.00")
    assert [cl.invoice_line.booking_place_id for cl in note.lines.all()] == [moving.pk]
    old = fresh(old)
    assert (old.credited_total, old.paid_total, old.outstanding, old.overpayment) == (
        D("100.00"),
        D("200.00"),
        D("0.00"),
        D("0.00"),
    )
    assert (new.gross_total, new.paid_total, new.outstanding, new.status) == (
        D("80.00"),
        D("50.00"),
        D("30.00"),
        "Part Completed",
    )
    assert [p.pk for p in booked(booking)][:2] == [p.pk for p in staying]
    invariants.check_all()


def test_multi_delegate_invoice_with_no_spare_money_moves_nothing(admin_user):
    a, b = schedule_at("100.00"), schedule_at("80.00")
    booking = book_group(admin_user, a, 3)
    old = first_invoice(booking)
    pay(admin_user, old, "150.00")

    new = new_invoice_of(transfer(admin_user, booking, booked(booking)[0], b))

    old = fresh(old)
    assert (old.credited_total, old.paid_total, old.outstanding) == (
        D("100.00"),
        D("150.00"),
        D("50.00"),
    )
    assert old.status == "Part Completed"
    assert (new.paid_total, new.outstanding, new.status) == (D("0.00"), D("80.00"), "Outstanding")
    assert not Allocation.objects.filter(amount__lt=0).exists()


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


def _booking_rows():
    return (
        list(Booking.objects.order_by("pk").values()),
        list(BookingPlace.objects.order_by("pk").values()),
        list(Schedule.objects.order_by("pk").values_list("pk", "places_taken")),
        OutboxMessage.objects.count(),
        AuditEvent.objects.count(),
    )


def _refused(fn) -> str:
    before = (invariants.snapshot(), _booking_rows())
    with pytest.raises(DomainError) as refused:
        fn()
    assert (invariants.snapshot(), _booking_rows()) == before
    return refused.value.message


def test_refused_onto_a_full_schedule(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00", capacity=1)
    book_one(admin_user, b)
    booking = book_one(admin_user, a)
    message = _refused(lambda: transfer(admin_user, booking, booked(booking)[0], b))
    assert "No places left" in message


def test_refused_onto_the_same_schedule(admin_user):
    a = schedule_at("100.00")
    booking = book_one(admin_user, a)
    message = _refused(lambda: transfer(admin_user, booking, booked(booking)[0], a))
    assert "already on that schedule" in message


def test_refused_for_a_delegate_already_booked_on_the_target(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_one(admin_user, a)
    services.booking_create(
        actor=admin_user, kind="individual", schedule=b, student=booking.contact
    )
    message = _refused(lambda: transfer(admin_user, booking, booked(booking)[0], b))
    assert "already booked on" in message


def test_refused_for_a_place_no_longer_booked(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_group(admin_user, a, 2)
    gone = booked(booking)[0]
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[gone.pk], reason="Left"
    )
    message = _refused(lambda: transfer(admin_user, booking, gone, b))
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
    message = _refused(lambda: transfer(admin_user, booking, place, b))
    assert "unassign" in message and "book them on the other course" in message


def test_refused_without_a_reason_or_with_a_bad_fee(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_one(admin_user, a)
    place = booked(booking)[0]
    assert "reason" in _refused(lambda: transfer(admin_user, booking, place, b, reason=" "))
    assert "negative" in _refused(lambda: transfer(admin_user, booking, place, b, fee="-1"))
    assert "2 decimal" in _refused(lambda: transfer(admin_user, booking, place, b, fee="1.001"))
    assert "cannot exceed" in _refused(
        lambda: transfer(admin_user, booking, place, b, fee="1000000.01")
    )


def test_refused_for_a_place_of_another_booking(admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    one, other = book_one(admin_user, a), book_one(admin_user, a)
    message = _refused(lambda: transfer(admin_user, one, booked(other)[0], b))
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
