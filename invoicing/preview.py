"""The ledger's section of a preview plan (core.preview): what a run of the ledger services
wrote, read back inside its transaction before the rollback or commit.

Every ledger row points at the Operation of the call that wrote it, so the rows of a run are
found by the operations noted while it ran (one or several: a bookings action may call
several services). A fixed number of queries, whatever the number of rows.
"""

from collections import defaultdict

from core import preview
from core.preview import Balance, BalanceChange, Document, Line, MoneyIn, MoneyOut, Plan

from .models import Allocation, CreditNote, Invoice, Payment, Refund
from .services._common import PreviewNotes


def collect(capture: preview.Capture, plan: Plan) -> None:
    notes: PreviewNotes | None = capture.peek("invoicing")
    if notes is None:
        return
    ops = notes.operations
    invoices = list(
        Invoice.objects.filter(operation_id__in=ops)
        .select_related("supersedes", "charge_for")
        .prefetch_related("lines")
        .order_by("pk")
    )
    credit_notes = list(
        CreditNote.objects.filter(operation_id__in=ops)
        .select_related("invoice")
        .prefetch_related("lines")
        .order_by("pk")
    )
    payments = list(Payment.objects.filter(operation_id__in=ops).order_by("pk"))
    allocations = list(
        Allocation.objects.filter(operation_id__in=ops).select_related("payment").order_by("pk")
    )
    refunds = list(
        Refund.objects.filter(operation_id__in=ops).select_related("payment").order_by("pk")
    )
    new_invoices = {inv.pk for inv in invoices}
    touched = set(notes.before) | new_invoices | {a.invoice_id for a in allocations}
    after = {
        inv.pk: inv
        for inv in Invoice.objects.filter(pk__in=touched).only("display_no", *BALANCE_COLUMNS)
    }

    for inv in invoices:
        plan.mark_provisional(inv.display_no, "invoice")
    for note in credit_notes:
        plan.mark_provisional(note.display_no, "credit note")
    for p in payments:
        plan.mark_provisional(p.display_no, "payment")
    for r in refunds:
        plan.mark_provisional(r.display_no, "refund")

    # In the order the run issued them (a cancellation: credit note, then the charge).
    issued = sorted(
        [(inv.created_at, _invoice_document(inv)) for inv in invoices]
        + [(note.created_at, _credit_note_document(note)) for note in credit_notes],
        key=lambda pair: pair[0],
    )
    plan.documents += [doc for _, doc in issued]
    plan.payments += [
        MoneyIn(
            number=p.display_no,
            received_on=p.received_on,
            method=p.get_method_display(),
            reference=p.reference,
            amount=p.amount,
        )
        for p in payments
    ]
    numbers = {pk: inv.display_no for pk, inv in after.items()}
    plan.allocations += _paired(allocations, numbers)
    plan.refunds += [
        MoneyOut(
            number=r.display_no,
            payment=r.payment.display_no,
            invoice=numbers[r.invoice_id],
            state=r.get_state_display(),
            amount=r.amount,
        )
        for r in refunds
    ]
    for pk in sorted(touched, key=lambda pk: (pk in new_invoices, pk)):
        before = None if pk in new_invoices else notes.before.get(pk)
        plan.balances.append(
            BalanceChange(
                invoice=numbers[pk],
                provisional=pk in new_invoices,
                before=Balance(**before) if before else None,
                after=_balance(after[pk]),
            )
        )


BALANCE_COLUMNS = (
    "gross_total",
    "credited_total",
    "paid_total",
    "refunded_total",
    "outstanding",
    "overpayment",
    "status",
)


def _balance(inv: Invoice) -> Balance:
    return Balance(
        total=inv.gross_total,
        credited=inv.credited_total,
        paid=inv.paid_total - inv.refunded_total,
        outstanding=inv.outstanding,
        overpayment=inv.overpayment,
        status=inv.status,
    )


def _invoice_document(inv: Invoice) -> Document:
    refers = inv.charge_for or inv.supersedes
    return Document(
        kind=inv.get_kind_display(),
        number=inv.display_no,
        provisional=True,
        bill_to=inv.bill_to_name,
        issue_date=inv.issue_date,
        refers_to=(
            f"{'Charge for' if inv.charge_for_id else 'Replaces'} {refers.display_no}"
            if refers
            else ""
        ),
        note=f"Purchase order number {inv.po_number}" if inv.po_number else "",
        lines=[
            Line(
                description=line.description,
                quantity=line.quantity,
                unit_net=line.unit_net,
                net=line.net,
                vat_rate=line.vat_rate,
                vat=line.vat,
                gross=line.gross,
            )
            for line in inv.lines.all()
        ],
        net_total=inv.net_total,
        vat_total=inv.vat_total,
        gross_total=inv.gross_total,
    )


def _credit_note_document(note: CreditNote) -> Document:
    return Document(
        kind="Credit note",
        number=note.display_no,
        provisional=True,
        bill_to=note.buyer.get("name", ""),
        issue_date=note.issue_date,
        refers_to=f"Credits {note.invoice.display_no}",
        note=f"{note.get_method_display()} – {note.reason}",
        lines=[
            Line(
                description=line.description,
                quantity=line.quantity,
                unit_net=None,  # a credit is a share of a line, not places at a unit price
                net=line.net,
                vat_rate=line.vat_rate,
                vat=line.vat,
                gross=line.gross,
            )
            for line in note.lines.all()
        ],
        net_total=note.net_total,
        vat_total=note.vat_total,
        gross_total=note.gross_total,
    )


def _paired(rows: list[Allocation], numbers: dict[int, str]) -> list[preview.Allocation]:
    """Signed allocation rows as moves. A reallocation writes a payment's - row on the source
    and then its + row on the target, so a + row takes from the - rows of its payment written
    before it ("from invoice A to invoice B"); a + row with none before it is money received."""
    waiting: dict[int, list[list]] = defaultdict(list)  # payment -> [[invoice, amount left]]
    out: list[preview.Allocation] = []

    def move(a: Allocation, source: str, target: str, amount) -> None:
        out.append(
            preview.Allocation(
                payment=a.payment.display_no, from_invoice=source, to_invoice=target, amount=amount
            )
        )

    for a in rows:
        if a.amount < 0:
            waiting[a.payment_id].append([a, -a.amount])
            continue
        left = a.amount
        for source in waiting[a.payment_id]:
            take = min(source[1], left)
            if take > 0:
                move(a, numbers[source[0].invoice_id], numbers[a.invoice_id], take)
                source[1] -= take
                left -= take
        if left > 0:
            move(a, "", numbers[a.invoice_id], left)
    for sources in waiting.values():
        for a, left in sources:
            if left > 0:  # taken off with no destination in this run
                move(a, numbers[a.invoice_id], "", left)
    return out
