"""Property: for any sequence of money actions, what the preview shows is exactly what the
confirm then writes (SPEC 10: "computed by the same code that then does it").

Each step previews an action (nothing may be written), confirms it with the preview's
fingerprint (it must commit, and its own plan must equal the preview's), then reads back the
rows written, independently of core.preview / invoicing.preview, and compares them with the
preview: documents with their numbers and lines, payments, allocations, refunds, the balances
of every invoice that changed, the emails and the history. A refused action must be refused
by the preview and by the confirm alike, with nothing written.

Actions: payments, credit notes by amount / places / in full, refunds, reallocation between
two invoices of one customer, and through the bookings services: cancel delegates (with or
without a cancellation charge), discount changes and transfers (with or without a fee). On
PostgreSQL.
"""

from decimal import Decimal as D

import pytest
from django.db import transaction
from django.db.models import Max
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from bookings import services as bookings
from bookings.models import BookingPlace, PlaceState
from core.errors import DomainError
from core.models import AuditEvent
from core.money import q
from core.preview import Plan, preview_run
from invoicing.models import Allocation, CreditNote, Invoice, Payment, Refund
from invoicing.selectors import remaining_by_line
from invoicing.services import (
    credit_note_issue,
    payment_reallocate,
    payment_record,
    refund_issue,
)
from notifications.models import OutboxMessage
from tests.actions import ledger_counts
from tests.bookings.factories import CourseFactory, ScheduleFactory, organisation_with_members
from tests.invoicing.factories import account, gross_line, issue

picks = st.integers(min_value=0, max_value=10_000)
# An amount: a share of the natural limit (often exactly all of it), or anything at all.
shares = st.one_of(
    st.sampled_from([D("1"), D("0.5"), D("0.01")]),
    st.decimals(min_value=D("0.01"), max_value=D("1.2"), places=2),
)


def amount_of(limit: D, share: D) -> D:
    return max(q(limit * share), D("0.01"))


def _marks() -> dict:
    return {
        m.__name__: m.objects.aggregate(m=Max("pk"))["m"] or 0
        for m in (Invoice, CreditNote, Payment, Allocation, Refund, OutboxMessage, AuditEvent)
    }


def _balances() -> dict[str, tuple]:
    return {
        inv.display_no: _balance_tuple(inv)
        for inv in Invoice.objects.only(
            "display_no", "gross_total", "credited_total", "paid_total", "refunded_total",
            "outstanding", "overpayment", "status",
        )
    }  # fmt: skip


def _balance_tuple(inv: Invoice) -> tuple:
    return (
        inv.gross_total,
        inv.credited_total,
        inv.paid_total - inv.refunded_total,
        inv.outstanding,
        inv.overpayment,
        inv.status,
    )


def _plan_balance(b) -> tuple:
    return (b.total, b.credited, b.paid, b.outstanding, b.overpayment, b.status)


def _lines(rows) -> list[tuple]:
    return [(r.description, r.quantity, r.net, r.vat_rate, r.vat, r.gross) for r in rows]


def _written(marks: dict, before: dict[str, tuple]) -> dict:
    """What the confirmed run wrote, read straight from the tables."""
    after = _balances()
    return {
        "invoices": sorted(
            (inv.display_no, inv.get_kind_display(), inv.gross_total, _lines(inv.lines.all()))
            for inv in Invoice.objects.filter(pk__gt=marks["Invoice"])
        ),
        "credit_notes": sorted(
            (n.display_no, n.invoice.display_no, n.gross_total, _lines(n.lines.all()))
            for n in CreditNote.objects.filter(pk__gt=marks["CreditNote"])
        ),
        "payments": [
            (p.amount, p.method, p.reference)
            for p in Payment.objects.filter(pk__gt=marks["Payment"]).order_by("pk")
        ],
        "allocations": sorted(
            (a.invoice.display_no, a.amount)
            for a in Allocation.objects.filter(pk__gt=marks["Allocation"])
        ),
        "refunds": [
            (r.invoice.display_no, r.amount, r.get_state_display())
            for r in Refund.objects.filter(pk__gt=marks["Refund"]).order_by("pk")
        ],
        "changed": {no: b for no, b in after.items() if before.get(no) != b},
        "emails": [
            (list(m.to), m.subject)
            for m in OutboxMessage.objects.filter(pk__gt=marks["OutboxMessage"]).order_by("pk")
        ],
        "history": [
            (e.summary, e.reason)
            for e in AuditEvent.objects.filter(pk__gt=marks["AuditEvent"]).order_by("pk")
        ],
    }


def _shown(plan: Plan, confirmed: Plan, before: dict[str, tuple]) -> dict:
    """The same facts as the preview stated them."""
    docs = plan.documents
    allocations = []
    for a in plan.allocations:
        if a.from_invoice:
            allocations.append((a.from_invoice, -a.amount))
        if a.to_invoice:
            allocations.append((a.to_invoice, a.amount))
    for change in plan.balances:  # "before" is what the invoice showed before the action
        if change.before is not None:
            assert _plan_balance(change.before) == before[change.invoice], change.invoice
        else:
            assert change.invoice not in before
    return {
        "invoices": sorted(
            (d.number, d.kind, d.gross_total, _lines(d.lines))
            for d in docs
            if d.kind != "Credit note"
        ),
        "credit_notes": sorted(
            (d.number, d.refers_to.removeprefix("Credits "), d.gross_total, _lines(d.lines))
            for d in docs
            if d.kind == "Credit note"
        ),
        "payments": [(p.amount, _method(p.method), p.reference) for p in plan.payments],
        "allocations": sorted(allocations),
        "refunds": [(r.invoice, r.amount, r.state) for r in plan.refunds],
        "changed": {
            b.invoice: _plan_balance(b.after)
            for b in plan.balances
            if b.before is None or b.before != b.after
        },
        "emails": [(e.to, e.subject) for e in plan.emails],
        # the preview's own ids (PAY-n) were rolled back: the confirm's plan, which equals
        # the preview but for those, names the history as written
        "history": [(h.summary, h.reason) for h in confirmed.history],
    }


def _method(label: str) -> str:
    return {v: k for k, v in Payment.Method.choices}[label]


class PreviewMachine(RuleBasedStateMachine):
    actor = None
    confirmed: set[str] = set()  # the actions that went through at least once

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        acct = account()
        issue(self.actor, acct=acct, lines=[gross_line("100.00", "0.20", quantity=3)])
        issue(
            self.actor,
            acct=acct,
            lines=[
                gross_line("33.33", "0.20", quantity=7, description="Places"),
                gross_line("50.00", "0", description="Workbook"),
            ],
        )
        org, people = organisation_with_members(5)
        self.booking = bookings.booking_create(
            actor=self.actor,
            kind="group",
            schedule=ScheduleFactory(capacity=10),
            organisation=org,
            lead_booker=people[0],
            delegates=people[1:],
        )

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _inv(self, pick: int) -> Invoice:
        invoices = list(Invoice.objects.order_by("pk"))
        return invoices[pick % len(invoices)]

    def _step(self, fn):
        """Preview, then confirm; the confirm writes exactly what the preview showed."""
        marks, counts, before = _marks(), ledger_counts(), _balances()
        try:
            shown = preview_run(fn, fingerprint=None)
        except DomainError as refused:
            assert ledger_counts() == counts
            with pytest.raises(DomainError) as again:
                preview_run(fn, fingerprint="anything")
            assert again.value.message == refused.message
            assert ledger_counts() == counts
            return
        assert not shown.committed and ledger_counts() == counts  # a preview writes nothing
        done = preview_run(fn, fingerprint=shown.plan.fingerprint)
        assert done.committed, "the confirm's outcome differs from its preview"
        assert done.plan.canonical() == shown.plan.canonical()
        assert _written(marks, before) == _shown(shown.plan, done.plan, before)
        PreviewMachine.confirmed.add(fn.__qualname__.split(".")[1])
        return done.result

    # --- ledger actions -------------------------------------------------------------------------
    @rule(pick=picks, share=shares, method=st.sampled_from(["card", "cash", "bank_transfer"]))
    def pay(self, pick, share, method):
        inv = self._inv(pick)
        amount = amount_of(inv.outstanding or D("25"), share)
        self._step(
            lambda: payment_record(
                actor=self.actor, invoice=inv, amount=amount, method=method, reference="ref"
            )
        )

    @rule(pick=picks, share=shares)
    def credit_amount(self, pick, share):
        inv = self._inv(pick)
        amount = amount_of(inv.gross_total - inv.credited_total, share)
        self._step(
            lambda: credit_note_issue(actor=self.actor, invoice=inv, reason="r", amount=amount)
        )

    @rule(pick=picks, line_pick=picks, places=st.integers(1, 4))
    def credit_places(self, pick, line_pick, places):
        inv = self._inv(pick)
        lines = list(remaining_by_line(inv))
        line_id = lines[line_pick % len(lines)]
        self._step(
            lambda: credit_note_issue(
                actor=self.actor, invoice=inv, reason="places", line_places={line_id: places}
            )
        )

    @rule(pick=picks)
    def credit_full(self, pick):
        inv = self._inv(pick)
        self._step(lambda: credit_note_issue(actor=self.actor, invoice=inv, reason="f", full=True))

    @rule(pick=picks, share=shares)
    def refund(self, pick, share):
        inv = self._inv(pick)
        if inv.overpayment <= 0 and inv.outstanding > 0:
            # something to refund, so every run previews and confirms refunds too
            payment_record(
                actor=self.actor, invoice=inv, amount=inv.outstanding + D("5"), method="card"
            )
            inv = self._inv(pick)
        amount = amount_of(inv.overpayment or D("5"), share)
        self._step(lambda: refund_issue(actor=self.actor, invoice=inv, amount=amount, reason="r"))

    @rule(src=picks, dst=picks, share=shares)
    def reallocate(self, src, dst, share):
        pairs = self._overpaid_owing_pairs()
        owing = [i for i in Invoice.objects.order_by("pk") if i.outstanding > 0]
        if not pairs and owing and src % 4:
            # an overpaid invoice beside an owing one of the same customer, so every run
            # previews and confirms moves too
            target = owing[dst % len(owing)]
            extra = issue(self.actor, acct=target.account, lines=[gross_line("10.00", "0")])
            payment_record(actor=self.actor, invoice=extra, amount=D("25.00"), method="card")
            pairs = self._overpaid_owing_pairs()
        if pairs and src % 4:
            source, target = pairs[dst % len(pairs)]
        else:
            source, target = self._inv(src), self._inv(dst)
        amount = amount_of(min(source.overpayment, target.outstanding) or D("5"), share)
        self._step(
            lambda: payment_reallocate(
                actor=self.actor, source=source, target=target, amount=amount, reason="move"
            )
        )

    def _overpaid_owing_pairs(self) -> list[tuple[Invoice, Invoice]]:
        invoices = list(Invoice.objects.order_by("pk"))
        return [  # overpaid -> owing, same customer: mostly a move that can go through
            (s, t)
            for s in invoices
            for t in invoices
            if s.overpayment > 0 and t.outstanding > 0 and s.account_id == t.account_id
            and s.pk != t.pk
        ]  # fmt: skip

    # --- bookings actions -----------------------------------------------------------------------
    @rule(
        which=st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True),
        charge=st.one_of(st.none(), st.decimals(min_value=D("1"), max_value=D("80"), places=2)),
    )
    def cancel_delegates(self, which, charge):
        places = list(BookingPlace.objects.filter(booking=self.booking).order_by("pk"))
        chosen = [places[i].pk for i in which if i < len(places)]
        self._step(
            lambda: bookings.booking_cancel_delegates(
                actor=self.actor,
                booking=self.booking,
                place_ids=chosen,
                reason="Ill",
                charge_net=charge,
            )
        )

    @rule(
        kind=st.sampled_from(["", "percent", "fixed"]),
        value=st.decimals(min_value=D("1"), max_value=D("50"), places=2),
    )
    def discount(self, kind, value):
        self._step(
            lambda: bookings.booking_set_discount(
                actor=self.actor, booking=self.booking, kind=kind, value=value, reason="deal"
            )
        )

    @rule(
        which=st.integers(0, 3),
        price=st.sampled_from([D("80.00"), D("33.33"), D("150.00")]),
        fee=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("40"), places=2)),
    )
    def transfer(self, which, price, fee):
        places = list(
            BookingPlace.objects.filter(booking=self.booking, state=PlaceState.BOOKED).order_by(
                "pk"
            )
        )
        if not places:
            return
        place = places[which % len(places)]
        target = ScheduleFactory(course=CourseFactory(default_price=price), capacity=3)
        self._step(
            lambda: bookings.booking_place_transfer(
                actor=self.actor,
                booking=self.booking,
                place_id=place.pk,
                schedule=target,
                fee_net=fee,
                reason="Later date",
            )
        )

    # --- placeholders -----------------------------------------------------------------------------
    def _placeholder(self):
        """A live placeholder with places left and none assigned (bought unpreviewed if none)."""
        live = [
            b
            for b in getattr(self, "placeholders", [])
            if b.places.filter(state=PlaceState.BOOKED).count() >= 2
        ]
        if live:
            return live[-1]
        return self._buy(5, D("100.00"), previewed=False)

    def _buy(self, places, price, *, previewed=True):
        org, _ = organisation_with_members(1)
        schedule = ScheduleFactory(course=CourseFactory(default_price=price), capacity=8)

        def placeholder_buy():
            return bookings.placeholder_buy(
                actor=self.actor, schedule=schedule, organisation=org, places=places
            )

        placeholder_buy.__qualname__ = "PreviewMachine.placeholder_buy"  # the rule it counts for
        booking = self._step(placeholder_buy) if previewed else placeholder_buy()
        if booking is not None:
            self.placeholders = [*getattr(self, "placeholders", []), booking]
        return booking

    @rule(places=st.integers(2, 6), price=st.sampled_from([D("100.00"), D("33.33"), D("0")]))
    def placeholder_buy(self, places, price):
        self._buy(places, price)

    @rule(
        places=st.integers(1, 2),
        value=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("60"), places=2)),
        paid=st.booleans(),
    )
    def placeholder_part_cancel(self, places, value, paid):
        booking = self._placeholder()
        invoice = Invoice.objects.filter(booking=booking).order_by("pk").first()
        if paid and invoice is not None and invoice.outstanding > 0:
            payment_record(
                actor=self.actor, invoice=invoice, amount=invoice.outstanding, method="card"
            )
        self._step(
            lambda: bookings.placeholder_part_cancel(
                actor=self.actor, booking=booking, places=places, reason="Fewer", value=value
            )
        )

    @rule(
        charge=st.one_of(st.none(), st.decimals(min_value=D("1"), max_value=D("150"), places=2)),
        paid=st.sampled_from([None, D("20.00"), "all"]),
    )
    def placeholder_cancel_all(self, charge, paid):
        booking = self._placeholder()
        invoice = Invoice.objects.filter(booking=booking).order_by("pk").first()
        if paid and invoice is not None and invoice.outstanding > 0:
            amount = invoice.outstanding if paid == "all" else min(paid, invoice.outstanding)
            payment_record(actor=self.actor, invoice=invoice, amount=amount, method="card")
        self._step(
            lambda: bookings.placeholder_cancel_all(
                actor=self.actor, booking=booking, reason="Called off", charge_net=charge
            )
        )


@pytest.mark.django_db
@pytest.mark.slow
def test_preview_equals_what_confirm_writes(needs_postgres, finance_user):
    PreviewMachine.actor = finance_user
    PreviewMachine.confirmed = set()
    run_state_machine_as_test(
        PreviewMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # every kind of action was previewed and confirmed at least once, not only refused
    assert PreviewMachine.confirmed == {
        "pay", "credit_amount", "credit_places", "credit_full", "refund", "reallocate",
        "cancel_delegates", "discount", "transfer",
        "placeholder_buy", "placeholder_part_cancel", "placeholder_cancel_all",
    }  # fmt: skip
