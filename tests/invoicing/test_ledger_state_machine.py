"""Property-based test: random sequences of ledger operations, LEDGER section 3 invariants
checked after every step (tests/invoicing/invariants.py), plus the expected effect of each
operation predicted from the balances before it. A refused operation must change nothing.

Each example runs inside a savepoint that is rolled back at teardown, so numbering starts at 1
for every example. Run on PostgreSQL in CI (`needs_postgres` is not required: SQLite runs it too).
"""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from core.errors import DomainError
from core.money import MAX_AMOUNT, q
from invoicing.models import Invoice, InvoiceLine, Refund
from invoicing.selectors import remaining_by_line
from invoicing.services import (
    LineSpec,
    charge_invoice_issue,
    credit_note_issue,
    invoice_issue,
    payment_reallocate,
    payment_record,
    refund_issue,
)
from tests.invoicing import invariants
from tests.invoicing.factories import account

amounts = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
rates = st.sampled_from([D("0"), D("0.05"), D("0.2")])
picks = st.integers(min_value=0, max_value=10_000)
# Amounts at the edge of a guard: None = the random amount, else the limit plus this delta.
edges = st.sampled_from([None, None, D("-0.01"), D("0"), D("0.01")])


def near(limit: D, delta, amount: D) -> D:
    if delta is None or limit + delta <= 0:
        return amount
    return limit + delta


line_specs = st.lists(
    st.one_of(
        st.builds(
            lambda net, rate, qty: LineSpec(
                description="Course", unit_net=net, vat_rate=rate, quantity=qty
            ),
            amounts,
            rates,
            st.integers(1, 40),
        ),
        st.builds(
            lambda gross, rate, qty: LineSpec(
                description="Places",
                unit_net=D("0"),
                vat_rate=rate,
                quantity=qty,
                kind="places",
                line_gross=gross,
            ),
            amounts,
            rates,
            st.integers(1, 40),
        ),
    ),
    min_size=1,
    max_size=3,
)


def _line(net="100.00", **kw) -> LineSpec:
    return LineSpec(**{"description": "Course", "unit_net": D(net), "vat_rate": D("0.2"), **kw})


# Lines every invoice_issue must refuse, whatever else is on the ledger.
refused_lines = st.sampled_from(
    [
        [_line("-0.01")],  # negative, not a discount
        [_line(), _line("-10.00", kind="other")],  # negative "other" line on a positive invoice
        [_line(line_gross=D("-12.00"), kind="places")],
        [_line("0.00")],  # totals zero, allow_zero not given
        [_line("50.00", vat_rate=D("0")), _line("-50.00", vat_rate=D("0"), kind="discount")],
        [_line("1.005")],  # 3 decimals
        [_line(line_gross=D("99.999"), kind="places", quantity=3)],
        [LineSpec(description="Course", unit_net=12.5, vat_rate=D("0"))],  # float
        [_line(vat_rate=0.2)],
        [LineSpec(description="Course", unit_net=True, vat_rate=D("0"))],  # bool
        [_line(quantity=True)],
        [_line(vat_rate=False)],
        [_line("1000000.01", vat_rate=D("0"))],  # above MAX_AMOUNT
        [_line("833333.34")],  # the line's gross is 1,000,000.01
        [_line("600000.00", vat_rate=D("0")), _line("400000.01", vat_rate=D("0"))],  # total
        [_line("12.00", quantity=99_999)],  # 1,199,988.00 on one line
    ]
)


class LedgerMachine(RuleBasedStateMachine):
    actor = None

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.accounts = [account(), account()]
        self.invoices: list[int] = []
        self.previous = invariants.snapshot()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------------
    def _inv(self, pick: int) -> Invoice:
        return Invoice.objects.get(pk=self.invoices[pick % len(self.invoices)])

    def _attempt(self, expect_ok: bool, fn):
        """Run one operation; a refusal must be predicted and must change nothing."""
        before = invariants.snapshot()
        try:
            result = fn()
        except DomainError as exc:
            assert not expect_ok, f"refused unexpectedly: {exc}"
            assert invariants.snapshot() == before
            return None
        assert expect_ok, "accepted an operation that should have been refused"
        return result

    @property
    def _have(self) -> bool:
        return bool(self.invoices)

    # --- rules ----------------------------------------------------------------------------------
    @initialize(lines=line_specs)
    def first_invoice(self, lines):
        self.issue(0, lines)

    @rule(acct=st.integers(0, 1), lines=line_specs)
    def issue(self, acct, lines):
        inv = invoice_issue(actor=self.actor, account=self.accounts[acct], lines=lines)
        self.invoices.append(inv.pk)
        assert inv.number == len(self.invoices)  # gapless: rejected ops consumed nothing

    @rule(acct=st.integers(0, 1), lines=refused_lines)
    def issue_refused(self, acct, lines):
        self._attempt(
            False,
            lambda: invoice_issue(actor=self.actor, account=self.accounts[acct], lines=lines),
        )

    @rule(acct=st.integers(0, 1))
    def issue_zero_allowed(self, acct):
        inv = invoice_issue(
            actor=self.actor,
            account=self.accounts[acct],
            lines=[_line("0.00", description="Free course")],
            allow_zero=True,
        )
        self.invoices.append(inv.pk)
        assert inv.number == len(self.invoices)
        assert (inv.gross_total, inv.status) == (D("0.00"), "Completed")

    @staticmethod
    def _payable(inv: Invoice, amount: D) -> bool:
        """A payment is taken unless it leaves more than MAX_AMOUNT overpaid."""
        return 0 < amount <= MAX_AMOUNT and (
            inv.overpayment + max(amount - inv.outstanding, D("0")) <= MAX_AMOUNT
        )

    @rule(pick=picks, amount=amounts)
    def pay(self, pick, amount):
        inv = self._inv(pick)
        payment = self._attempt(
            self._payable(inv, amount),
            lambda: payment_record(actor=self.actor, invoice=inv, amount=amount, method="card"),
        )
        if payment:
            after = Invoice.objects.get(pk=inv.pk)
            assert after.paid_total == inv.paid_total + amount

    @rule(pick=picks, edge=st.sampled_from([D("-0.01"), D("0"), D("0.01")]))
    def pay_near_the_overpayment_limit(self, pick, edge):
        inv = self._inv(pick)
        room = inv.outstanding + MAX_AMOUNT - inv.overpayment  # what leaves MAX_AMOUNT overpaid
        amount = min(room, MAX_AMOUNT) + edge
        if amount <= 0:
            return
        payment = self._attempt(
            self._payable(inv, amount),
            lambda: payment_record(actor=self.actor, invoice=inv, amount=amount, method="card"),
        )
        if payment:
            assert Invoice.objects.get(pk=inv.pk).overpayment <= MAX_AMOUNT

    @rule(pick=picks, edge=st.sampled_from([D("-0.01"), D("0"), D("0.01")]))
    def pay_near_outstanding(self, pick, edge):
        inv = self._inv(pick)
        if inv.outstanding + edge > 0 and self._payable(inv, inv.outstanding + edge):
            amount = inv.outstanding + edge
            payment_record(actor=self.actor, invoice=inv, amount=amount, method="cash")
            after = Invoice.objects.get(pk=inv.pk)
            expected = "Part Completed" if edge < 0 else "Completed"
            assert after.status == expected and after.overpaid == (edge > 0)

    @rule(pick=picks, amount=amounts, edge=edges)
    def credit_entered(self, pick, amount, edge):
        inv = self._inv(pick)
        creditable = inv.gross_total - inv.credited_total
        amount = near(creditable, edge, amount)
        note = self._attempt(
            0 < amount <= creditable,
            lambda: credit_note_issue(actor=self.actor, invoice=inv, reason="r", amount=amount),
        )
        if note:
            assert note.gross_total == amount
            self._credit_effect(inv, amount)

    @rule(pick=picks, line_pick=picks, places=st.integers(1, 40))
    def credit_places(self, pick, line_pick, places):
        inv = self._inv(pick)
        remaining = list(remaining_by_line(inv).values())
        r = remaining[line_pick % len(remaining)]
        creditable = inv.gross_total - inv.credited_total
        if places <= r.places:
            # SPEC section 3: the gross share q(R*k/n) of what remains; the last places all of it
            expected = r.gross if places == r.places else q(r.gross * places / r.places)
            ok = 0 < expected <= creditable
        else:
            expected, ok = None, False
        note = self._attempt(
            ok,
            lambda: credit_note_issue(
                actor=self.actor, invoice=inv, reason="r", line_places={r.line.pk: places}
            ),
        )
        if note:
            assert note.gross_total == expected
            credited = note.lines.get()
            assert credited.vat_rate == r.line.vat_rate and credited.quantity == places
            assert 0 <= credited.net <= r.net and 0 <= credited.vat <= r.vat
            # 19: within 2p of the exact share of the original line
            original = r.line.gross * places / r.line.quantity
            assert places == r.places or abs(note.gross_total - original) <= D("0.02") + abs(
                r.gross - r.line.gross * r.places / r.line.quantity
            )
            self._credit_effect(inv, expected)

    @rule(pick=picks)
    def credit_full(self, pick):
        inv = self._inv(pick)
        creditable = inv.gross_total - inv.credited_total
        note = self._attempt(
            creditable > 0,
            lambda: credit_note_issue(actor=self.actor, invoice=inv, reason="r", full=True),
        )
        if note:
            assert note.gross_total == creditable
            self._credit_effect(inv, creditable)
            assert Invoice.objects.get(pk=inv.pk).credited

    def _credit_effect(self, inv: Invoice, value: D):
        """17: a credit moves no money; outstanding shrinks / overpayment grows by its value."""
        after = Invoice.objects.get(pk=inv.pk)
        assert after.net_received == inv.net_received
        assert (inv.outstanding - after.outstanding) + (
            after.overpayment - inv.overpayment
        ) == value

    @rule(src=picks, dst=picks, amount=amounts, edge=edges)
    def reallocate(self, src, dst, amount, edge):
        source, target = self._inv(src), self._inv(dst)
        amount = near(min(source.overpayment, target.outstanding), edge, amount)
        ok = (
            source.pk != target.pk
            and source.account_id == target.account_id
            and amount <= source.overpayment
            and amount <= target.outstanding
        )
        total_held = sum(i.net_received for i in Invoice.objects.all())
        rows = self._attempt(
            ok,
            lambda: payment_reallocate(
                actor=self.actor, source=source, target=target, amount=amount
            ),
        )
        if rows:
            s, t = Invoice.objects.get(pk=source.pk), Invoice.objects.get(pk=target.pk)
            # 15: source outstanding never grows, target never overpaid, sum of N unchanged
            assert s.outstanding <= source.outstanding and t.overpayment == 0
            assert s.overpayment == source.overpayment - amount
            assert t.outstanding == target.outstanding - amount
            assert sum(i.net_received for i in Invoice.objects.all()) == total_held

    @rule(pick=picks, amount=amounts, edge=edges)
    def refund(self, pick, amount, edge):
        inv = self._inv(pick)
        amount = near(inv.overpayment, edge, amount)
        result = self._attempt(
            amount <= inv.overpayment and amount <= MAX_AMOUNT,  # one amount: at most MAX
            lambda: refund_issue(actor=self.actor, invoice=inv, amount=amount, reason="r"),
        )
        if result:
            after = Invoice.objects.get(pk=inv.pk)
            # 14: a refund never re-opens; overpayment drops by exactly its amount
            assert after.outstanding == inv.outstanding
            assert after.overpayment == inv.overpayment - amount
            assert after.status == inv.status

    @rule(pick=picks, net=amounts, rate=rates, pay_from=st.booleans())
    def charge(self, pick, net, rate, pay_from):
        inv = self._inv(pick)
        charge = charge_invoice_issue(
            actor=self.actor,
            original=inv,
            amount_net=net,
            vat_rate=rate,
            description="Cancellation charge",
            reason="r",
            pay_from_original=pay_from,
        )
        self.invoices.append(charge.pk)
        moved = min(inv.overpayment, charge.gross_total) if pay_from else D("0")
        assert charge.net_received == moved
        assert Invoice.objects.get(pk=inv.pk).overpayment == inv.overpayment - moved

    # --- invariants -----------------------------------------------------------------------------
    @invariant()
    def ledger_invariants(self):
        invariants.check_all()
        now = invariants.snapshot()
        invariants.assert_append_only(self.previous, now)
        self.previous = now

    @invariant()
    def lines_and_refunds_exist(self):
        assert InvoiceLine.objects.count() >= len(self.invoices)
        assert not Refund.objects.exclude(state__in=Refund.COUNTING).exists()


@pytest.mark.django_db
@pytest.mark.slow
def test_ledger_state_machine(finance_user):
    LedgerMachine.actor = finance_user
    LedgerMachine.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(LedgerMachine, settings=LedgerMachine.TestCase.settings)
