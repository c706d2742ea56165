"""Transferring a delegate, the money (SPEC 5, LEDGER 2.4 transfer, E1-E4, invariant 16): every
document, amount and status of the worked examples, with VAT at 0 and 20 % and awkward pennies,
any prices and payments (hypothesis), and multi-delegate invoices where only spare money
moves. The bookings side and the refusals: test_transfer_rules.py."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from invoicing.models import Allocation, CreditNote, Invoice, InvoiceLine, Operation, Refund
from invoicing.services import refund_issue
from tests.invoicing import invariants

from .transfers import (
    book_group,
    book_one,
    booked,
    booking_rows,
    first_invoice,
    fresh,
    new_invoice_of,
    pay,
    schedule_at,
    transfer,
)

pytestmark = pytest.mark.django_db


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
    before = (invariants.snapshot(), booking_rows())

    with pytest.raises(DomainError) as refused:
        transfer(admin_user, booking, booked(booking)[0], b)

    assert "cancel" in refused.value.message and "rebook" in refused.value.message
    assert (invariants.snapshot(), booking_rows()) == before


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
