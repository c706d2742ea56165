"""Money: payments received, reallocations between invoices, refunds paid out."""

import datetime
from decimal import Decimal

from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import MAX_AMOUNT, money_str

from ..ledger import ZERO
from ..models import REFUND_STATES, Allocation, Invoice, Operation, Payment, Refund
from . import revenue
from ._common import (
    held_by_payment,
    ledger_operation,
    lock_account,
    lock_invoices,
    money_in,
    require_reason,
    store_balances,
)


def payment_record(
    *,
    actor: Actor,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    reference: str = "",
    received_on: datetime.date | None = None,
) -> Payment:
    """Record money received and allocate all of it to `invoice`. More than is outstanding is
    accepted (the money has arrived) and shows as an overpayment that can be refunded."""
    amount = money_in(amount)
    if method not in Payment.Method.values:
        raise DomainError("Choose how the payment was made.", field="method")
    reference = (reference or "").strip()
    if len(reference) > 100:
        raise DomainError("The reference is too long (100 characters at most).", field="reference")
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise DomainError("The payment date cannot be in the future.", field="received_on")

    with ledger_operation(kind=Operation.Kind.PAY, actor=actor) as op:
        account = lock_account(invoice.account_id)
        invoice = lock_invoices(invoice.pk)[invoice.pk]
        _check_overpayment(invoice, amount)
        payment = Payment(
            account=account,
            operation=op,
            received_on=received_on,
            method=method,
            reference=reference,
            amount=amount,
        )
        payment.save()
        Allocation(payment=payment, invoice=invoice, operation=op, amount=amount).save()
        revenue.record_paid(invoice, payment.received_on, amount)
        before = invoice.outstanding
        store_balances(invoice)
        summary = f"Payment {payment.display_no} of {money_str(amount)} recorded"
        if amount > before:
            summary += f" (overpaid by {money_str(amount - before)})"
        audit_record(
            actor=actor,
            target=invoice,
            action="payment.recorded",
            summary=summary,
            data={"operation": op.pk, "payment": payment.pk, "amount": str(amount)},
        )
    return payment


def _check_overpayment(invoice: Invoice, amount: Decimal) -> None:
    """Money that arrives is recorded even beyond what is due, but an invoice may not hold
    more than MAX_AMOUNT beyond its due: past that it is a mistake in the amount (or belongs on
    another invoice), and repeated large payments would overflow its cached sums."""
    overpaid = invoice.overpayment + max(amount - invoice.outstanding, ZERO)
    if overpaid <= MAX_AMOUNT:
        return
    room = invoice.outstanding + MAX_AMOUNT - invoice.overpayment
    # A credit note can leave an invoice overpaid beyond the limit; then it takes nothing more.
    advice = (
        f"record at most {money_str(room)} here"
        if room > 0
        else "it can take no more money: record the payment on another invoice"
    )
    raise DomainError(
        f"This payment would leave {money_str(overpaid)} overpaid on {invoice.display_no}; "
        f"an invoice may hold at most {money_str(MAX_AMOUNT)} more than it is due, so "
        f"{advice}.",
        field="amount",
    )


def payment_reallocate(
    *, actor, source: Invoice, target: Invoice, amount: Decimal, reason: str = ""
) -> list[Allocation]:
    """Move money held as an overpayment on `source` to `target` (same customer), up to what
    `target` still owes. Several payments on `source` are moved oldest first."""
    amount = money_in(amount)
    if source.pk == target.pk:
        raise DomainError("Choose a different invoice to move the money to.", field="target")
    if source.account_id != target.account_id:
        raise DomainError("Money can only move between invoices of the same customer.")

    with ledger_operation(kind=Operation.Kind.REALLOCATE, actor=actor, reason=reason) as op:
        lock_account(source.account_id)
        locked = lock_invoices(source.pk, target.pk)
        source, target = locked[source.pk], locked[target.pk]
        if amount > source.overpayment:
            raise DomainError(
                f"Only {money_str(source.overpayment)} is overpaid on {source.display_no}."
            )
        if amount > target.outstanding:
            raise DomainError(
                f"Only {money_str(target.outstanding)} is outstanding on {target.display_no}."
            )
        held = held_by_payment(source)
        payments = Payment.objects.filter(pk__in=held).order_by("received_on", "pk")
        rows: list[Allocation] = []
        left = amount
        for payment in payments:  # oldest first (LEDGER A14)
            take = min(held[payment.pk], left)
            if take <= 0:
                break
            rows.append(Allocation(payment=payment, invoice=source, operation=op, amount=-take))
            rows.append(Allocation(payment=payment, invoice=target, operation=op, amount=take))
            left -= take
        if left > 0:  # pragma: no cover - overpayment <= money held, so this cannot happen
            raise DomainError("Not enough money is held on the invoice to move.")
        for row in rows:
            row.save()
            revenue.record_paid(row.invoice, row.payment.received_on, row.amount)
        store_balances(source)
        store_balances(target)
        for inv, text in (
            (source, f"{money_str(amount)} moved to {target.display_no}"),
            (target, f"{money_str(amount)} moved from {source.display_no}"),
        ):
            audit_record(
                actor=actor,
                target=inv,
                action="payment.reallocated",
                summary=text,
                reason=reason,
                data={"operation": op.pk, "amount": str(amount)},
            )
    return rows


def refund_issue(
    *, actor, invoice: Invoice, amount: Decimal, reason: str, payment: Payment | None = None
) -> Refund:
    """Pay back part of an invoice's overpayment against one of its payments (newest first
    when none is named; more than one Refund row if one payment does not hold enough).

    A refund never takes money the invoice still needs, so it can never re-open it.
    Returns the first refund row written.
    """
    amount = money_in(amount)
    reason = require_reason(reason)
    with ledger_operation(kind=Operation.Kind.REFUND, actor=actor, reason=reason) as op:
        lock_account(invoice.account_id)
        invoice = lock_invoices(invoice.pk)[invoice.pk]
        if invoice.overpayment <= 0:
            raise DomainError(f"Invoice {invoice.display_no} has no overpayment to refund.")
        if amount > invoice.overpayment:
            raise DomainError(
                f"A refund cannot exceed the overpayment of {money_str(invoice.overpayment)} "
                f"on {invoice.display_no}."
            )
        held = held_by_payment(invoice)
        if payment is not None:
            if held.get(payment.pk, ZERO) < amount:
                raise DomainError(
                    f"Payment {payment.display_no} holds only "
                    f"{money_str(held.get(payment.pk, ZERO))} on {invoice.display_no}."
                )
            sources = [(payment, amount)]
        else:
            sources = []
            left = amount
            for p in Payment.objects.filter(pk__in=held).order_by("-received_on", "-pk"):
                take = min(held[p.pk], left)
                sources.append((p, take))
                left -= take
                if left == 0:
                    break
            if left > 0:  # pragma: no cover - overpayment <= money held, so this cannot happen
                raise DomainError("Not enough money is held on the invoice to refund.")
        refunds = []
        for p, take in sources:
            refund = Refund(
                payment=p,
                invoice=invoice,
                operation=op,
                amount=take,
                reason=reason,
                state=Refund.State.COMPLETED,
            )
            refund.save()
            revenue.record_paid(invoice, revenue.refund_day(refund), -take)
            refunds.append(refund)
        store_balances(invoice)
        audit_record(
            actor=actor,
            target=invoice,
            action="refund.issued",
            summary=f"Refund of {money_str(amount)} from "
            + ", ".join(r.payment.display_no for r in refunds),
            reason=reason,
            data={"operation": op.pk, "refunds": [r.pk for r in refunds], "amount": str(amount)},
        )
    return refunds[0]


def refund_state_set(*, actor: Actor, refund: Refund, state: str, reason: str = "") -> Refund:
    """The one change a ledger row allows: a pending refund completes or fails."""
    with ledger_operation(kind=Operation.Kind.REFUND, actor=actor, reason=reason):
        invoice = Invoice.objects.get(pk=refund.invoice_id)
        lock_account(invoice.account_id)
        invoice = lock_invoices(invoice.pk)[invoice.pk]
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        REFUND_STATES.check(refund.state, state)
        counted = refund.state in Refund.COUNTING
        refund.state = state
        refund.save(update_fields=["state"])
        if counted != (state in Refund.COUNTING):  # a failed refund gives the money back
            revenue.record_paid(
                invoice, revenue.refund_day(refund), refund.amount if counted else -refund.amount
            )
        store_balances(invoice)
        audit_record(
            actor=actor,
            target=invoice,
            action="refund.state",
            summary=f"Refund {refund.display_no} {refund.get_state_display().lower()}",
            reason=reason,
        )
    return refund
