"""The nightly ledger verification: every invoice's cached balances against its raw rows.

The database already refuses an UPDATE that sets balances the rows do not derive (the trigger
of migration 0006). What no UPDATE shows is drift from elsewhere: rows written around the
services (a bulk load, a manual fix in psql, a restore), or a bug in the trigger itself. This
recomputes every invoice with `invoicing.ledger.derive`, the Python rules of LEDGER 2.3 (not
the trigger's SQL copy of them), and records the result for the Outbox page.
"""

import logging

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.money import q

from ..ledger import ZERO, derive
from ..models import BALANCE_FIELDS, Allocation, CreditNote, Invoice, LedgerCheck, Refund

logger = logging.getLogger(__name__)

SAMPLE = 20  # drifted invoices kept with their figures (the count covers all of them)


def _sum(queryset, column: str) -> Coalesce:
    money = DecimalField(max_digits=14, decimal_places=2)
    total = queryset.order_by().values("invoice").annotate(s=Sum(column)).values("s")
    return Coalesce(Subquery(total, output_field=money), Value(ZERO), output_field=money)


def ledger_drift() -> tuple[int, int, list[dict]]:
    """(invoices checked, invoices drifted, the first `SAMPLE` drifted with their figures).

    One query, read as a stream: each row carries the invoice's cached balances and the sums
    of its credit notes, allocations and counting refunds, all from the same snapshot."""
    by_invoice = {"invoice": OuterRef("pk")}
    rows = (
        Invoice.objects.order_by("pk")
        .annotate(
            raw_credited=_sum(CreditNote.objects.filter(**by_invoice), "gross_total"),
            raw_paid=_sum(Allocation.objects.filter(**by_invoice), "amount"),
            raw_refunded=_sum(
                Refund.objects.filter(**by_invoice, state__in=Refund.COUNTING), "amount"
            ),
        )
        .values(
            "pk",
            "display_no",
            "gross_total",
            *BALANCE_FIELDS,
            "raw_credited",
            "raw_paid",
            "raw_refunded",
        )  # fmt: skip
    )
    checked = drifted = 0
    sample: list[dict] = []
    for row in rows.iterator(chunk_size=2000):
        checked += 1
        derived = derive(
            total=row["gross_total"],
            credited=q(row["raw_credited"]),
            paid=q(row["raw_paid"]),
            refunded=q(row["raw_refunded"]),
        ).as_fields()
        fields = {
            name: [str(row[name]), str(derived[name])]
            for name in BALANCE_FIELDS
            if row[name] != derived[name]
        }
        if fields:
            drifted += 1
            if len(sample) < SAMPLE:
                sample.append({"id": row["pk"], "display_no": row["display_no"], "fields": fields})
    return checked, drifted, sample


def ledger_verify() -> LedgerCheck:
    """Check every invoice and record the run (read by the Outbox page's system checks)."""
    checked, drifted, sample = ledger_drift()
    if drifted:
        logger.error(
            "ledger_verify: %d of %d invoices have cached balances that differ from their "
            "ledger rows, e.g. %s",
            drifted,
            checked,
            ", ".join(s["display_no"] for s in sample[:5]),
        )
    return LedgerCheck.objects.create(invoices=checked, drifted=drifted, sample=sample)
