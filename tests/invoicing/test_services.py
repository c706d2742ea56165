"""Every service: what it writes, and every guard refuses with a message and changes nothing."""

from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction

from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import (
    Allocation,
    Invoice,
    InvoiceLine,
    LedgerImmutableError,
    Operation,
    Payment,
    Refund,
)
from invoicing.services import (
    LineSpec,
    billing_account_for,
    charge_invoice_issue,
    credit_note_issue,
    invoice_issue,
    ledger_operation,
    payment_reallocate,
    payment_record,
    refund_issue,
    refund_state_set,
)
from invoicing.services._common import store_balances
from tests.invoicing import invariants
from tests.invoicing.factories import (
    ContactFactory,
    FamilyFactory,
    OrganisationFactory,
    account,
    gross_line,
    issue,
)

pytestmark = pytest.mark.django_db


def refuses(fn, match: str):
    """The call raises DomainError with `match` in its message and the ledger is unchanged."""
    before = invariants.snapshot()
    with pytest.raises(DomainError, match=match):
        fn()
    assert invariants.snapshot() == before
    invariants.check_all()


# --- billing accounts ---------------------------------------------------------------------------


def test_billing_account_is_one_per_party_and_keeps_the_name():
    org = OrganisationFactory(name="Acme Ltd")
    a1 = billing_account_for(organisation=org)
    assert billing_account_for(organisation=org) == a1
    assert a1.name == "Acme Ltd"
    c = billing_account_for(contact=ContactFactory(first_name="Bea", last_name="Stone"))
    f = billing_account_for(family=FamilyFactory(name="The Stones"))
    assert (c.name, f.name) == ("Bea Stone", "The Stones")
    with pytest.raises(DomainError, match="exactly one"):
        billing_account_for(organisation=org, contact=ContactFactory())
    with pytest.raises(DomainError, match="exactly one"):
        billing_account_for()


# --- invoice_issue ------------------------------------------------------------------------------


def test_issue_computes_vat_per_line_and_snapshots(actor, settings):
    settings.SELLER = {**settings.SELLER, "name": "Seller Co"}
    org = OrganisationFactory(name="Acme Ltd", billing_email="ap@acme.example")
    inv = invoice_issue(
        actor=actor,
        account=billing_account_for(organisation=org),
        lines=[
            LineSpec(description="Course A", unit_net=D("416.67"), vat_rate=D("0.2000")),
            LineSpec(description="Course A", unit_net=D("33.33"), vat_rate=D("0.2"), quantity=7),
            LineSpec(description="Book", unit_net=D("10.00"), vat_rate=D("0"), kind="other"),
        ],
        po_number=" PO-1 ",
    )
    lines = list(inv.lines.order_by("position"))
    assert [(x.net, x.vat, x.gross) for x in lines] == [
        (D("416.67"), D("83.33"), D("500.00")),
        (D("233.31"), D("46.66"), D("279.97")),
        (D("10.00"), D("0.00"), D("10.00")),
    ]
    assert (inv.net_total, inv.vat_total, inv.gross_total) == (
        D("659.98"),
        D("129.99"),
        D("789.97"),
    )
    assert inv.display_no == "INV-000001" and inv.po_number == "PO-1"
    assert inv.status == "Outstanding" and inv.outstanding == D("789.97")
    assert inv.buyer["email"] == "ap@acme.example" and inv.seller["name"] == "Seller Co"
    assert inv.bill_to_name == "Acme Ltd"
    assert AuditEvent.objects.for_object(inv).get().action == "invoice.issued"
    # the snapshot does not follow later edits of the organisation
    org.name = "Renamed"
    org.save()
    inv.refresh_from_db()
    assert inv.bill_to_name == "Acme Ltd"
    invariants.check_all()


def test_issue_uses_configured_prefixes(actor, settings):
    settings.INVOICE_NUMBER_PREFIX = "TD-"
    settings.CREDIT_NOTE_NUMBER_PREFIX = "CR/"
    inv = issue(actor)
    note = credit_note_issue(actor=actor, invoice=inv, reason="x", full=True)
    assert (inv.display_no, note.display_no) == ("TD-000001", "CR/000001")


@pytest.mark.parametrize(
    "lines, match",
    [
        ([], "at least one line"),
        ([LineSpec(description=" ", unit_net=D("1"), vat_rate=D("0"))], "description"),
        ([LineSpec(description="x", unit_net=D("1.005"), vat_rate=D("0"))], "2 decimal places"),
        ([LineSpec(description="x", unit_net=1.5, vat_rate=D("0"))], "not a float"),
        ([LineSpec(description="x", unit_net=D("1"), vat_rate=D("20"))], "VAT rate"),
        ([LineSpec(description="x", unit_net=D("1"), vat_rate=D("-0.1"))], "VAT rate"),
        ([LineSpec(description="x", unit_net=D("1"), vat_rate=D("0"), quantity=0)], "quantity"),
        ([LineSpec(description="x", unit_net=D("1"), vat_rate=D("0"), kind="bogus")], "kind"),
        ([LineSpec(description="x", unit_net=D("-1"), vat_rate=D("0"))], "negative"),
        (["not a spec"], "LineSpec"),
    ],
)
def test_issue_guards(actor, lines, match):
    acct = account()
    issue(actor, acct=acct)  # a first invoice so the sequence row exists
    refuses(lambda: invoice_issue(actor=actor, account=acct, lines=lines), match)


def test_issue_refuses_a_past_due_date_and_long_po(actor):
    acct = account()
    refuses(
        lambda: issue(actor, acct=acct, due_date=__import__("datetime").date(2000, 1, 1)),
        "due date",
    )
    refuses(lambda: issue(actor, acct=acct, po_number="x" * 101), "purchase order")


def test_discount_line_is_allowed_when_the_total_stays_positive(actor):
    inv = issue(
        actor,
        lines=[
            gross_line("500.00", "0"),
            LineSpec(
                description="Booking discount", unit_net=D("-50"), vat_rate=D("0"), kind="discount"
            ),
        ],
    )
    assert inv.gross_total == D("450.00")


# --- payments -----------------------------------------------------------------------------------


def test_payment_part_full_and_over(actor):
    inv = issue(actor)  # £100
    payment_record(actor=actor, invoice=inv, amount=D("40"), method="card", reference="R1")
    inv.refresh_from_db()
    assert (inv.status, inv.outstanding) == ("Part Completed", D("60.00"))
    payment_record(actor=actor, invoice=inv, amount="70.00", method="bank_transfer")
    inv.refresh_from_db()
    assert (inv.status, inv.outstanding, inv.overpayment, inv.overpaid) == (
        "Completed",
        D("0.00"),
        D("10.00"),
        True,
    )
    assert "overpaid by £10.00" in AuditEvent.objects.for_object(inv).first().summary
    invariants.check_all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"amount": D("0")}, "greater than zero"),
        ({"amount": D("-5")}, "greater than zero"),
        ({"amount": D("1.234")}, "2 decimal"),
        ({"amount": 12.5}, "not a float"),
        ({"amount": "abc"}, "amount such as"),
        ({"amount": D("NaN")}, "amount such as"),
        ({"amount": D("1"), "method": "bitcoin"}, "how the payment"),
        ({"amount": D("1"), "reference": "r" * 101}, "too long"),
        (
            {"amount": D("1"), "received_on": __import__("datetime").date(2999, 1, 1)},
            "future",
        ),
    ],
)
def test_payment_guards(actor, kwargs, match):
    inv = issue(actor)
    args = {"method": "card", **kwargs}
    refuses(lambda: payment_record(actor=actor, invoice=inv, **args), match)


# --- credit notes -------------------------------------------------------------------------------


def test_credit_entered_value_splits_at_line_rate(actor):
    inv = issue(actor, lines=[gross_line("833.33", "0.20")])  # £1000.00
    note = credit_note_issue(actor=actor, invoice=inv, reason="goodwill", amount=D("400.00"))
    assert (note.net_total, note.vat_total, note.gross_total) == (
        D("333.33"),
        D("66.67"),
        D("400.00"),
    )
    assert note.method == "entered" and note.display_no == "CN-000001"
    inv.refresh_from_db()
    assert (inv.status, inv.outstanding, inv.credited_total) == (
        "Outstanding",
        D("600.00"),
        D("400.00"),
    )
    invariants.check_all()


def test_credit_entered_value_over_mixed_rates_stays_within_each_line(actor):
    inv = issue(
        actor,
        lines=[
            gross_line("100.00", "0.20", description="Course"),
            gross_line("33.33", "0", description="Books"),
            gross_line("0.01", "0.05", description="Tiny"),
        ],
    )
    for amount in ("0.01", "50.00", "70.00"):
        credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D(amount))
        invariants.check_all()
    inv.refresh_from_db()
    rest = inv.gross_total - inv.credited_total
    credit_note_issue(actor=actor, invoice=inv, reason="r", amount=rest)
    inv.refresh_from_db()
    assert inv.credited and inv.status == "Completed"
    invariants.check_all()


def test_credit_full_credits_what_remains(actor):
    inv = issue(actor, lines=[gross_line("100.00", "0.20", quantity=3)])  # 360
    credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("60"))
    note = credit_note_issue(actor=actor, invoice=inv, reason="cancelled", full=True)
    assert note.gross_total == D("300.00") and note.method == "full"
    inv.refresh_from_db()
    assert inv.credited and inv.status == "Completed" and inv.outstanding == 0


def test_credit_guards(actor):
    inv = issue(actor, lines=[gross_line("100.00", "0", quantity=2)])
    other = issue(actor)
    line = inv.lines.get()
    refuses(lambda: credit_note_issue(actor=actor, invoice=inv, reason="r"), "exactly one")
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("1"), full=True),
        "exactly one",
    )
    refuses(lambda: credit_note_issue(actor=actor, invoice=inv, reason=" ", full=True), "reason")
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("200.01")),
        "cannot exceed £200.00",
    )
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("-1")),
        "greater than zero",
    )
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", line_places={line.pk: 3}),
        "Only 2 place",
    )
    refuses(
        lambda: credit_note_issue(
            actor=actor, invoice=inv, reason="r", line_places={other.lines.get().pk: 1}
        ),
        "not on invoice",
    )
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", line_places={line.pk: 0}),
        "1 or more",
    )
    credit_note_issue(actor=actor, invoice=inv, reason="r", full=True)
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", full=True),
        "already been fully credited",
    )
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("1")),
        "already been fully credited",
    )


def test_credit_by_places_when_value_already_credited_is_refused(actor):
    inv = issue(actor, lines=[gross_line("100.00", "0", quantity=2)])
    line = inv.lines.get()
    credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("199.99"))
    # one place left of two, but only 0.01 left to credit: 1 of 2 -> q(0.005)=0.01 fine
    note = credit_note_issue(actor=actor, invoice=inv, reason="r", line_places={line.pk: 1})
    assert note.gross_total == D("0.01")
    refuses(
        lambda: credit_note_issue(actor=actor, invoice=inv, reason="r", line_places={line.pk: 1}),
        "fully credited",
    )


def test_credit_of_a_paid_invoice_leaves_an_overpayment_and_moves_no_money(actor):
    inv = issue(actor)
    payment_record(actor=actor, invoice=inv, amount=D("100"), method="card")
    allocations = Allocation.objects.count()
    credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("30"))
    inv.refresh_from_db()
    assert inv.overpayment == D("30.00") and inv.status == "Completed"
    assert Allocation.objects.count() == allocations and not Refund.objects.exists()


# --- reallocation -------------------------------------------------------------------------------


def test_reallocate_moves_overpayment_oldest_payment_first(actor):
    acct = account()
    a = issue(actor, acct=acct)
    b = issue(actor, acct=acct, lines=[gross_line("80.00", "0")])
    p1 = payment_record(actor=actor, invoice=a, amount=D("60"), method="card")
    p2 = payment_record(actor=actor, invoice=a, amount=D("60"), method="card")
    credit_note_issue(actor=actor, invoice=a, reason="r", amount=D("50"))
    a.refresh_from_db()
    assert a.overpayment == D("70.00")
    rows = payment_reallocate(actor=actor, source=a, target=b, amount=D("70"), reason="use it")
    assert [(r.payment_id, r.invoice_id, r.amount) for r in rows] == [
        (p1.pk, a.pk, D("-60.00")),
        (p1.pk, b.pk, D("60.00")),
        (p2.pk, a.pk, D("-10.00")),
        (p2.pk, b.pk, D("10.00")),
    ]
    assert len({r.operation_id for r in rows}) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.overpayment, a.status) == (D("0.00"), "Completed")
    assert (b.outstanding, b.status) == (D("10.00"), "Part Completed")
    invariants.check_all()


def test_reallocate_guards(actor):
    acct = account()
    a = issue(actor, acct=acct)
    b = issue(actor, acct=acct, lines=[gross_line("20.00", "0")])
    stranger = issue(actor)
    payment_record(actor=actor, invoice=a, amount=D("130"), method="card")
    refuses(
        lambda: payment_reallocate(actor=actor, source=a, target=b, amount=D("30.01")),
        "Only £30.00 is overpaid",
    )
    refuses(
        lambda: payment_reallocate(actor=actor, source=a, target=b, amount=D("25")),
        "Only £20.00 is outstanding",
    )
    refuses(
        lambda: payment_reallocate(actor=actor, source=a, target=a, amount=D("1")),
        "different invoice",
    )
    refuses(
        lambda: payment_reallocate(actor=actor, source=a, target=stranger, amount=D("1")),
        "same customer",
    )
    refuses(
        lambda: payment_reallocate(actor=actor, source=a, target=b, amount=D("0")),
        "greater than zero",
    )


# --- refunds ------------------------------------------------------------------------------------


def test_refund_takes_only_the_overpayment_newest_payment_first(actor):
    inv = issue(actor)
    p1 = payment_record(actor=actor, invoice=inv, amount=D("80"), method="card")
    p2 = payment_record(actor=actor, invoice=inv, amount=D("50"), method="card")
    refuses(
        lambda: refund_issue(actor=actor, invoice=inv, amount=D("30.01"), reason="r"),
        "cannot exceed the overpayment of £30.00",
    )
    refund = refund_issue(actor=actor, invoice=inv, amount=D("30"), reason="overpaid")
    assert (refund.payment_id, refund.amount, refund.state) == (p2.pk, D("30.00"), "completed")
    inv.refresh_from_db()
    assert (inv.overpayment, inv.outstanding, inv.status) == (D("0.00"), D("0.00"), "Completed")
    refuses(
        lambda: refund_issue(actor=actor, invoice=inv, amount=D("0.01"), reason="r"),
        "no overpayment",
    )
    assert p1.refunds.count() == 0
    invariants.check_all()


def test_refund_split_across_payments_and_named_payment(actor):
    inv = issue(actor)
    p1 = payment_record(actor=actor, invoice=inv, amount=D("100"), method="card")
    p2 = payment_record(actor=actor, invoice=inv, amount=D("20"), method="card")
    credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("50"))
    refuses(
        lambda: refund_issue(actor=actor, invoice=inv, amount=D("21"), reason="r", payment=p2),
        "holds only £20.00",
    )
    refund_issue(actor=actor, invoice=inv, amount=D("30"), reason="r")  # 20 from p2, 10 from p1
    assert sorted(Refund.objects.values_list("payment_id", "amount")) == sorted(
        [(p2.pk, D("20.00")), (p1.pk, D("10.00"))]
    )
    refund_issue(actor=actor, invoice=inv, amount=D("40"), reason="r", payment=p1)
    inv.refresh_from_db()
    assert inv.overpayment == 0 and inv.outstanding == 0
    invariants.check_all()


def test_refund_guards(actor):
    inv = issue(actor)
    payment_record(actor=actor, invoice=inv, amount=D("150"), method="card")
    refuses(lambda: refund_issue(actor=actor, invoice=inv, amount=D("5"), reason=""), "reason")
    refuses(lambda: refund_issue(actor=actor, invoice=inv, amount=D("-5"), reason="r"), "greater")


def test_refund_state_only_pending_moves(actor):
    inv = issue(actor)
    payment_record(actor=actor, invoice=inv, amount=D("150"), method="card")
    refund = refund_issue(actor=actor, invoice=inv, amount=D("50"), reason="r")
    refuses(
        lambda: refund_state_set(actor=actor, refund=refund, state="failed"),
        "completed refund cannot be marked failed",
    )


def test_failed_pending_refund_gives_the_overpayment_back(actor):
    inv = issue(actor)
    payment = payment_record(actor=actor, invoice=inv, amount=D("150"), method="card")
    with ledger_operation(kind=Operation.Kind.REFUND, actor=actor) as op:
        refund = Refund(
            payment=payment,
            invoice=inv,
            operation=op,
            amount=D("50"),
            reason="card",
            state="pending",
        )
        refund.save()
        store_balances(inv)
    inv.refresh_from_db()
    assert inv.overpayment == 0
    refund_state_set(actor=actor, refund=refund, state="failed", reason="card declined")
    inv.refresh_from_db()
    assert inv.overpayment == D("50.00")
    invariants.check_all()


# --- charge invoices ----------------------------------------------------------------------------


def test_charge_paid_from_the_original_overpayment(actor):
    inv = issue(actor, lines=[gross_line("100.00", "0", quantity=3)])
    payment_record(actor=actor, invoice=inv, amount=D("300"), method="card")
    credit_note_issue(actor=actor, invoice=inv, reason="cancel all", full=True)
    charge = charge_invoice_issue(
        actor=actor,
        original=inv,
        amount_net=D("50"),
        vat_rate=D("0"),
        description="Cancellation charge",
        reason="late cancellation",
    )
    assert charge.kind == "charge" and charge.charge_for_id == inv.pk
    assert charge.lines.get().kind == "cancellation_charge"
    assert (charge.status, charge.outstanding) == ("Completed", D("0.00"))
    inv.refresh_from_db()
    assert inv.overpayment == D("250.00")
    invariants.check_all()


def test_charge_without_paying_from_original_is_outstanding(actor):
    inv = issue(actor)
    payment_record(actor=actor, invoice=inv, amount=D("100"), method="card")
    credit_note_issue(actor=actor, invoice=inv, reason="r", full=True)
    charge = charge_invoice_issue(
        actor=actor,
        original=inv,
        amount_net=D("10"),
        vat_rate=D("0.2"),
        description="Charge",
        reason="r",
        pay_from_original=False,
    )
    assert (charge.status, charge.outstanding) == ("Outstanding", D("12.00"))


def test_charge_guards(actor):
    inv = issue(actor)
    kw = {"original": inv, "vat_rate": D("0"), "description": "Charge"}
    refuses(
        lambda: charge_invoice_issue(actor=actor, amount_net=D("0"), reason="r", **kw), "greater"
    )
    refuses(lambda: charge_invoice_issue(actor=actor, amount_net=D("5"), reason="", **kw), "reason")


# --- composite operations -----------------------------------------------------------------------


def test_ledger_operation_groups_rows_and_rolls_back_together(actor):
    acct = account()
    old = issue(actor, acct=acct)
    payment_record(actor=actor, invoice=old, amount=D("50"), method="card")
    before = invariants.snapshot()
    with pytest.raises(DomainError), ledger_operation(kind="transfer", actor=actor) as op:
        credit_note_issue(actor=actor, invoice=old, reason="transfer", full=True)
        new = issue(actor, acct=acct, lines=[gross_line("40.00", "0")])
        payment_reallocate(actor=actor, source=old, target=new, amount=D("41"))  # too much
    assert invariants.snapshot() == before
    with ledger_operation(kind="transfer", actor=actor, reason="to course B") as op:
        note = credit_note_issue(actor=actor, invoice=old, reason="transfer", full=True)
        new = invoice_issue(
            actor=actor, account=acct, lines=[gross_line("40.00", "0")], kind="transfer",
            supersedes=old,
        )  # fmt: skip
        payment_reallocate(actor=actor, source=old, target=new, amount=D("40"))
    assert note.operation_id == new.operation_id == op.pk
    assert Operation.objects.filter(pk__gt=op.pk).count() == 0
    invariants.check_all()


# --- immutability -------------------------------------------------------------------------------


def test_model_layer_refuses_changes_and_deletes(actor):
    inv = issue(actor)
    payment = payment_record(actor=actor, invoice=inv, amount=D("10"), method="card")
    inv.refresh_from_db()
    inv.po_number = "changed"
    with pytest.raises(LedgerImmutableError):
        inv.save()
    with pytest.raises(LedgerImmutableError):
        inv.delete()
    with pytest.raises(LedgerImmutableError):
        Invoice.objects.filter(pk=inv.pk).update(gross_total=D("1"))
    with pytest.raises(LedgerImmutableError):
        Invoice.objects.all().delete()
    with pytest.raises(LedgerImmutableError):
        payment.save()
    with pytest.raises(LedgerImmutableError):
        Payment.objects.update(amount=D("1"))
    with pytest.raises(LedgerImmutableError):
        Allocation.objects.all().delete()
    line = InvoiceLine.objects.get()
    with pytest.raises(LedgerImmutableError):
        line.delete()


def test_database_triggers_refuse_changes(actor, needs_postgres):
    inv = issue(actor)
    payment_record(actor=actor, invoice=inv, amount=D("110"), method="card")
    credit_note_issue(actor=actor, invoice=inv, reason="r", amount=D("5"))
    refund_issue(actor=actor, invoice=inv, amount=D("15"), reason="r")
    statements = [
        "UPDATE invoicing_invoice SET gross_total = 1",
        "UPDATE invoicing_invoice SET po_number = 'x'",
        "DELETE FROM invoicing_invoice",
        "UPDATE invoicing_invoiceline SET net = 1",
        "UPDATE invoicing_creditnote SET gross_total = 1",
        "DELETE FROM invoicing_creditnoteline",
        "UPDATE invoicing_payment SET amount = 1",
        "DELETE FROM invoicing_allocation",
        "UPDATE invoicing_refund SET amount = 1",
        "UPDATE invoicing_refund SET state = 'failed'",  # completed -> failed is not allowed
        "DELETE FROM invoicing_refund",
    ]
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    # the whitelisted update: cached balances
    with connection.cursor() as c:
        c.execute("UPDATE invoicing_invoice SET status = status")
