"""What the ledger offers the bookings app, in terms of booking places.

Bookings never reads invoice rows, takes the ledger's locks or works out what money is held:
it says which places were cancelled, or which lines a booking should now be billed, and these
functions decide which documents that takes. Each runs as one ledger Operation, whatever
documents it issues, so one user action is one Operation (the caller may open a wider one
with `ledger_operation` to add more to the same action).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.audit import Actor
from core.errors import DomainError
from core.money import money_str

from ..ledger import ZERO
from ..models import BillingAccount, CreditNote, Invoice, InvoiceLine, Operation
from ..selectors import remaining_by_line
from ._common import ledger_operation, lock_account, lock_invoices
from .credit_notes import credit_note_issue
from .documents import LineSpec, charge_invoice_issue, invoice_issue

COURSE_KINDS = (InvoiceLine.Kind.COURSE, InvoiceLine.Kind.PLACES)


@dataclass(frozen=True)
class PlacesCredited:
    credit_notes: list[CreditNote]
    charge_invoice: Invoice | None


@dataclass(frozen=True)
class CourseInvoiceReplaced:
    credit_notes: list[CreditNote]  # what closed the old course invoices
    invoice: Invoice | None  # the corrected invoice (None when nothing is left to bill)
    carried: CreditNote | None  # earlier credits on the places still billed, carried over


def _live_course_invoices(booking_id: int) -> list[Invoice]:
    """The booking's invoices for its places (not charges) that are not yet credited in full."""
    return [
        inv
        for inv in Invoice.objects.filter(booking_id=booking_id)
        .exclude(kind=Invoice.Kind.CHARGE)
        .order_by("pk")
        if inv.due_total > 0
    ]


def _latest_lines(place_ids: Sequence[int]) -> dict[int, InvoiceLine]:
    """Per place, the newest course line billing it: older ones were closed when a corrected
    invoice replaced them."""
    latest: dict[int, InvoiceLine] = {}
    for line in (
        InvoiceLine.objects.filter(booking_place_id__in=list(place_ids), kind__in=COURSE_KINDS)
        .exclude(invoice__kind=Invoice.Kind.CHARGE)
        .order_by("pk")
    ):
        latest[line.booking_place_id] = line
    return latest


def places_credit(
    *,
    actor: Actor,
    account: BillingAccount,
    place_ids: Sequence[int],
    reason: str,
    booking=None,
    charge: LineSpec | None = None,
    po_number: str = "",
) -> PlacesCredited:
    """Cancelled places: credit what is still creditable on each place's line (k of the line's
    remaining places, SPEC's proportional rule), one credit note per invoice; a line already
    credited in full, or billed at 0.00, simply has nothing more to credit. With `charge`, a
    cancellation-charge invoice follows, paid from what the credited invoice now holds beyond
    its due (its overpayment)."""
    with ledger_operation(kind=Operation.Kind.CANCEL, actor=actor, reason=reason):
        lock_account(account.pk)
        latest = _latest_lines(place_ids)
        invoice_ids = sorted({line.invoice_id for line in latest.values()})
        invoices = lock_invoices(*invoice_ids) if invoice_ids else {}
        credit_notes: list[CreditNote] = []
        for invoice_id in invoice_ids:
            invoice = invoices[invoice_id]
            remaining = remaining_by_line(invoice)
            line_places: dict[int, int] = {}
            for line in latest.values():
                if line.invoice_id != invoice_id:
                    continue
                left = remaining[line.pk]
                if left.places > 0 and left.gross > 0:
                    line_places[line.pk] = line_places.get(line.pk, 0) + 1
            line_places = {k: min(v, remaining[k].places) for k, v in line_places.items()}
            if line_places:
                credit_notes.append(
                    credit_note_issue(
                        actor=actor,
                        invoice=invoice,
                        reason=f"Delegates cancelled: {reason}",
                        line_places=line_places,
                    )
                )
        charge_invoice = None
        if charge is not None:
            charge_invoice = _charge(
                actor=actor,
                account=account,
                charge=charge,
                booking=booking,
                po_number=po_number,
                reason=reason,
                credited=[invoices[i] for i in invoice_ids],
            )
    return PlacesCredited(credit_notes=credit_notes, charge_invoice=charge_invoice)


def _charge(
    *,
    actor: Actor,
    account: BillingAccount,
    charge: LineSpec,
    booking,
    po_number: str,
    reason: str,
    credited: list[Invoice],
) -> Invoice:
    if credited:
        return charge_invoice_issue(
            actor=actor,
            original=credited[0],
            amount_net=charge.unit_net,
            vat_rate=charge.vat_rate,
            description=charge.description,
            reason=reason,
            course_id=charge.course_id,
        )
    return invoice_issue(
        actor=actor,
        account=account,
        lines=[charge],
        booking=booking,
        po_number=po_number,
        kind=Invoice.Kind.CHARGE,
        reason=reason,
    )


def _credit_given(
    place_ids: Sequence[int], locked: dict[int, Invoice]
) -> tuple[Decimal, list[Invoice]]:
    """Credit already given on the lines now billing these places (a goodwill credit, even
    one that credited its invoice in full), and the invoices of those lines."""
    latest = _latest_lines(place_ids)
    given = ZERO
    sources: list[Invoice] = []
    for invoice_id in sorted({line.invoice_id for line in latest.values()}):
        invoice = locked.get(invoice_id) or Invoice.objects.get(pk=invoice_id)
        left = remaining_by_line(invoice)
        credited = sum(
            (line.gross - left[line.pk].gross for line in latest.values()
             if line.invoice_id == invoice_id),
            ZERO,
        )  # fmt: skip
        if credited > 0:
            given += credited
            sources.append(invoice)
    return given, sources


def course_invoice_replace(
    *,
    actor: Actor,
    account: BillingAccount,
    booking,
    lines: Sequence[LineSpec],
    reason: str,
    po_number: str = "",
) -> CourseInvoiceReplaced:
    """Bill a booking's places afresh (a discount change): the live course invoices are closed
    by a credit note for what remains on them and one corrected invoice, superseding the
    newest, bills `lines`. Charge invoices are never touched. Credits already given on the
    places still billed (a goodwill credit) are carried over to the corrected invoice, so a
    correction never makes the customer owe more than the new prices less those credits.
    Refused once money is held on a course invoice (refund or move it first)."""
    with ledger_operation(kind=Operation.Kind.DISCOUNT, actor=actor, reason=reason):
        lock_account(account.pk)
        live = _live_course_invoices(booking.pk)
        locked = lock_invoices(*[i.pk for i in live]) if live else {}
        live = [locked[i.pk] for i in live]
        for inv in live:
            if inv.net_received > 0:
                raise DomainError(
                    f"Invoice {inv.display_no} has been paid, so the discount can no longer be "
                    "changed. Cancel the delegates and rebook, or issue a credit note."
                )
        billed_places = sorted({s.booking_place_id for s in lines if s.booking_place_id})
        carried_gross, sources = _credit_given(billed_places, locked)
        credit_notes = [
            credit_note_issue(actor=actor, invoice=inv, reason=reason, full=True) for inv in live
        ]
        new_total = sum((spec.unit_net for spec in lines), ZERO)
        invoice = None
        carried = None
        if lines and new_total > 0:
            invoice = invoice_issue(
                actor=actor,
                account=account,
                lines=lines,
                booking=booking,
                po_number=po_number,
                supersedes=max([*live, *sources], key=lambda i: i.pk, default=None),
                reason=reason,
            )
            carry = min(carried_gross, invoice.gross_total)
            if carry > 0:
                carried = credit_note_issue(
                    actor=actor,
                    invoice=invoice,
                    reason=(
                        f"Credit of {money_str(carry)} already given on "
                        + ", ".join(i.display_no for i in sorted(sources, key=lambda i: i.pk))
                        + " carried over"
                    ),
                    amount=carry,
                )
    return CourseInvoiceReplaced(credit_notes=credit_notes, invoice=invoice, carried=carried)
