"""The invariants of ../shared/LEDGER.md section 3, checked from raw rows (never the caches)."""

from collections import defaultdict
from decimal import Decimal

from core.money import MAX_AMOUNT, gross_split, q
from invoicing.ledger import derive
from invoicing.models import (
    BALANCE_FIELDS,
    Allocation,
    CreditNote,
    CreditNoteLine,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    Operation,
    Payment,
    Refund,
)
from invoicing.services.verify import ledger_drift

ZERO = Decimal("0.00")
LEDGER_MODELS = [Invoice, InvoiceLine, CreditNote, CreditNoteLine, Payment, Allocation, Refund]


def snapshot() -> dict:
    """Every ledger row as plain values, plus the sequences: what 'changes nothing' compares."""
    snap = {m.__name__: {r["id"]: r for r in m.objects.values()} for m in LEDGER_MODELS}
    snap["Operation"] = set(Operation.objects.values_list("id", flat=True))
    snap["DocumentSequence"] = dict(DocumentSequence.objects.values_list("series", "last"))
    return snap


def assert_append_only(before: dict, after: dict) -> None:
    """Invariants 8, 9: old rows are all still there and unchanged (except the whitelisted
    invoice balance caches and refund state)."""
    for name, rows in before.items():
        if name in ("Operation", "DocumentSequence"):
            continue
        for pk, row in rows.items():
            assert pk in after[name], f"{name} {pk} disappeared"
            new = after[name][pk]
            skip = (
                set(BALANCE_FIELDS)
                if name == "Invoice"
                else {"state"}
                if name == "Refund"
                else set()
            )
            for field, value in row.items():
                if field not in skip:
                    assert new[field] == value, f"{name} {pk}.{field} changed"
            if name == "Refund" and row["state"] != new["state"]:
                assert row["state"] == "pending" and new["state"] in ("completed", "failed")


def check_all() -> None:
    invoices = {i.pk: i for i in Invoice.objects.all()}
    lines = list(InvoiceLine.objects.all())
    notes = {n.pk: n for n in CreditNote.objects.all()}
    note_lines = list(CreditNoteLine.objects.select_related("invoice_line"))
    payments = {p.pk: p for p in Payment.objects.all()}
    allocations = list(Allocation.objects.all())
    refunds = [r for r in Refund.objects.all() if r.state in Refund.COUNTING]

    C = defaultdict(lambda: ZERO)
    P = defaultdict(lambda: ZERO)
    R = defaultdict(lambda: ZERO)
    pay_alloc = defaultdict(lambda: ZERO)
    pay_refund = defaultdict(lambda: ZERO)
    held = defaultdict(lambda: ZERO)
    for n in notes.values():
        C[n.invoice_id] += n.gross_total
    for a in allocations:
        P[a.invoice_id] += a.amount
        pay_alloc[a.payment_id] += a.amount
        held[(a.payment_id, a.invoice_id)] += a.amount
        # 22: allocations point at an invoice of the payment's customer
        assert invoices[a.invoice_id].account_id == payments[a.payment_id].account_id
    for r in refunds:
        R[r.invoice_id] += r.amount
        pay_refund[r.payment_id] += r.amount
        held[(r.payment_id, r.invoice_id)] -= r.amount
        assert invoices[r.invoice_id].account_id == payments[r.payment_id].account_id

    # 2 payments fully allocated; 3 refunds bounded
    for p in payments.values():
        assert pay_alloc[p.pk] == p.amount, f"payment {p.pk} not fully allocated"
        assert pay_refund[p.pk] <= p.amount
    for key, value in held.items():
        assert value >= 0, f"payment/invoice {key} holds {value}"

    # 1, 7: cash conservation, global and per customer
    per_account = defaultdict(lambda: [ZERO, ZERO])  # [money in - out, sum N]
    for p in payments.values():
        per_account[p.account_id][0] += p.amount
    for r in refunds:
        per_account[payments[r.payment_id].account_id][0] -= r.amount
    for inv in invoices.values():
        per_account[inv.account_id][1] += P[inv.pk] - R[inv.pk]
    for acct, (cash, n_sum) in per_account.items():
        assert cash == n_sum, f"account {acct}: cash {cash} != held {n_sum}"

    # 4, 5, 6, 23: credits bounded, balance identity, caches equal recomputation
    for inv in invoices.values():
        assert ZERO <= C[inv.pk] <= inv.gross_total
        b = derive(total=inv.gross_total, credited=C[inv.pk], paid=P[inv.pk], refunded=R[inv.pk])
        for field, value in b.as_fields().items():
            assert getattr(inv, field) == value, f"{inv} cached {field} drifted"
        # 6: status as a pure function of (D, N), written out independently of derive()
        d, n = inv.gross_total - C[inv.pk], P[inv.pk] - R[inv.pk]
        expected = (
            "Outstanding" if n == 0 and d > 0 else "Part Completed" if 0 < n < d else "Completed"
        )
        assert inv.status == expected, f"{inv} status {inv.status}, expected {expected}"
        assert (inv.outstanding, inv.overpayment) == (max(d - n, ZERO), max(n - d, ZERO))
        assert inv.outstanding - inv.overpayment == inv.gross_total - C[inv.pk] - (
            P[inv.pk] - R[inv.pk]
        )
        assert inv.outstanding >= 0 and inv.overpayment >= 0
        assert inv.outstanding == 0 or inv.overpayment == 0
        assert inv.overpaid == (inv.overpayment > 0)
    # The nightly verification agrees: no drift where the raw rows above find none.
    assert ledger_drift()[:2] == (len(invoices), 0)

    # SPEC section 3: no single amount or document total above MAX_AMOUNT; only discount lines
    # are negative; an invoice totals more than zero unless issued with allow_zero
    for amount in (
        [p.amount for p in payments.values()]
        + [r.amount for r in refunds]
        + [n.gross_total for n in notes.values()]
        + [x for i in invoices.values() for x in (i.net_total, i.vat_total, i.gross_total)]
        + [x for line in lines for x in (line.unit_net, line.net, line.vat, line.gross)]
    ):
        assert abs(amount) <= MAX_AMOUNT, f"{amount} is above MAX_AMOUNT"
    for line in lines:
        assert line.kind == "discount" or line.net >= 0, f"negative line {line.pk}"

    # 10: document arithmetic and precision
    by_invoice = defaultdict(list)
    for line in lines:
        by_invoice[line.invoice_id].append(line)
        assert line.gross == line.net + line.vat
        # VAT on the net (priced net), or split once from a VAT-inclusive line price
        assert line.vat == q(line.net * line.vat_rate) or (line.net, line.vat) == gross_split(
            line.gross, line.vat_rate
        )
        assert line.net == q(line.unit_net * line.quantity) or line.unit_net == q(
            line.net / line.quantity
        )
        for x in (line.net, line.vat, line.gross):
            assert q(x) == x
    for inv in invoices.values():
        ls = by_invoice[inv.pk]
        assert inv.net_total == sum((x.net for x in ls), ZERO)
        assert inv.vat_total == sum((x.vat for x in ls), ZERO)
        assert inv.gross_total == inv.net_total + inv.vat_total

    # 4 per line, 11 CN VAT fidelity
    credited_line = defaultdict(lambda: [ZERO, ZERO, 0])
    cn_sums = defaultdict(lambda: [ZERO, ZERO])
    for cl in note_lines:
        note = notes[cl.credit_note_id]
        assert cl.invoice_line.invoice_id == note.invoice_id
        assert cl.vat_rate == cl.invoice_line.vat_rate
        assert cl.gross == cl.net + cl.vat
        credited_line[cl.invoice_line_id][0] += cl.net
        credited_line[cl.invoice_line_id][1] += cl.vat
        credited_line[cl.invoice_line_id][2] += cl.quantity
        cn_sums[note.pk][0] += cl.net
        cn_sums[note.pk][1] += cl.vat
    for line in lines:
        net, vat, qty = credited_line[line.pk]
        if line.net >= 0:
            assert ZERO <= net <= line.net and ZERO <= vat <= line.vat, f"line {line.pk}"
        assert qty <= line.quantity
    for note in notes.values():
        inv = invoices[note.invoice_id]
        assert note.account_id == inv.account_id
        assert note.issue_date >= inv.issue_date
        assert [note.net_total, note.vat_total] == cn_sums[note.pk]
        assert note.gross_total == note.net_total + note.vat_total > 0

    # 12: gapless numbering per series, matching the counters
    seq = dict(DocumentSequence.objects.values_list("series", "last"))
    for series, numbers in (
        ("INV", sorted(i.number for i in invoices.values())),
        ("CN", sorted(n.number for n in notes.values())),
    ):
        assert numbers == list(range(1, len(numbers) + 1)), f"{series} numbers {numbers}"
        assert seq.get(series, 0) == len(numbers)
