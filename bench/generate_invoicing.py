"""Invoices at scale, and the figures of issue 3.

1. Issues INVOICES_THROUGH_SERVICES invoices through the ledger services, each with a payment
   (some part, some in full, some over), and prints the time taken: the cost of the real path
   (locks, numbering, balances, audit) per invoice.
2. COPYs the rest up to INVOICES_TOTAL with consistent ledger rows (lines, payments,
   allocations, cached balances), numbered after the service-issued ones, for the list bench,
   then rebuilds the revenue report's figures from the ledger (the COPY bypassed the services).
3. Renders 100 invoice PDFs and prints the median time per PDF.
"""

import json
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from bench.common import Context

INVOICES_TOTAL = 100_000
INVOICES_THROUGH_SERVICES = 10_000


def main() -> None:
    """Run only this generator on top of `generate.py --only-core`:
    DATABASE_URL=... python -m bench.generate_invoicing [--scale 1.0]"""
    import argparse
    import random
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import setup_django

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=43)
    args = parser.parse_args()
    setup_django()
    ctx = Context(rng=random.Random(args.seed), scale=args.scale, now=datetime.now(UTC))
    with ctx.timed("invoicing"):
        generate(ctx)


PDFS = 100
VAT = Decimal("0.2000")
CENT = Decimal("0.01")


def _accounts(ctx: Context) -> list:
    from contacts.models import Organisation
    from invoicing.models import BillingAccount

    orgs = list(Organisation.objects.values_list("id", "name")[: ctx.n(5_000)])
    BillingAccount.objects.bulk_create(
        [BillingAccount(organisation_id=oid, name=name) for oid, name in orgs],
        batch_size=2_000,
        ignore_conflicts=True,
    )
    return list(BillingAccount.objects.filter(organisation__isnull=False).order_by("id"))


def _through_services(ctx: Context, accounts: list) -> int:
    from invoicing.services import LineSpec, invoice_issue, payment_record

    total = ctx.n(INVOICES_THROUGH_SERVICES)
    rng = ctx.rng
    started = time.perf_counter()
    for i in range(total):
        places = rng.randint(1, 6)
        inv = invoice_issue(
            actor=None,
            account=rng.choice(accounts),
            lines=[
                LineSpec(
                    description="Course places",
                    unit_net=Decimal(rng.randrange(5_000, 120_000)) * CENT,
                    vat_rate=VAT,
                    quantity=places,
                )
            ],
            po_number=f"PO-{i:05d}" if i % 3 == 0 else "",
        )
        roll = rng.random()
        if roll < 0.6:  # paid in full
            amount = inv.gross_total
        elif roll < 0.8:  # part-paid
            amount = (inv.gross_total / 2).quantize(CENT)
        elif roll < 0.85:  # overpaid
            amount = inv.gross_total + Decimal("10.00")
        else:
            continue
        payment_record(actor=None, invoice=inv, amount=amount, method="bank_transfer")
    elapsed = time.perf_counter() - started
    ctx.log(
        f"  FIGURE issued {total:,} invoices (+ payments on 85%) through the services in "
        f"{elapsed:.1f} s = {elapsed / total * 1000:.2f} ms per invoice"
    )
    return total


def _copied(ctx: Context, accounts: list, *, first_number: int, existing: int) -> None:
    from django.conf import settings
    from django.db import connection

    from invoicing.models import DocumentSequence, Operation

    rng = ctx.rng
    total = max(0, ctx.n(INVOICES_TOTAL) - existing)
    if not total:
        return
    op = Operation.objects.create(kind=Operation.Kind.ISSUE, reason="bench data (COPY)")
    now = ctx.now
    seller = json.dumps(settings.SELLER)
    prefix = settings.INVOICE_NUMBER_PREFIX
    plan = []  # (number, account, gross, paid)
    invoice_rows = []
    for k in range(total):
        number = first_number + k
        acct = rng.choice(accounts)
        quantity = rng.randint(1, 6)
        unit = Decimal(rng.randrange(5_000, 120_000)) * CENT
        net = unit * quantity
        vat = (net * VAT).quantize(CENT)
        gross = net + vat
        roll = rng.random()
        paid = gross if roll < 0.6 else (gross / 2).quantize(CENT) if roll < 0.8 else Decimal(0)
        status = "Completed" if paid == gross else "Part Completed" if paid else "Outstanding"
        issued = (now - timedelta(days=rng.randint(0, 1_100))).date()
        plan.append((number, acct, quantity, unit, net, vat, gross, paid, issued))
        buyer = json.dumps({"name": acct.name, "address": "", "email": "", "kind": "organisation"})
        invoice_rows.append((
            acct.pk, op.pk, "standard", "INV", number, f"{prefix}{number:06d}", issued, issued,
            issued + timedelta(days=30), "", acct.name, seller, buyer, net, vat, gross, now,
            Decimal(0), paid, Decimal(0), gross - paid, Decimal(0), status, False,
        ))  # fmt: skip
    ctx.copy_rows(
        "invoicing_invoice",
        ["account_id", "operation_id", "kind", "series", "number", "display_no", "issue_date",
         "tax_point", "due_date", "po_number", "bill_to_name", "seller", "buyer", "net_total",
         "vat_total", "gross_total", "created_at", "credited_total", "paid_total",
         "refunded_total", "outstanding", "overpayment", "status", "overpaid"],
        invoice_rows,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, id FROM invoicing_invoice WHERE series = 'INV' AND number >= %s",
            [first_number],
        )
        ids = dict(cursor.fetchall())
    ctx.copy_rows(
        "invoicing_invoiceline",
        ["invoice_id", "position", "kind", "description", "quantity", "unit_net", "net",
         "vat_rate", "vat", "gross"],
        ((ids[p[0]], 1, "course", "Course places", p[2], p[3], p[4], VAT, p[5], p[6])
         for p in plan),
    )  # fmt: skip
    paid_plan = [p for p in plan if p[7]]
    ctx.copy_rows(
        "invoicing_payment",
        ["account_id", "operation_id", "received_on", "method", "reference", "amount",
         "created_at"],
        ((p[1].pk, op.pk, p[8], "bank_transfer", f"BENCH-{p[0]}", p[7], now) for p in paid_plan),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reference, id FROM invoicing_payment WHERE reference LIKE 'BENCH-%%'"
        )
        pay_ids = dict(cursor.fetchall())
    ctx.copy_rows(
        "invoicing_allocation",
        ["payment_id", "invoice_id", "operation_id", "amount", "created_at"],
        ((pay_ids[f"BENCH-{p[0]}"], ids[p[0]], op.pk, p[7], now) for p in paid_plan),
    )
    last = first_number + total - 1
    DocumentSequence.objects.update_or_create(series="INV", defaults={"last": last})
    with connection.cursor() as cursor:
        for table in ("invoice", "invoiceline", "payment", "allocation", "billingaccount"):
            cursor.execute(f"ANALYZE invoicing_{table}")
    ctx.log(f"  {total:,} more invoices copied (numbers {first_number}..{last})")
    # The copied rows bypassed the services: recompute the revenue report's figures from the
    # ledger (set-based, a few seconds).
    from invoicing.services.revenue import revenue_rebuild

    with ctx.timed("revenue figures rebuilt"):
        revenue_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoicing_revenuetotal")


def _pdfs(ctx: Context) -> None:
    from invoicing.models import Invoice
    from invoicing.pdf import render_invoice_pdf

    invoices = list(Invoice.objects.order_by("number")[: PDFS + 1])
    render_invoice_pdf(invoices[0])  # warm-up: WeasyPrint import and font loading
    timings = []
    for inv in invoices[1:]:
        started = time.perf_counter()
        render_invoice_pdf(inv)
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    ctx.log(
        f"  FIGURE rendered {len(timings)} invoice PDFs: median "
        f"{statistics.median(timings):.0f} ms, p95 {p95:.0f} ms per PDF"
    )


def generate(ctx: Context) -> None:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from invoicing.models import DocumentSequence, Invoice

    if not Invoice.objects.exists():  # --reset empties the ledger but not the counters
        DocumentSequence.objects.all().delete()
    accounts = _accounts(ctx)
    _through_services(ctx, accounts)
    # Other generators (bookings) may have issued invoices too: continue after the last number.
    last = DocumentSequence.objects.filter(series="INV").values_list("last", flat=True).first()
    _copied(ctx, accounts, first_number=(last or 0) + 1, existing=Invoice.objects.count())
    _pdfs(ctx)


if __name__ == "__main__":
    main()
