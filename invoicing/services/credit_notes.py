"""Credit notes: part or all of one invoice credited, and applied to it at once."""

from decimal import Decimal

from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import money_str, q

from ..ledger import ZERO, proportional_share, split_within
from ..models import CreditNote, CreditNoteLine, Invoice, Operation
from ..selectors import LineRemaining, remaining_by_line
from . import revenue
from ._common import (
    CREDIT_NOTE_SERIES,
    display_number,
    ledger_operation,
    lock_account,
    lock_invoices,
    money_in,
    next_number,
    require_reason,
    seller_snapshot,
    store_balances,
)


def _split_entered(amount: Decimal, remaining: dict[int, LineRemaining]) -> list[dict]:
    """Spread a VAT-inclusive value over the lines still creditable, in proportion to what
    remains on each, each part split at its own line's VAT rate."""
    open_lines = [r for r in remaining.values() if r.gross > 0]
    pool = sum((r.gross for r in open_lines), ZERO)
    parts: list[Decimal] = []
    left = amount
    for i, r in enumerate(open_lines):
        part = left if i == len(open_lines) - 1 else min(q(amount * r.gross / pool), r.gross, left)
        parts.append(part)
        left -= part
    # Rounding can push the last part past its line: move the excess to lines with room.
    for i in range(len(open_lines) - 1, -1, -1):
        excess = parts[i] - open_lines[i].gross
        if excess <= 0:
            continue
        parts[i] -= excess
        for j, r in enumerate(open_lines):
            room = r.gross - parts[j]
            take = min(room, excess)
            if take > 0:
                parts[j] += take
                excess -= take
    out = []
    for r, part in zip(open_lines, parts, strict=True):
        if part <= 0:
            continue
        net, vat = split_within(part, r.line.vat_rate, r.net, r.vat)
        out.append({"r": r, "quantity": 0, "net": net, "vat": vat})
    return out


def _places_checked(
    line_places: dict[int, int], remaining: dict[int, LineRemaining], invoice: Invoice
) -> dict[int, int]:
    for line_id, places in line_places.items():
        r = remaining.get(line_id)
        if r is None:
            raise DomainError(f"That line is not on invoice {invoice.display_no}.")
        if not isinstance(places, int) or isinstance(places, bool) or places < 1:
            raise DomainError("The number of places must be a whole number of 1 or more.")
        if places > r.places:
            raise DomainError(
                f"Only {r.places} place(s) remain to credit on “{r.line.description}”."
            )
    return dict(line_places)


def credit_note_issue(
    *,
    actor: Actor,
    invoice: Invoice,
    reason: str,
    amount: Decimal | None = None,
    line_places: dict[int, int] | None = None,
    full: bool = False,
) -> CreditNote:
    """Credit part or all of one invoice; the credit note is applied to it at once.

    Exactly one of: `amount` (the "Credit Note Value", VAT-inclusive), `line_places`
    ({invoice line id: places cancelled}, proportional), `full` (all still creditable).
    `amount` with `line_places` is a value entered for those places (a placeholder
    part-cancel): the value is spread over those lines only and the credit note records the
    places, so a later proportional credit shares what remains over the places that remain.
    Never touches payments: crediting a paid invoice leaves an overpayment.
    """
    modes = sum([amount is not None, bool(line_places) and amount is None, bool(full)])
    if modes != 1:
        raise DomainError("Give exactly one of: an amount, places to credit, or full credit.")
    reason = require_reason(reason)
    if amount is not None:
        amount = money_in(amount, label="Credit note value")

    with ledger_operation(kind=Operation.Kind.CREDIT, actor=actor, reason=reason) as op:
        account = lock_account(invoice.account_id)
        invoice = lock_invoices(invoice.pk)[invoice.pk]
        remaining = remaining_by_line(invoice)
        creditable = invoice.gross_total - invoice.credited_total
        if creditable <= 0:
            raise DomainError(f"Invoice {invoice.display_no} has already been fully credited.")

        if full:
            method = CreditNote.Method.FULL
            parts = [
                {"r": r, "quantity": max(r.places, 0), "net": r.net, "vat": r.vat}
                for r in remaining.values()
                if r.net or r.vat
            ]
        elif line_places and amount is None:
            method = CreditNote.Method.PROPORTIONAL
            parts = []
            for line_id, places in sorted(line_places.items()):
                r = remaining.get(line_id)
                if r is None:
                    raise DomainError(f"That line is not on invoice {invoice.display_no}.")
                if not isinstance(places, int) or isinstance(places, bool) or places < 1:
                    raise DomainError("The number of places must be a whole number of 1 or more.")
                if places > r.places:
                    raise DomainError(
                        f"Only {r.places} place(s) remain to credit on “{r.line.description}”."
                    )
                net, vat = proportional_share(r.net, r.vat, places, r.places, r.line.vat_rate)
                parts.append({"r": r, "quantity": places, "net": net, "vat": vat})
        else:
            method = CreditNote.Method.ENTERED
            places_for = _places_checked(line_places or {}, remaining, invoice)
            if places_for:
                remaining = {k: v for k, v in remaining.items() if k in places_for}
                creditable = sum((r.gross for r in remaining.values()), ZERO)
            if amount > creditable:
                raise DomainError(
                    f"The credit note value cannot exceed {money_str(creditable)}, what remains "
                    f"to credit on invoice {invoice.display_no}"
                    + (" for those places." if places_for else "."),
                    field="amount",
                )
            parts = _split_entered(amount, remaining)
            for p in parts:
                p["quantity"] = places_for.get(p["r"].line.pk, 0)

        net_total = sum((p["net"] for p in parts), ZERO)
        vat_total = sum((p["vat"] for p in parts), ZERO)
        gross_total = net_total + vat_total
        if gross_total <= 0:
            raise DomainError("Nothing is left to credit for those places.")
        if gross_total > creditable:
            raise DomainError(
                f"This credit note ({money_str(gross_total)}) would exceed "
                f"{money_str(creditable)}, what remains to credit on invoice {invoice.display_no}."
            )
        for p in parts:
            r = p["r"]
            # Per line, never credit past what the line billed (sign-aware for discount lines).
            if (r.line.net >= 0 and not ZERO <= p["net"] <= r.net) or (
                r.line.net < 0 and not r.net <= p["net"] <= ZERO
            ):
                raise DomainError("This credit would exceed a line of the invoice.")

        number = next_number(CREDIT_NOTE_SERIES)
        note = CreditNote(
            account=account,
            invoice=invoice,
            operation=op,
            series=CREDIT_NOTE_SERIES,
            number=number,
            display_no=display_number(CREDIT_NOTE_SERIES, number),
            issue_date=max(timezone.localdate(), invoice.issue_date),
            method=method,
            reason=reason,
            places_cancelled=sum(p["quantity"] for p in parts)
            if method != CreditNote.Method.FULL
            else 0,
            seller=seller_snapshot(),
            buyer=invoice.buyer,
            net_total=net_total,
            vat_total=vat_total,
            gross_total=gross_total,
        )
        note.save()
        CreditNoteLine.objects.bulk_create(
            CreditNoteLine(
                credit_note=note,
                invoice_line=p["r"].line,
                quantity=p["quantity"],
                description=p["r"].line.description,
                net=p["net"],
                vat_rate=p["r"].line.vat_rate,
                vat=p["vat"],
                gross=p["net"] + p["vat"],
            )
            for p in parts
            if p["net"] or p["vat"] or p["quantity"]
        )
        revenue.record_credit(note.issue_date, ((p["r"].line, p["net"] + p["vat"]) for p in parts))
        store_balances(invoice)
        audit_record(
            actor=actor,
            target=invoice,
            action="credit_note.issued",
            summary=f"Credit note {note.display_no} for {money_str(gross_total)} "
            f"({note.get_method_display().lower()}) applied to {invoice.display_no}",
            reason=reason,
            data={"operation": op.pk, "credit_note": note.pk, "gross": str(gross_total)},
        )
    return note
