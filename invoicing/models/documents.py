"""Documents: invoices and credit notes with their lines."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from ._base import ZERO, AppendOnlyModel, LedgerImmutableError
from .accounts import BillingAccount, Operation


class InvoiceStatus(models.TextChoices):
    OUTSTANDING = "Outstanding", "Outstanding"
    PART_COMPLETED = "Part Completed", "Part Completed"
    COMPLETED = "Completed", "Completed"


# The only invoice columns that change after issue: caches of sums over ledger rows.
BALANCE_FIELDS = (
    "credited_total",
    "paid_total",
    "refunded_total",
    "outstanding",
    "overpayment",
    "status",
    "overpaid",
)


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if not set(kwargs) <= set(BALANCE_FIELDS):
            raise LedgerImmutableError("issued invoices cannot be changed")
        return super().update(**kwargs)

    def delete(self):
        raise LedgerImmutableError("invoices are never deleted")


class Invoice(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", "Invoice"
        TRANSFER = "transfer", "Transfer invoice"
        CHARGE = "charge", "Charge invoice"

    Status = InvoiceStatus

    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="invoices")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STANDARD)
    series = models.CharField(max_length=20)
    number = models.PositiveBigIntegerField()
    display_no = models.CharField("Invoice number", max_length=40, unique=True)
    issue_date = models.DateField()
    tax_point = models.DateField()
    due_date = models.DateField()
    po_number = models.CharField("Purchase order number", max_length=100, blank=True)
    booking = models.ForeignKey(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="Transfer: the invoice this one replaces.",
    )
    charge_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
        help_text="Charge: the invoice whose cancellation is charged.",
    )
    # Snapshots at issue: the document prints these, whatever happens to the contacts later.
    bill_to_name = models.CharField("Bill to", max_length=200)
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    net_total = models.DecimalField(max_digits=12, decimal_places=2)
    vat_total = models.DecimalField(max_digits=12, decimal_places=2)
    gross_total = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    # Cached balances (LEDGER 2.3), rewritten in every transaction that adds a row they sum.
    credited_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    paid_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, help_text="Sum of allocations."
    )
    refunded_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    outstanding = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    overpayment = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    status = models.CharField(
        max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.OUTSTANDING
    )
    overpaid = models.BooleanField(default=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="invoice_series_number"),
            models.CheckConstraint(name="invoice_totals", condition=Q(gross_total__gte=0)),
            models.CheckConstraint(
                name="invoice_balance_non_negative",
                condition=Q(outstanding__gte=0, overpayment__gte=0),
            ),
        ]
        indexes = [
            # The finance list: default order, and each filter combined with that order.
            models.Index(fields=["-issue_date", "-number"], name="invoice_list_order"),
            models.Index(fields=["status", "-issue_date", "-number"], name="invoice_status_order"),
            models.Index(fields=["account", "-issue_date"], name="invoice_account_order"),
            models.Index(
                fields=["due_date"],
                name="invoice_overdue",
                condition=Q(outstanding__gt=0),
            ),
            models.Index(
                fields=["-issue_date", "-number"],
                name="invoice_overpaid_order",
                condition=Q(overpaid=True),
            ),
            # + a trigram index on upper(bill_to_name), migration 0002 (PostgreSQL only).
        ]

    def __str__(self) -> str:
        return self.display_no

    # --- immutability -------------------------------------------------------------------------
    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= set(BALANCE_FIELDS):
                raise LedgerImmutableError(f"invoice {self.display_no} is issued and immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("invoices are never deleted")

    # --- derived --------------------------------------------------------------------------------
    @property
    def credited(self) -> bool:
        return self.credited_total == self.gross_total and self.gross_total > 0

    @property
    def is_standard(self) -> bool:
        return self.kind == Invoice.Kind.STANDARD

    @property
    def is_charge(self) -> bool:
        return self.kind == Invoice.Kind.CHARGE

    @property
    def due_total(self) -> Decimal:
        """D = T - C: what the customer owes before payments."""
        return self.gross_total - self.credited_total

    @property
    def net_received(self) -> Decimal:
        """N = P - R: money held on the invoice."""
        return self.paid_total - self.refunded_total

    @property
    def status_badge(self) -> str:
        return {
            InvoiceStatus.OUTSTANDING: "badge-warn",
            InvoiceStatus.PART_COMPLETED: "badge-warn",
            InvoiceStatus.COMPLETED: "badge-ok",
        }.get(self.status, "badge-muted")


class InvoiceLine(AppendOnlyModel):
    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        PLACES = "places", "Places"
        TRANSFER_FEE = "transfer_fee", "Transfer fee"
        CANCELLATION_CHARGE = "cancellation_charge", "Cancellation charge"
        DISCOUNT = "discount", "Discount"
        TUITION = "tuition", "Tuition"
        OTHER = "other", "Other"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.COURSE)
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    unit_net = models.DecimalField(max_digits=12, decimal_places=2)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    vat = models.DecimalField(max_digits=12, decimal_places=2)
    gross = models.DecimalField(max_digits=12, decimal_places=2)
    booking_place = models.ForeignKey(
        "bookings.BookingPlace",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    # The course the line earns revenue for (course places, transfer fees, charges), recorded
    # at issue so the revenue figures never reach into bookings.
    course = models.ForeignKey(
        "schedules.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * 100).normalize()

    @property
    def shows_unit_price(self) -> bool:
        """Whether unit price x quantity is exactly the line's net. A package priced for the
        whole line (7 places for £1000.00 inc. VAT) has a rounded unit price that does not
        multiply back, so documents show it as a package instead of a wrong sum."""
        return self.unit_net * self.quantity == self.net


class CreditNote(AppendOnlyModel):
    class Method(models.TextChoices):
        FULL = "full", "Full"
        PROPORTIONAL = "proportional", "Proportional by places"
        ENTERED = "entered", "Amount entered"

    account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="credit_notes"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="credit_notes")
    series = models.CharField(max_length=20)
    number = models.PositiveBigIntegerField()
    display_no = models.CharField("Credit note number", max_length=40, unique=True)
    issue_date = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices)
    reason = models.TextField()
    places_cancelled = models.PositiveIntegerField(default=0)
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    net_total = models.DecimalField(max_digits=12, decimal_places=2)
    vat_total = models.DecimalField(max_digits=12, decimal_places=2)
    gross_total = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="credit_note_series_number"),
            models.CheckConstraint(name="credit_note_positive", condition=Q(gross_total__gt=0)),
        ]

    def __str__(self) -> str:
        return self.display_no


class CreditNoteLine(AppendOnlyModel):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines"
    )
    quantity = models.PositiveIntegerField(default=0, help_text="Places credited, if by places.")
    description = models.CharField(max_length=300)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    vat = models.DecimalField(max_digits=12, decimal_places=2)
    gross = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["credit_note", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * 100).normalize()
