"""What the ledger does when a delegate moves to another schedule (SPEC 5, LEDGER 2.4 transfer).

Bookings says which place moved and which lines the new place is billed (the new schedule at
its current price, and the transfer fee); this module decides the documents, as ONE ledger
Operation (kind transfer):

1. a credit note paying off what is still creditable on the place's newest course line (the
   same "newest line per place" rule as cancelling, `seam._latest_lines`); on an invoice for
   this delegate alone that is the whole invoice, on a multi-delegate invoice only their line;
2. a new invoice (kind transfer, `supersedes` the old one) for the new lines;
3. the old invoice's overpayment after the credit note moves to the new invoice, up to its
   total. That overpayment is exactly the money the remaining lines do not need, so on a
   multi-delegate invoice only spare money moves; whatever is left stays on the old invoice
   as an overpayment, refundable from there. Never a refund here (LEDGER A4).

A place with no invoice line behind it (a free course: bookings issues no invoice for 0.00)
gets no credit note and moves no money; the new lines are still invoiced when they cost
anything (the new course's price and/or the fee), so a transfer onto a paid course, or a fee
alone, is never given away. Transfer fees already billed by an earlier transfer are not course
lines, so a second transfer does not credit them back: that fee was for a transfer that
happened.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.audit import Actor
from core.errors import DomainError

from ..ledger import ZERO
from ..models import BillingAccount, CreditNote, Invoice, Operation
from ..selectors import remaining_by_line
from ._common import ledger_operation, lock_account, lock_invoices, require_reason
from .credit_notes import credit_note_issue
from .documents import LineSpec, invoice_issue
from .money import payment_reallocate
from .seam import _latest_lines


@dataclass(frozen=True)
class TransferMoney:
    old_invoice: Invoice | None  # the invoice that billed the place (None: never billed)
    credit_note: CreditNote | None  # what paid off the place's line on it
    invoice: Invoice | None  # the new invoice (None when the new lines cost nothing)
    moved: Decimal  # money moved from the old invoice to the new one
    left_overpaid: Decimal  # overpayment left on the old invoice, refundable there


def place_transfer_money(
    *,
    actor: Actor,
    account: BillingAccount,
    place_id: int,
    new_lines: Sequence[LineSpec],
    booking=None,
    reason: str,
    po_number: str = "",
) -> TransferMoney:
    """The money side of transferring the delegate of place `place_id`: credit note on the
    place's newest course line, new invoice for `new_lines` (superseding the old invoice),
    spare money moved across. See the module's docstring for the rules."""
    reason = require_reason(reason)
    with ledger_operation(kind=Operation.Kind.TRANSFER, actor=actor, reason=reason):
        lock_account(account.pk)
        line = _latest_lines([place_id]).get(place_id)
        old = None
        credit_note = None
        if line is not None:
            old = lock_invoices(line.invoice_id)[line.invoice_id]
            if old.account_id != account.pk:
                raise DomainError("The place's invoice belongs to another customer.")
            left = remaining_by_line(old)[line.pk]
            if left.places > 0 and (left.net or left.vat):
                # k = n: exactly what remains on the line (SPEC's proportional rule).
                credit_note = credit_note_issue(
                    actor=actor,
                    invoice=old,
                    reason=f"Transfer: {reason}",
                    line_places={line.pk: left.places},
                )
                old.refresh_from_db()
        invoice = None
        if sum((_line_gross(spec) for spec in new_lines), ZERO) > 0:
            invoice = invoice_issue(
                actor=actor,
                account=account,
                lines=new_lines,
                booking=booking,
                po_number=po_number,
                kind=Invoice.Kind.TRANSFER,
                supersedes=old,
                reason=reason,
            )
        moved = ZERO
        if old is not None and invoice is not None:
            moved = min(old.overpayment, invoice.gross_total)
            if moved > 0:
                payment_reallocate(
                    actor=actor, source=old, target=invoice, amount=moved, reason=reason
                )
                old.refresh_from_db()
                invoice.refresh_from_db()
    return TransferMoney(
        old_invoice=old,
        credit_note=credit_note,
        invoice=invoice,
        moved=moved,
        left_overpaid=old.overpayment if old is not None else ZERO,
    )


def _line_gross(spec: LineSpec) -> Decimal:
    """Whether a line bills anything (checked precisely by `invoice_issue`): net is enough,
    as no rate makes a zero net cost something."""
    if spec.line_gross is not None:
        return spec.line_gross
    return spec.unit_net * spec.quantity
