"""What the ledger offers a placeholder booking (SPEC 5, LEDGER 2.4 placeholder_*).

A placeholder is billed as ONE invoice line of kind "places", quantity N, with no booking
place on it (its places are interchangeable): the ledger finds the placeholder's lines by the
booking's id, never through bookings' rows. Each function is one ledger Operation
(PLACEHOLDER_PART_CANCEL / PLACEHOLDER_FULL_CANCEL), whatever documents it issues.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from core.audit import Actor
from core.errors import DomainError

from ..ledger import ZERO
from ..models import BillingAccount, CreditNote, Invoice, InvoiceLine, Operation, Refund
from ..selectors import LineRemaining, remaining_by_line
from ._common import ledger_operation, lock_account, lock_invoices, money_in
from .credit_notes import credit_note_issue
from .documents import LineSpec, charge_invoice_issue, invoice_issue
from .money import payment_reallocate, refund_issue


@dataclass(frozen=True)
class PlaceholderCancelled:
    credit_notes: list[CreditNote] = field(default_factory=list)
    charge_invoice: Invoice | None = None
    refunds: list[Refund] = field(default_factory=list)
    refunded: Decimal = ZERO  # the sum refunded (one refund may be several rows)


def _placeholder_invoices(booking_id: int) -> dict[int, Invoice]:
    """The placeholder's own invoices (not its charges), locked, by pk."""
    ids = list(
        Invoice.objects.filter(booking_id=booking_id)
        .exclude(kind=Invoice.Kind.CHARGE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return lock_invoices(*ids) if ids else {}


def _open_place_lines(invoices: dict[int, Invoice]) -> list[LineRemaining]:
    """The "places" lines that still have places and value to credit, newest invoice first
    (LEDGER A7: a placeholder invoiced more than once credits its latest invoice first)."""
    out: list[LineRemaining] = []
    for pk in sorted(invoices, reverse=True):
        for left in remaining_by_line(invoices[pk]).values():
            if left.line.kind == InvoiceLine.Kind.PLACES and left.places > 0 and left.gross > 0:
                out.append(left)
    return out


def placeholder_places_credit(
    *,
    actor: Actor,
    account: BillingAccount,
    booking_id: int,
    places: int,
    reason: str,
    value: Decimal | None = None,
) -> list[CreditNote]:
    """Part-cancel: credit `places` cancelled places of the placeholder, for the VAT-inclusive
    `value` entered ("Credit Note Value", split at the line's rate) or, when None, the
    proportional share of what remains (k of the places still on the line). The credit note
    records its places either way. No charge, no allocation, no refund: a paid placeholder
    shows the credit as an overpayment."""
    if value is not None:
        value = money_in(value, label="Credit Note Value", field="value")
    with ledger_operation(
        kind=Operation.Kind.PLACEHOLDER_PART_CANCEL,
        actor=actor,
        reason=reason,
        params={"booking": booking_id, "places": places},
    ):
        lock_account(account.pk)
        invoices = _placeholder_invoices(booking_id)
        lines = _open_place_lines(invoices)
        plan: list[tuple[LineRemaining, int]] = []
        left = places
        for r in lines:
            if left <= 0:
                break
            take = min(r.places, left)
            plan.append((r, take))
            left -= take
        if not plan:
            raise DomainError("Nothing is left to credit on this placeholder's invoice.")
        if left > 0:
            raise DomainError(
                f"Only {places - left} of these places remain to credit on the placeholder's "
                "invoice.",
                field="places",
            )
        if value is not None and len(plan) > 1:
            raise DomainError(
                "These places were billed on more than one invoice: leave the Credit Note "
                "Value blank to credit each its proportional amount.",
                field="value",
            )
        notes = []
        for r, take in plan:  # one credit note per invoice (one line each here)
            notes.append(
                credit_note_issue(
                    actor=actor,
                    invoice=invoices[r.line.invoice_id],
                    reason=f"Placeholder places cancelled: {reason}",
                    line_places={r.line.pk: take},
                    amount=value,
                )
            )
    return notes


def placeholder_cancel_all(
    *,
    actor: Actor,
    account: BillingAccount,
    booking,
    reason: str,
    charge: LineSpec | None = None,
    po_number: str = "",
) -> PlaceholderCancelled:
    """Cancel all: a credit note pays each placeholder invoice in full. With `charge`, a
    charge invoice is raised and paid from the money held on the credited invoices (oldest
    first); once the charge is paid in full what is left is refunded (a refund transaction);
    when the charge is more than the money held it stays "Part Completed" and nothing is
    refunded. Without a charge nothing is refunded: the payment shows as an overpayment."""
    with ledger_operation(
        kind=Operation.Kind.PLACEHOLDER_FULL_CANCEL,
        actor=actor,
        reason=reason,
        params={"booking": booking.pk},
    ):
        lock_account(account.pk)
        invoices = _placeholder_invoices(booking.pk)
        notes = [
            credit_note_issue(
                actor=actor,
                invoice=inv,
                reason=f"Placeholder cancelled: {reason}",
                full=True,
            )
            for inv in invoices.values()
            if inv.due_total > 0
        ]
        if charge is None:
            return PlaceholderCancelled(credit_notes=notes)
        credited = [Invoice.objects.get(pk=pk) for pk in sorted(invoices)]
        if credited:
            charge_invoice = charge_invoice_issue(
                actor=actor,
                original=credited[-1],
                amount_net=charge.unit_net,
                vat_rate=charge.vat_rate,
                description=charge.description,
                reason=reason,
                pay_from_original=False,
                course_id=charge.course_id,
            )
        else:  # nothing was invoiced (a free schedule): the charge is simply owed
            charge_invoice = invoice_issue(
                actor=actor,
                account=account,
                lines=[charge],
                booking=booking,
                po_number=po_number,
                kind=Invoice.Kind.CHARGE,
                reason=reason,
            )
        for source in credited:  # pay the charge from what the placeholder's invoices hold
            owed = charge_invoice.outstanding
            moving = min(source.overpayment, owed)
            if moving > 0:
                payment_reallocate(
                    actor=actor, source=source, target=charge_invoice, amount=moving, reason=reason
                )
                charge_invoice.refresh_from_db()
        refunds: list[Refund] = []
        refunded = ZERO
        if charge_invoice.outstanding == 0:  # only after the charge is paid in full
            for source in credited:
                source.refresh_from_db()
                if source.overpayment > 0:
                    refunds.append(
                        refund_issue(
                            actor=actor,
                            invoice=source,
                            amount=source.overpayment,
                            reason=f"Rest of the payment after the cancellation charge "
                            f"{charge_invoice.display_no}: {reason}",
                        )
                    )
                    refunded += source.overpayment
    return PlaceholderCancelled(
        credit_notes=notes, charge_invoice=charge_invoice, refunds=refunds, refunded=refunded
    )
