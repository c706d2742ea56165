"""core.preview: the real service run inside a rolled-back transaction, its plan, the
fingerprint, and the hooks that cost nothing outside a preview or confirm."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import preview
from core.errors import DomainError
from core.preview import Plan, preview_run
from invoicing.services import (
    credit_note_issue,
    invoice_email_send,
    invoice_issue,
    payment_reallocate,
    payment_record,
)
from invoicing.services._common import _preview_note_before, _preview_note_operation
from tests.actions import ledger_counts
from tests.invoicing.factories import account, gross_line, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def inv(finance_user):
    return issue(finance_user, lines=[gross_line("100.00", "0.20", quantity=2)])  # £240


def test_preview_writes_nothing_and_describes_everything(finance_user, inv):
    before = ledger_counts()
    outcome = preview_run(
        lambda: payment_record(
            actor=finance_user, invoice=inv, amount=D("250.00"), method="card", reference="R1"
        ),
        fingerprint=None,
    )
    assert ledger_counts() == before
    assert not outcome.committed and not outcome.stale and outcome.result is None
    plan = outcome.plan
    assert [(p.amount, p.reference, p.method) for p in plan.payments] == [
        (D("250.00"), "R1", "Card")
    ]
    [allocation] = plan.allocations
    assert (allocation.from_invoice, allocation.to_invoice, allocation.amount) == (
        "",
        inv.display_no,
        D("250.00"),
    )
    [change] = plan.balances
    assert change.invoice == inv.display_no and not change.provisional
    assert (change.before.outstanding, change.before.status) == (D("240.00"), "Outstanding")
    assert (change.after.outstanding, change.after.overpayment, change.after.status) == (
        D("0.00"),
        D("10.00"),
        "Completed",
    )
    [entry] = plan.history
    assert entry.about == f"Invoice {inv.display_no}" and "overpaid by £10.00" in entry.summary
    assert plan.documents == [] and plan.refunds == [] and plan.emails == []


def test_confirm_with_the_same_fingerprint_commits_what_was_shown(finance_user, inv):
    def run():
        return credit_note_issue(actor=finance_user, invoice=inv, reason="r", amount=D("60"))

    shown = preview_run(run, fingerprint=None).plan
    [doc] = shown.documents
    assert (doc.number, doc.provisional, doc.gross_total) == ("CN-000001", True, D("60.00"))
    assert [(line.net, line.vat, line.gross) for line in doc.lines] == [
        (D("50.00"), D("10.00"), D("60.00"))
    ]
    done = preview_run(run, fingerprint=shown.fingerprint)
    assert done.committed and not done.stale
    assert done.result.display_no == "CN-000001" and done.result.gross_total == D("60.00")
    assert done.plan == shown  # same code, same outcome: even the provisional number held
    inv.refresh_from_db()
    assert inv.credited_total == D("60.00")


def test_confirm_refuses_a_changed_outcome_and_returns_the_new_plan(finance_user, inv):
    def run():
        return payment_record(actor=finance_user, invoice=inv, amount=D("100"), method="card")

    shown = preview_run(run, fingerprint=None).plan
    payment_record(actor=finance_user, invoice=inv, amount=D("200"), method="cash")
    before = ledger_counts()
    outcome = preview_run(run, fingerprint=shown.fingerprint)
    assert outcome.stale and not outcome.committed and outcome.result is None
    assert ledger_counts() == before
    assert outcome.plan.balances[0].before.outstanding == D("40.00")  # the new situation
    assert outcome.plan.fingerprint != shown.fingerprint
    assert preview_run(run, fingerprint=outcome.plan.fingerprint).committed


def test_provisional_numbers_do_not_make_a_confirm_stale(finance_user):
    acct = account()

    def run():
        return invoice_issue(actor=finance_user, account=acct, lines=[gross_line("10.00")])

    shown = preview_run(run, fingerprint=None).plan
    assert shown.documents[0].number == "INV-000001"
    issue(finance_user)  # someone else takes INV-000001 meanwhile
    done = preview_run(run, fingerprint=shown.fingerprint)
    assert done.committed and done.result.display_no == "INV-000002"
    assert done.plan.documents[0].number == "INV-000002"


def test_a_domain_error_propagates_and_nothing_is_written(finance_user, inv):
    before = ledger_counts()
    with pytest.raises(DomainError, match="cannot exceed"):
        preview_run(
            lambda: credit_note_issue(actor=finance_user, invoice=inv, reason="r", amount=D("999")),
            fingerprint="x",
        )
    assert ledger_counts() == before and preview.active() is None


def test_every_operation_of_a_run_is_collected(finance_user):
    acct = account()
    a = issue(finance_user, acct=acct)
    b = issue(finance_user, acct=acct)

    def several():  # three services, three Operations, one user action
        payment_record(actor=finance_user, invoice=a, amount=D("150"), method="card")
        payment_reallocate(actor=finance_user, source=a, target=b, amount=D("30"))
        return credit_note_issue(actor=finance_user, invoice=b, reason="r", full=True)

    plan = preview_run(several, fingerprint=None).plan
    assert [d.number for d in plan.documents] == ["CN-000001"]
    assert [(x.from_invoice, x.to_invoice, x.amount) for x in plan.allocations] == [
        ("", a.display_no, D("150.00")),
        (a.display_no, b.display_no, D("30.00")),
    ]
    after = {c.invoice: (c.before.outstanding, c.after.outstanding, c.after.overpayment)
             for c in plan.balances}  # fmt: skip
    assert after == {
        a.display_no: (D("100.00"), D("0.00"), D("20.00")),
        b.display_no: (D("100.00"), D("0.00"), D("30.00")),
    }
    assert len(plan.history) == 4


def test_emails_are_described_and_never_sent_by_a_preview(
    finance_user, inv, django_capture_on_commit_callbacks
):
    def run():
        return invoice_email_send(actor=finance_user, invoice=inv, to="ap@acme.example")

    with django_capture_on_commit_callbacks() as callbacks:
        plan = preview_run(run, fingerprint=None).plan
    assert callbacks == []  # the send was dropped with the rollback
    [email] = plan.emails
    assert email.to == ["ap@acme.example"] and email.subject
    with django_capture_on_commit_callbacks() as callbacks:
        assert preview_run(run, fingerprint=plan.fingerprint).committed
    assert len(callbacks) == 1


def test_hooks_cost_nothing_outside_a_capture(inv):
    """The booking path's query count is optimised: outside a preview or confirm every hook
    returns at once, without SQL."""
    assert preview.active() is None
    with CaptureQueriesContext(connection) as queries:
        preview.note_history(target=inv, summary="s", reason="")
        preview.note_email(to=["a@b.example"], subject="s")
        _preview_note_before(inv)
        _preview_note_operation(inv.operation)
    assert len(queries) == 0


def test_fingerprint_ignores_provisional_numbers_only():
    def plan(payment: str, amount: str) -> Plan:
        p = Plan(
            history=[preview.HistoryEntry(about="Invoice INV-000007", summary=payment, reason="")]
        )
        p.mark_provisional(payment.split()[1], "payment")
        p.payments.append(
            preview.MoneyIn(
                number=payment.split()[1],
                received_on=datetime.date(2025, 1, 1),
                method="Card",
                reference="",
                amount=D(amount),
            )
        )
        return p

    a, b = plan("Payment PAY-12 of £5", "5.00"), plan("Payment PAY-123 of £5", "5.00")
    assert a.fingerprint == b.fingerprint  # only the provisional id differs
    assert "new payment 1" in a.canonical() and "PAY-12" not in a.canonical()
    assert a.fingerprint != plan("Payment PAY-12 of £5", "5.01").fingerprint
    c = plan("Payment PAY-12 of £5", "5.00")
    c.history[0].summary += " (PAY-123 untouched)"  # a non-provisional number is kept whole
    assert "PAY-123 untouched" in c.canonical()
