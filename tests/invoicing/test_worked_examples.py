"""The worked examples of SPEC section 3/5 and LEDGER section 4 that the invoicing services
cover on their own. Transfers and placeholder cancellations are composed here from the
services the way the later bookings issues will (LEDGER 2.4), inside one ledger_operation."""

from decimal import Decimal as D

import pytest

from core.errors import DomainError
from invoicing.models import Allocation, Invoice, Refund
from invoicing.services import (
    LineSpec,
    charge_invoice_issue,
    credit_note_issue,
    invoice_issue,
    ledger_operation,
    payment_reallocate,
    payment_record,
    refund_issue,
)
from tests.invoicing import invariants
from tests.invoicing.factories import account

pytestmark = pytest.mark.django_db


def places(n: int, gross: str, rate: str = "0.20", description: str = "Places") -> LineSpec:
    """A package of n places priced VAT-inclusive for the whole line."""
    return LineSpec(
        description=description,
        unit_net=D("0"),
        vat_rate=D(rate),
        quantity=n,
        kind="places",
        line_gross=D(gross),
    )


def course(net: str, rate: str = "0.20", description: str = "Course", **kw) -> LineSpec:
    return LineSpec(description=description, unit_net=D(net), vat_rate=D(rate), **kw)


def pay(actor, inv, amount):
    return payment_record(actor=actor, invoice=inv, amount=D(amount), method="bank_transfer")


def fresh(inv: Invoice) -> Invoice:
    return Invoice.objects.get(pk=inv.pk)


def transfer(actor, old: Invoice, lines: list[LineSpec]) -> tuple:
    """LEDGER 2.4 transfer: full CN on old, new invoice superseding it, move what it can."""
    with ledger_operation(kind="transfer", actor=actor, reason="transfer"):
        note = credit_note_issue(actor=actor, invoice=old, reason="Transfer", full=True)
        new = invoice_issue(
            actor=actor, account=old.account, lines=lines, kind="transfer", supersedes=old
        )
        old = fresh(old)
        moving = min(old.overpayment, new.gross_total)
        if moving:
            payment_reallocate(actor=actor, source=old, target=new, amount=moving)
    return note, fresh(old), fresh(new)


def cancel_all(actor, inv: Invoice, charge_net: str | None = None, rate: str = "0.20"):
    """LEDGER 2.4 placeholder_full_cancel: CN for what remains; a charge is paid from the
    original's money and the rest refunded; without a charge nothing is refunded (A4)."""
    with ledger_operation(kind="placeholder_full_cancel", actor=actor, reason="cancel"):
        note = credit_note_issue(actor=actor, invoice=inv, reason="Cancelled", full=True)
        charge = None
        if charge_net is not None:
            charge = charge_invoice_issue(
                actor=actor,
                original=inv,
                amount_net=D(charge_net),
                vat_rate=D(rate),
                description="Cancellation charge",
                reason="Cancelled with a charge",
            )
            left = fresh(inv).overpayment
            if left:
                refund_issue(actor=actor, invoice=inv, amount=left, reason="Rest after charge")
    return note, fresh(inv), charge and fresh(charge)


# --- transfers (E1-E3, spec 1-2) ----------------------------------------------------------------


def test_e1_transfer_unpaid_no_fee(actor):
    old = invoice_issue(actor=actor, account=account(), lines=[course("416.67")])
    assert old.gross_total == D("500.00")
    note, old, new = transfer(actor, old, [course("500.00", description="Course B")])
    assert (note.gross_total, note.net_total, note.vat_total) == (
        D("500.00"),
        D("416.67"),
        D("83.33"),
    )
    assert old.status == "Completed" and old.credited and old.outstanding == 0
    assert (new.kind, new.supersedes_id, new.status, new.outstanding) == (
        "transfer",
        old.pk,
        "Outstanding",
        D("600.00"),
    )
    assert not Allocation.objects.exists()
    assert (old.display_no, new.display_no, note.display_no) == (
        "INV-000001",
        "INV-000002",
        "CN-000001",
    )
    invariants.check_all()


def test_e2_transfer_with_fee_part_paid(actor):
    old = invoice_issue(actor=actor, account=account(), lines=[course("416.67")])
    pay(actor, old, "200")
    _, old, new = transfer(actor, old, [course("375.00"), course("41.67", kind="transfer_fee")])
    assert (new.net_total, new.vat_total, new.gross_total) == (
        D("416.67"),
        D("83.33"),
        D("500.00"),
    )
    assert (new.status, new.outstanding) == ("Part Completed", D("300.00"))
    assert old.credited and old.net_received == 0
    invariants.check_all()


def test_e3_transfer_overpayment_then_refund(actor):
    old = invoice_issue(actor=actor, account=account(), lines=[course("100.00", "0")])
    payment = pay(actor, old, "50")
    _, old, new = transfer(
        actor, old, [course("30.00", "0"), course("10.00", "0", kind="transfer_fee")]
    )
    assert (new.gross_total, new.status) == (D("40.00"), "Completed")
    assert (old.status, old.overpayment) == ("Completed", D("10.00"))
    assert not Refund.objects.exists()  # never automatic on a transfer
    with pytest.raises(DomainError):
        refund_issue(actor=actor, invoice=old, amount=D("10.01"), reason="r")
    refund = refund_issue(actor=actor, invoice=old, amount=D("10.00"), reason="overpaid")
    assert refund.payment_id == payment.pk
    old = fresh(old)
    assert (old.net_received, old.overpayment) == (D("0.00"), D("0.00"))
    assert D("50") - refund.amount == fresh(new).net_received
    invariants.check_all()


def test_spec_2_transfer_part_paid_with_fee(actor):
    old = invoice_issue(actor=actor, account=account(), lines=[course("100.00", "0")])
    pay(actor, old, "20")
    note, old, new = transfer(
        actor, old, [course("90.00", "0"), course("15.00", "0", kind="transfer_fee")]
    )
    assert note.gross_total == D("100.00")
    assert (new.gross_total, new.net_received, new.outstanding, new.status) == (
        D("105.00"),
        D("20.00"),
        D("85.00"),
        "Part Completed",
    )


# --- discounted booking: cancel and rebook (E4 actions 2-3) -----------------------------------


def test_e4_cancel_and_rebook_moves_the_overpayment_on_request(actor):
    acct = account()
    inv = invoice_issue(
        actor=actor,
        account=acct,
        lines=[
            course("500.00", "0"),
            course("-50.00", "0", description="Booking discount", kind="discount"),
        ],
    )
    pay(actor, inv, "450")
    assert fresh(inv).status == "Completed"
    credit_note_issue(actor=actor, invoice=inv, reason="Cancelled", full=True)
    inv = fresh(inv)
    assert inv.credited and inv.overpayment == D("450.00")
    rebook = invoice_issue(actor=actor, account=acct, lines=[course("600.00", "0")])
    assert rebook.status == "Outstanding"
    payment_reallocate(actor=actor, source=inv, target=rebook, amount=D("450"))
    rebook, inv = fresh(rebook), fresh(inv)
    assert (rebook.status, rebook.outstanding, inv.overpayment) == (
        "Part Completed",
        D("150.00"),
        D("0.00"),
    )
    invariants.check_all()


# --- placeholders: part-cancel (E5, E7, E11, spec 3, 4, 8) --------------------------------------


def test_e5_part_cancel_proportional_and_entered_value(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    line = inv.lines.get()
    assert (line.net, line.vat, line.gross) == (D("833.33"), D("166.67"), D("1000.00"))
    note = credit_note_issue(actor=actor, invoice=inv, reason="3 places", line_places={line.pk: 3})
    assert (note.net_total, note.vat_total, note.gross_total) == (
        D("357.14"),
        D("71.43"),
        D("428.57"),
    )
    assert note.method == "proportional" and note.places_cancelled == 3
    inv = fresh(inv)
    assert (inv.status, inv.outstanding) == ("Outstanding", D("571.43"))

    variant = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    note = credit_note_issue(actor=actor, invoice=variant, reason="3 places", amount=D("400"))
    assert (note.net_total, note.vat_total) == (D("333.33"), D("66.67"))
    assert fresh(variant).outstanding == D("600.00")
    invariants.check_all()


def test_e7_paid_part_cancels_round_to_the_line_exactly(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    line = inv.lines.get()
    pay(actor, inv, "1000")
    first = credit_note_issue(actor=actor, invoice=inv, reason="3", line_places={line.pk: 3})
    inv = fresh(inv)
    assert first.gross_total == D("428.57")
    assert (inv.status, inv.overpayment) == ("Completed", D("428.57"))
    second = credit_note_issue(actor=actor, invoice=inv, reason="2", line_places={line.pk: 2})
    assert (second.net_total, second.vat_total, second.gross_total) == (
        D("238.10"),
        D("47.62"),
        D("285.72"),
    )
    inv = fresh(inv)
    assert (inv.credited_total, inv.due_total, inv.overpayment) == (
        D("714.29"),
        D("285.71"),
        D("714.29"),
    )
    last = credit_note_issue(actor=actor, invoice=inv, reason="2", line_places={line.pk: 2})
    assert (last.net_total, last.vat_total, last.gross_total) == (
        D("238.09"),
        D("47.62"),
        D("285.71"),
    )
    inv = fresh(inv)
    assert inv.credited_total == D("1000.00") and inv.credited
    assert not Refund.objects.exists()  # part-cancel never refunds
    invariants.check_all()


def test_e11_part_cancel_four_of_five(actor):
    # 5 places for £600.00 inc. VAT
    inv = invoice_issue(actor=actor, account=account(), lines=[places(5, "600.00")])
    line = inv.lines.get()
    note = credit_note_issue(actor=actor, invoice=inv, reason="4", line_places={line.pk: 4})
    assert (note.net_total, note.vat_total, note.gross_total) == (
        D("400.00"),
        D("80.00"),
        D("480.00"),
    )
    assert fresh(inv).outstanding == D("120.00")


@pytest.mark.parametrize("paid", [False, True])
def test_spec_3_and_4_part_cancel_two_of_five(actor, paid):
    inv = invoice_issue(actor=actor, account=account(), lines=[course("200.00", "0", quantity=5)])
    if paid:
        pay(actor, inv, "1000")
    line = inv.lines.get()
    note = credit_note_issue(actor=actor, invoice=inv, reason="2", line_places={line.pk: 2})
    inv = fresh(inv)
    assert note.gross_total == D("400.00")
    if paid:
        assert (inv.overpayment, inv.outstanding) == (D("400.00"), D("0.00"))
        assert not Refund.objects.exists()
    else:
        assert inv.outstanding == D("600.00")


@pytest.mark.parametrize(
    "unit, first, second", [("100.00", "300.00", "400.00"), ("33.33", "99.99", "133.32")]
)
def test_spec_8_cancel_three_then_four_of_seven(actor, unit, first, second):
    inv = invoice_issue(actor=actor, account=account(), lines=[course(unit, "0", quantity=7)])
    line = inv.lines.get()
    a = credit_note_issue(actor=actor, invoice=inv, reason="3", line_places={line.pk: 3})
    b = credit_note_issue(actor=actor, invoice=inv, reason="4", line_places={line.pk: 4})
    assert (a.gross_total, b.gross_total) == (D(first), D(second))
    assert a.gross_total + b.gross_total == inv.gross_total
    assert fresh(inv).credited


def test_spec_8_with_20_percent_vat_rounds_the_gross_share(actor):
    # 7 places for £1200.00 inc. VAT (net 1000.00, VAT 200.00), cancelled 3, then 2, then 2.
    # SPEC: the credited gross is q(R*k/n), then split at 20 % (VAT = gross - net).
    inv = invoice_issue(actor=actor, account=account(), lines=[places(7, "1200.00")])
    line = inv.lines.get()
    steps = []
    for k in (3, 2, 2):
        note = credit_note_issue(actor=actor, invoice=inv, reason=str(k), line_places={line.pk: k})
        steps.append((note.gross_total, note.net_total, note.vat_total))
    assert steps == [
        (D("514.29"), D("428.57"), D("85.72")),  # q(1200.00 x 3/7); 514.28 if net, VAT apart
        (D("342.86"), D("285.72"), D("57.14")),  # q(685.71 x 2/4)
        (D("342.85"), D("285.71"), D("57.14")),  # the last places: exactly what remains
    ]
    inv = fresh(inv)
    assert inv.credited_total == D("1200.00") and inv.credited
    invariants.check_all()


def test_half_up_rounding_of_a_proportional_share(actor):
    # 1 of 8 places of £100.20 = 12.525 -> 12.53 (half up), not 12.52 (half even)
    inv = invoice_issue(actor=actor, account=account(), lines=[places(8, "100.20", rate="0")])
    line = inv.lines.get()
    note = credit_note_issue(actor=actor, invoice=inv, reason="1", line_places={line.pk: 1})
    assert note.gross_total == D("12.53")


# --- placeholders: cancel all (E6, E8, E9, E10, E12, spec 5, 6) --------------------------------


def test_e6_cancel_all_unpaid_without_and_with_charge(actor):
    a = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    note, a, charge = cancel_all(actor, a)
    assert note.gross_total == D("1000.00") and a.credited and charge is None
    b = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    _, b, charge = cancel_all(actor, b, charge_net="200.00")
    assert (charge.gross_total, charge.status, charge.outstanding) == (
        D("240.00"),
        "Outstanding",
        D("240.00"),
    )
    assert not Refund.objects.exists()
    invariants.check_all()


def test_e8_cancel_all_paid_no_charge_leaves_refundable_overpayment(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    pay(actor, inv, "1000")
    _, inv, _ = cancel_all(actor, inv)
    assert (inv.status, inv.credited, inv.overpayment) == ("Completed", True, D("1000.00"))
    assert not Refund.objects.exists()
    refund_issue(actor=actor, invoice=inv, amount=D("1000"), reason="refund")
    assert fresh(inv).overpayment == 0


def test_e9_charge_lower_than_payment_refunds_the_rest(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    pay(actor, inv, "1000")
    _, inv, charge = cancel_all(actor, inv, charge_net="200.00")
    assert (charge.gross_total, charge.status) == (D("240.00"), "Completed")
    refund = Refund.objects.get()
    assert refund.amount == D("760.00") and refund.invoice_id == inv.pk
    assert (inv.net_received, inv.status, inv.credited) == (D("0.00"), "Completed", True)
    assert D("1000") - refund.amount == charge.net_received
    invariants.check_all()


def test_e10_charge_higher_than_payment_no_refund(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    pay(actor, inv, "300")
    _, inv, charge = cancel_all(actor, inv, charge_net="416.67")
    assert charge.gross_total == D("500.00")
    assert (charge.status, charge.outstanding) == ("Part Completed", D("200.00"))
    assert not Refund.objects.exists()
    # boundary: charge equal to the money held
    other = invoice_issue(actor=actor, account=account(), lines=[places(7, "1000.00")])
    pay(actor, other, "300")
    _, other, charge = cancel_all(actor, other, charge_net="250.00")
    assert charge.status == "Completed" and not Refund.objects.exists()
    invariants.check_all()


def test_e12_part_cancel_by_value_then_cancel_all_with_charge(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places(5, "600.00")])
    pay(actor, inv, "600")
    first = credit_note_issue(actor=actor, invoice=inv, reason="2 places", amount=D("200"))
    assert (first.net_total, first.vat_total) == (D("166.67"), D("33.33"))
    inv = fresh(inv)
    assert (inv.status, inv.overpayment) == ("Completed", D("200.00"))
    second, inv, charge = cancel_all(actor, inv, charge_net="100.00")
    assert (second.gross_total, second.net_total, second.vat_total) == (
        D("400.00"),
        D("333.33"),
        D("66.67"),
    )
    assert (charge.gross_total, charge.status) == (D("120.00"), "Completed")
    assert Refund.objects.get().amount == D("480.00")
    assert inv.net_received == 0 and inv.credited
    invariants.check_all()


@pytest.mark.parametrize(
    "paid, refund, charge_status", [("300", "250.00", "Completed"), ("20", None, "Part Completed")]
)
def test_spec_5_and_6_cancel_all_with_charge(actor, paid, refund, charge_status):
    inv = invoice_issue(actor=actor, account=account(), lines=[course("100.00", "0", quantity=3)])
    pay(actor, inv, paid)
    note, inv, charge = cancel_all(actor, inv, charge_net="50.00", rate="0")
    assert note.gross_total == D("300.00") and charge.status == charge_status
    assert list(Refund.objects.values_list("amount", flat=True)) == ([D(refund)] if refund else [])
