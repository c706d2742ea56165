"""SPEC section 3 money rules at the services: what is refused (with a DomainError and nothing
written) when money enters the ledger, and the limits that keep every cached sum in its column."""

from decimal import Decimal as D

import pytest

from core.errors import DomainError
from core.money import MAX_AMOUNT
from invoicing.models import Invoice, Payment
from invoicing.services import (
    LineSpec,
    _common,
    charge_invoice_issue,
    credit_note_issue,
    invoice_issue,
    payment_reallocate,
    payment_record,
    refund_issue,
)
from tests.invoicing import invariants
from tests.invoicing.factories import account, gross_line, issue
from tests.invoicing.test_services import refuses

pytestmark = pytest.mark.django_db


def line(net="100.00", **kw) -> LineSpec:
    return LineSpec(**{"description": "Course", "unit_net": D(net), "vat_rate": D("0"), **kw})


# --- invoice lines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, match",
    [
        ([line(), line("-10.00", kind="other")], "Line 2: only a discount line can be negative"),
        ([line(), line("-10.00", kind="transfer_fee")], "only a discount line"),
        ([line(), line("-10.00", kind="cancellation_charge")], "only a discount line"),
        ([line(line_gross=D("-120.00"), kind="places", quantity=3)], "only a discount line"),
        ([line(line_gross=D("120.00"), unit_net=D("-1"), kind="places")], "only a discount"),
    ],
)
def test_only_discount_lines_may_be_negative(actor, lines, match):
    acct = account()
    issue(actor, acct=acct)
    refuses(lambda: invoice_issue(actor=actor, account=acct, lines=lines), match)


def test_a_discount_line_may_be_negative(actor):
    inv = issue(actor, lines=[line("500.00"), line("-50.00", kind="discount")])
    assert inv.gross_total == D("450.00")


def test_an_invoice_totalling_zero_needs_allow_zero(actor):
    acct = account()
    free = [line("0.00", description="Free taster")]
    refuses(lambda: invoice_issue(actor=actor, account=acct, lines=free), "cannot be zero")
    discounted = [line("50.00"), line("-50.00", kind="discount")]
    refuses(lambda: invoice_issue(actor=actor, account=acct, lines=discounted), "cannot be zero")
    inv = invoice_issue(actor=actor, account=acct, lines=free, allow_zero=True)
    assert (inv.display_no, inv.gross_total, inv.status) == ("INV-000001", D("0.00"), "Completed")
    invariants.check_all()


@pytest.mark.parametrize(
    "spec, match",
    [
        (line(unit_net=True), "the unit price must be an amount"),
        (line(unit_net="abc"), "the unit price must be an amount"),
        (line(unit_net=D("sNaN")), "the unit price must be an amount"),
        (line(vat_rate=False), "VAT rate"),
        (line(vat_rate=0.2), "VAT rate"),
        (line(vat_rate="x"), "VAT rate"),
        (line(quantity=True), "quantity"),
        (line(quantity=2.0), "quantity"),
        (line(quantity=100_001), "from 1 to 100,000"),
        (line(line_gross=1000.0, kind="places"), "the package price must be an exact amount"),
        (line(line_gross=D("99.999"), kind="places"), "package price must have at most 2"),
        (line(line_gross="abc", kind="places"), "the package price must be an amount"),
        (line(line_gross=True, kind="places"), "the package price must be an amount"),
    ],
)
def test_line_amounts_must_be_exact(actor, spec, match):
    acct = account()
    issue(actor, acct=acct)
    refuses(lambda: invoice_issue(actor=actor, account=acct, lines=[spec]), match)


@pytest.mark.parametrize(
    "lines, match",
    [
        ([line("1000000.01")], "Line 1: the unit price cannot exceed £1,000,000.00"),
        ([line(D("-1000000.01"), kind="discount")], "cannot exceed £1,000,000.00"),
        ([line(line_gross=D("1000000.01"), kind="places")], "package price cannot exceed"),
        ([line("833333.34", vat_rate=D("0.2"))], "Line 1: the line total cannot exceed"),
        ([line("10000.00", quantity=101)], "Line 1: the line total cannot exceed"),
        ([line("600000.00"), line("400000.01")], "An invoice total cannot exceed £1,000,000.00"),
        (
            # a VAT credit on a discount keeps the gross under the limit, not the net
            [
                line("600000.00"),
                line("600000.00"),
                line("-180000.00", kind="discount", vat_rate=D("0.2")),
            ],
            "An invoice total cannot exceed",
        ),
        ([line("1E+30")], "cannot exceed £1,000,000.00"),
    ],
)
def test_no_amount_or_total_above_a_million(actor, lines, match):
    acct = account()
    issue(actor, acct=acct)
    refuses(lambda: invoice_issue(actor=actor, account=acct, lines=lines), match)


def test_a_million_exactly_is_allowed(actor):
    inv = issue(actor, lines=[line("600000.00"), line("400000.00")])
    package = issue(actor, lines=[line(line_gross=MAX_AMOUNT, kind="places", quantity=7)])
    assert inv.gross_total == package.gross_total == MAX_AMOUNT
    invariants.check_all()


# --- money moving -------------------------------------------------------------------------------


@pytest.fixture
def paid(actor):
    """A £100.00 invoice paid £150.00 (overpaid by 50) and another of the customer's owing 100."""
    acct = account()
    inv = issue(actor, acct=acct)
    other = issue(actor, acct=acct)
    payment_record(actor=actor, invoice=inv, amount=D("150.00"), method="card")
    return Invoice.objects.get(pk=inv.pk), other


BAD_AMOUNTS = [
    (1.5, "not a float"),
    (True, "amount such as"),
    (D("0.001"), "2 decimal places"),
    ("10.005", "2 decimal places"),
    (D("1000000.01"), "cannot exceed £1,000,000.00"),
    (D("1E+30"), "cannot exceed £1,000,000.00"),
    (D("Infinity"), "amount such as"),
]


@pytest.mark.parametrize("amount, match", BAD_AMOUNTS)
def test_every_amount_entering_the_ledger_is_exact_and_bounded(actor, paid, amount, match):
    inv, other = paid
    calls = [
        lambda: payment_record(actor=actor, invoice=inv, amount=amount, method="card"),
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", amount=amount),
        lambda: refund_issue(actor=actor, invoice=inv, amount=amount, reason="r"),
        lambda: payment_reallocate(actor=actor, source=inv, target=other, amount=amount),
        lambda: charge_invoice_issue(
            actor=actor,
            original=inv,
            amount_net=amount,
            vat_rate=D("0"),
            description="Charge",
            reason="r",
        ),
    ]
    for call in calls:
        refuses(call, match)


def test_a_charge_above_a_million_with_vat_is_refused(actor, paid):
    inv, _ = paid
    refuses(
        lambda: charge_invoice_issue(
            actor=actor,
            original=inv,
            amount_net=D("900000.00"),
            vat_rate=D("0.2"),
            description="Charge",
            reason="r",
        ),
        "line total cannot exceed £1,000,000.00",
    )


# --- the overpayment limit and the cached columns -----------------------------------------------


def test_a_second_million_on_a_ten_pound_invoice_is_refused(actor, needs_postgres):
    """Before the limit, the second payment overflowed paid_total's column (a 500 on
    PostgreSQL) once payments could be this large; now the rule refuses it first."""
    inv = issue(actor, lines=[line("10.00")])
    payment_record(actor=actor, invoice=inv, amount=MAX_AMOUNT, method="bank_transfer")
    inv.refresh_from_db()
    assert inv.overpayment == D("999990.00")
    refuses(
        lambda: payment_record(actor=actor, invoice=inv, amount=MAX_AMOUNT, method="card"),
        "would leave £1,999,990.00 overpaid on INV-000001; an invoice may hold at most "
        "£1,000,000.00 more than it is due, so record at most £10.00 here",
    )
    assert Payment.objects.count() == 1
    payment_record(actor=actor, invoice=inv, amount=D("10.00"), method="card")  # the limit itself
    refuses(
        lambda: payment_record(actor=actor, invoice=inv, amount=D("0.01"), method="card"),
        "it can take no more money: record the payment on another invoice",
    )
    inv.refresh_from_db()
    assert inv.overpayment == MAX_AMOUNT


def test_the_old_overflowing_payment_is_refused_on_postgres(actor, needs_postgres):
    inv = issue(actor)
    refuses(
        lambda: payment_record(actor=actor, invoice=inv, amount=D("9999999999.99"), method="card"),
        "cannot exceed £1,000,000.00",
    )


def test_credits_may_still_raise_the_overpayment_past_the_limit(actor):
    # The limit is on taking money: crediting a paid invoice is always allowed.
    inv = issue(actor, lines=[line("1000000.00")])
    payment_record(actor=actor, invoice=inv, amount=MAX_AMOUNT, method="card")
    payment_record(actor=actor, invoice=inv, amount=MAX_AMOUNT, method="card")
    credit_note_issue(actor=actor, invoice=inv, reason="cancelled", full=True)
    inv.refresh_from_db()
    assert inv.overpayment == D("2000000.00")
    refuses(
        lambda: payment_record(actor=actor, invoice=inv, amount=D("0.01"), method="card"),
        "would leave £2,000,000.01 overpaid on INV-000001; an invoice may hold at most "
        "£1,000,000.00 more than it is due, so it can take no more money",
    )
    invariants.check_all()


def test_a_cached_sum_past_its_column_is_refused_not_a_500(actor, monkeypatch):
    """Payments and refunds in turn make paid_total grow without limit; past the column's
    capacity the ledger refuses. The capacity is lowered here so three rounds reach it."""
    monkeypatch.setattr(_common, "BALANCE_LIMIT", D("2500000.00"))
    inv = issue(actor, lines=[line("10.00")])
    for _ in range(2):
        payment_record(actor=actor, invoice=inv, amount=MAX_AMOUNT, method="card")
        inv.refresh_from_db()
        refund_issue(actor=actor, invoice=inv, amount=inv.overpayment, reason="back")
    refuses(
        lambda: payment_record(actor=actor, invoice=inv, amount=MAX_AMOUNT, method="card"),
        "its paid total would exceed what the ledger can hold",
    )


def test_the_balance_limit_is_the_column_capacity():
    field = Invoice._meta.get_field("paid_total")
    assert D(10) ** (field.max_digits - field.decimal_places) - D("0.01") == _common.BALANCE_LIMIT
    for name in ("credited_total", "refunded_total", "outstanding", "overpayment"):
        other = Invoice._meta.get_field(name)
        assert (other.max_digits, other.decimal_places) == (field.max_digits, field.decimal_places)


def test_limits_refuse_inside_a_wider_operation_without_leaving_anything(actor):
    from invoicing.services import ledger_operation

    acct = account()
    old = issue(actor, acct=acct, lines=[gross_line("100.00", "0")])
    before = invariants.snapshot()
    with pytest.raises(DomainError), ledger_operation(kind="transfer", actor=actor):
        credit_note_issue(actor=actor, invoice=old, reason="transfer", full=True)
        invoice_issue(actor=actor, account=acct, lines=[line("0.00")])  # zero: refused
    assert invariants.snapshot() == before
