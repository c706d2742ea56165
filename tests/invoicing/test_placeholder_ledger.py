"""The ledger side of placeholders: a credit note for a value entered for some places records
those places; cancel all pays a charge from several invoices of the placeholder."""

from decimal import Decimal as D

import pytest

from bookings import services
from core.errors import DomainError
from invoicing.models import Allocation, CreditNote, Invoice, Operation, Refund
from invoicing.selectors import remaining_by_line
from invoicing.services import (
    LineSpec,
    credit_note_issue,
    invoice_issue,
    payment_record,
    placeholder_cancel_all,
    placeholder_places_credit,
)
from tests.bookings.factories import CourseFactory, ScheduleFactory, organisation_with_members
from tests.invoicing import invariants
from tests.invoicing.factories import account

pytestmark = pytest.mark.django_db


def places_line(n: int, unit: str, rate: str = "0.2000") -> LineSpec:
    return LineSpec(
        description=f"{n} places", unit_net=D(unit), vat_rate=D(rate), quantity=n, kind="places"
    )


def test_entered_value_for_places_records_them(actor):
    inv = invoice_issue(actor=actor, account=account(), lines=[places_line(5, "100.00")])
    line = inv.lines.get()
    note = credit_note_issue(
        actor=actor, invoice=inv, reason="r", amount=D("200.00"), line_places={line.pk: 2}
    )
    assert (note.method, note.places_cancelled, note.gross_total) == ("entered", 2, D("200.00"))
    assert (note.net_total, note.vat_total) == (D("166.67"), D("33.33"))
    left = remaining_by_line(inv)[line.pk]
    assert (left.places, left.gross) == (3, D("400.00"))
    with pytest.raises(DomainError, match="Only 3 place"):
        credit_note_issue(
            actor=actor, invoice=inv, reason="r", amount=D("1.00"), line_places={line.pk: 4}
        )
    with pytest.raises(DomainError, match="cannot exceed £400.00"):
        credit_note_issue(
            actor=actor, invoice=inv, reason="r", amount=D("400.01"), line_places={line.pk: 1}
        )
    with pytest.raises(DomainError, match="exactly one"):
        credit_note_issue(actor=actor, invoice=inv, reason="r", full=True, line_places={line.pk: 1})
    invariants.check_all()


def _placeholder_invoiced_twice(actor):
    org, _ = organisation_with_members(1)
    schedule = ScheduleFactory(
        course=CourseFactory(default_price=D("100.00"), vat_rate=D("0")), capacity=20
    )
    booking = services.placeholder_buy(actor=actor, schedule=schedule, organisation=org, places=3)
    first = Invoice.objects.get(booking=booking)
    # places added later on a second invoice of the same placeholder (LEDGER A7)
    second = invoice_issue(
        actor=actor, account=first.account, lines=[places_line(2, "100.00", "0")], booking=booking
    )
    return booking, first, second


def test_part_credit_takes_the_newest_invoice_first(actor):
    booking, first, second = _placeholder_invoiced_twice(actor)
    with pytest.raises(DomainError, match="more than one invoice"):
        placeholder_places_credit(
            actor=actor,
            account=first.account,
            booking_id=booking.pk,
            places=3,
            reason="r",
            value=D("10.00"),
        )
    notes = placeholder_places_credit(
        actor=actor, account=first.account, booking_id=booking.pk, places=3, reason="r"
    )
    assert [(n.invoice_id, n.gross_total, n.places_cancelled) for n in notes] == [
        (second.pk, D("200.00"), 2),
        (first.pk, D("100.00"), 1),
    ]
    assert Operation.objects.filter(kind="placeholder_part_cancel").count() == 1
    with pytest.raises(DomainError, match="Only 2 of these places remain"):
        placeholder_places_credit(
            actor=actor, account=first.account, booking_id=booking.pk, places=3, reason="r"
        )


def test_charge_paid_from_several_invoices_of_the_placeholder(actor):
    booking, first, second = _placeholder_invoiced_twice(actor)
    p1 = payment_record(actor=actor, invoice=first, amount=D("30.00"), method="card")
    p2 = payment_record(actor=actor, invoice=second, amount=D("50.00"), method="card")
    charge = LineSpec(
        description="Cancellation charge", unit_net=D("60.00"), vat_rate=D("0"),
        kind="cancellation_charge",
    )  # fmt: skip
    out = placeholder_cancel_all(
        actor=actor, account=first.account, booking=booking, reason="r", charge=charge
    )
    assert len(out.credit_notes) == 2 and CreditNote.objects.count() == 2
    inv = Invoice.objects.get(pk=out.charge_invoice.pk)
    assert (inv.gross_total, inv.status, inv.charge_for_id) == (D("60.00"), "Completed", second.pk)
    moved = {a.payment_id: a.amount for a in Allocation.objects.filter(invoice=inv)}
    assert moved == {p1.pk: D("30.00"), p2.pk: D("30.00")}  # oldest invoice first
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.invoice_id, refund.payment_id) == (D("20.00"), second.pk, p2.pk)
    assert out.refunded == D("20.00")
    assert Operation.objects.filter(kind="placeholder_full_cancel").count() == 1
    invariants.check_all()
