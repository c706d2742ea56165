"""Reads shared by the finance pages, the bookings pages and the reports."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from core.models import AuditEvent

from .ledger import ZERO
from .models import (
    Allocation,
    BillingAccount,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)

LIST_FIELDS = (
    "id",
    "display_no",
    "number",
    "kind",
    "bill_to_name",
    "issue_date",
    "due_date",
    "po_number",
    "gross_total",
    "outstanding",
    "overpayment",
    "status",
    "overpaid",
    "credited_total",
)


def invoice_list_queryset() -> QuerySet[Invoice]:
    """Every column the list shows is on the invoice row (cached balances, bill-to snapshot),
    so a page is one query plus the count, whatever the number of invoices."""
    return Invoice.objects.only(*LIST_FIELDS).order_by("-issue_date", "-number")


def invoices_for_booking(booking) -> list[Invoice]:
    return list(
        Invoice.objects.filter(booking=booking)
        .select_related("account")
        .prefetch_related("lines", "credit_notes")
        .order_by("issue_date", "number")
    )


def booking_invoice_numbers(booking_id: int) -> list[str]:
    """The numbers of every invoice issued for a booking (charges included): the bookings side
    asks this instead of reading invoice rows (a placeholder is transferred only while it has
    none, SPEC 5)."""
    return list(
        Invoice.objects.filter(booking_id=booking_id)
        .order_by("pk")
        .values_list("display_no", flat=True)
    )


def invoice_detail(pk: int) -> Invoice:
    """The invoice with everything its page shows, in a fixed number of queries."""
    return (
        Invoice.objects.select_related(
            "account", "booking", "supersedes", "charge_for", "operation__actor"
        )
        .prefetch_related(
            "lines",
            Prefetch("credit_notes", queryset=CreditNote.objects.order_by("number")),
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("payment").order_by("id"),
            ),
            Prefetch("refunds", queryset=Refund.objects.select_related("payment").order_by("id")),
            Prefetch("superseded_by", queryset=Invoice.objects.only("id", "display_no")),
            Prefetch("charges", queryset=Invoice.objects.only("id", "display_no", "charge_for")),
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class PaymentOnInvoice:
    payment: Payment
    allocated: Decimal
    refunded: Decimal

    @property
    def held(self) -> Decimal:
        return self.allocated - self.refunded


def payments_on_invoice(invoice: Invoice) -> list[PaymentOnInvoice]:
    """From the prefetched allocations and refunds of `invoice_detail` (no query)."""
    allocated: dict[int, Decimal] = {}
    refunded: dict[int, Decimal] = {}
    payments: dict[int, Payment] = {}
    for a in invoice.allocations.all():
        payments[a.payment_id] = a.payment
        allocated[a.payment_id] = allocated.get(a.payment_id, ZERO) + a.amount
    for r in invoice.refunds.all():
        payments[r.payment_id] = r.payment
        if r.state in Refund.COUNTING:
            refunded[r.payment_id] = refunded.get(r.payment_id, ZERO) + r.amount
    return [
        PaymentOnInvoice(p, allocated.get(pid, ZERO), refunded.get(pid, ZERO))
        for pid, p in sorted(payments.items(), key=lambda kv: (kv[1].received_on, kv[0]))
    ]


def invoice_history(invoice: Invoice, limit: int = 100) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(invoice)[:limit])


def reallocation_targets(invoice: Invoice, limit: int = 50) -> list[Invoice]:
    """Other invoices of the same customer that still owe money."""
    return list(
        Invoice.objects.filter(account_id=invoice.account_id, outstanding__gt=0)
        .exclude(pk=invoice.pk)
        .only("id", "display_no", "outstanding", "issue_date")
        .order_by("issue_date", "number")[:limit]
    )


def account_balances(account: BillingAccount) -> dict[str, Decimal]:
    sums = Invoice.objects.filter(account=account).aggregate(
        outstanding=Sum("outstanding"), overpayment=Sum("overpayment")
    )
    return {k: v or ZERO for k, v in sums.items()}


@dataclass
class LineRemaining:
    line: InvoiceLine
    net: Decimal
    vat: Decimal
    places: int

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def remaining_by_line(invoice: Invoice) -> dict[int, LineRemaining]:
    """Per invoice line: net, VAT and places not yet credited (services call it under lock)."""
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position"))
    credited = {
        row["invoice_line"]: row
        for row in CreditNoteLine.objects.filter(invoice_line__invoice=invoice)
        .values("invoice_line")
        .annotate(net=Sum("net"), vat=Sum("vat"), qty=Sum("quantity"))
    }
    out = {}
    for line in lines:
        c = credited.get(line.pk, {"net": ZERO, "vat": ZERO, "qty": 0})
        out[line.pk] = LineRemaining(
            line=line,
            net=line.net - c["net"],
            vat=line.vat - c["vat"],
            places=line.quantity - c["qty"],
        )
    return out
