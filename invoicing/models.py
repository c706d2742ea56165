"""The ledger: documents (Invoice, CreditNote) say what is owed, money rows (Payment, Refund)
say what cash moved, Allocation rows say which invoice the cash is attributed to.

Every row is written by `invoicing.services` only. Issued documents and money rows are
immutable and never deleted (see ../shared/LEDGER.md 2.8): `save()` of an existing row and
`delete()` refuse here, and PostgreSQL triggers (migration 0002) refuse the same at the database.
The one exception is the invoice's cached balances (`BALANCE_FIELDS`), rewritten by the services
in the same transaction as the rows they are derived from.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.states import BAD, OK, StateTable

ZERO = Decimal("0.00")


class LedgerImmutableError(Exception):
    """A programming error: something tried to change or delete a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise LedgerImmutableError(f"{self.model.__name__} rows are never deleted")


class AppendOnlyModel(models.Model):
    """Insert once; never update or delete (pretix's invoice pattern)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise LedgerImmutableError(f"{type(self).__name__} {self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(f"{type(self).__name__} rows are never deleted")


class BillingAccount(models.Model):
    """The customer a ledger belongs to: exactly one of organisation, contact or family.

    Its row is locked (select_for_update) first by every ledger operation of the customer, so
    operations of one customer queue and those of different customers run side by side.
    """

    organisation = models.OneToOneField(
        "contacts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_account",
    )
    contact = models.OneToOneField(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_account",
    )
    family = models.OneToOneField(
        "contacts.Family",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_account",
    )
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="billing_account_exactly_one_party",
                condition=(
                    Q(organisation__isnull=False, contact__isnull=True, family__isnull=True)
                    | Q(organisation__isnull=True, contact__isnull=False, family__isnull=True)
                    | Q(organisation__isnull=True, contact__isnull=True, family__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party(self):
        return self.organisation or self.contact or self.family


class DocumentSequence(models.Model):
    """Gapless counter per series; the row is locked by the issuing transaction until commit."""

    series = models.CharField(max_length=20, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"


class Operation(AppendOnlyModel):
    """One ledger operation = one transaction; every ledger row it writes points at it."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "Invoice issued"
        PAY = "pay", "Payment recorded"
        CREDIT = "credit", "Credit note issued"
        REALLOCATE = "reallocate", "Payment reallocated"
        REFUND = "refund", "Refund"
        CHARGE = "charge", "Charge invoiced"
        TRANSFER = "transfer", "Transfer"
        PLACEHOLDER_PART_CANCEL = "placeholder_part_cancel", "Placeholder part-cancel"
        PLACEHOLDER_FULL_CANCEL = "placeholder_full_cancel", "Placeholder cancel"
        CANCEL = "cancel", "Cancellation"
        DISCOUNT = "discount", "Discount changed"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class RefundState(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


# A pending refund (money not yet paid out) completes or fails; nothing else changes.
REFUND_STATES = StateTable(
    choices=RefundState,
    noun="refund",
    moves={RefundState.PENDING: {RefundState.COMPLETED, RefundState.FAILED}},
    badges={RefundState.COMPLETED: OK, RefundState.FAILED: BAD},
)


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


class Payment(AppendOnlyModel):
    """Money received ("transaction"). Always fully allocated to invoices."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CARD = "card", "Card"
        CHEQUE = "cheque", "Cheque"
        CASH = "cash", "Cash"
        OTHER = "other", "Other"

    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="payments")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices)
    reference = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(name="payment_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return self.display_no

    @property
    def display_no(self) -> str:
        return f"PAY-{self.pk}"


class Allocation(AppendOnlyModel):
    """Part of a payment attributed to an invoice; signed (a reallocation is a -/+ pair)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="allocation_non_zero", condition=~Q(amount=0)),
        ]

    def __str__(self) -> str:
        return f"{self.payment} -> {self.invoice}: {self.amount}"


class RefundQuerySet(AppendOnlyQuerySet):
    pass


class Refund(models.Model):
    """Money paid back out of an invoice's overpayment, against one payment.

    Pending and completed refunds count; a failed one stops counting. The state is the only
    column that may change (pending -> completed | failed, `services.refund_state_set`).
    """

    State = RefundState
    COUNTING = (State.PENDING, State.COMPLETED)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    state = models.CharField(max_length=20, choices=State.choices, default=State.COMPLETED)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RefundQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="refund_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return self.display_no

    @property
    def display_no(self) -> str:
        return f"RF-{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") != ["state"]:
            raise LedgerImmutableError("refunds are append-only except for their state")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("refunds are never deleted")


class StoredPdf(models.Model):
    """A rendered document, kept so it is rendered once per state of the document.

    Credit notes never change, so they have one. An invoice PDF prints amount paid and amount
    due, so its fingerprint includes the balances: a payment makes the next download render
    (and store) a new one, and earlier copies are kept as sent.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=100)
    filename = models.CharField(max_length=100)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "fingerprint"], name="stored_pdf_unique"
            )
        ]

    def __str__(self) -> str:
        return self.filename


# --- revenue figures (read by the revenue report) -------------------------------------------------
# What the report sums, kept by the ledger services so a report reads a few hundred summary rows
# instead of a year of ledger rows. `course_key` is the course a line bills (its place's
# schedule's course), 0 for lines billed for no course ("Other").
#
# - invoiced, outstanding: on the invoice's issue date; credited: on the credit note's;
# - paid: allocations on their payment's received date, less counting refunds on their local
#   creation date;
# - amounts of a whole invoice (outstanding, allocations, refunds) are shared over its courses
#   in proportion to the gross of their lines (`invoicing.services.revenue.shares`).

SHARE = {"max_digits": 30, "decimal_places": 12}


class RevenueEntry(models.Model):
    """A change of the figures, appended by a ledger service in its own transaction (inserts
    only, so concurrent invoicing never waits on a shared row). `revenue_fold` moves entries
    into `RevenueTotal`; until then the report adds them to the totals."""

    day = models.DateField()
    course_key = models.PositiveIntegerField(default=0)
    invoiced = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    credited = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    paid = models.DecimalField(**SHARE, default=ZERO)
    outstanding = models.DecimalField(**SHARE, default=ZERO)

    class Meta:
        indexes = [models.Index(fields=["day"], name="revenue_entry_day")]

    def __str__(self) -> str:
        return f"{self.day} course {self.course_key or 'other'}"


class RevenueTotal(models.Model):
    """The folded figures per course and day (`whole_month=False`) and per course and month
    (`whole_month=True`, `day` = the 1st): a period reads whole months from the month rows and
    the days of its partial first and last months from the day rows."""

    whole_month = models.BooleanField()
    day = models.DateField()
    course_key = models.PositiveIntegerField(default=0)
    invoiced = models.DecimalField(max_digits=20, decimal_places=2, default=ZERO)
    credited = models.DecimalField(max_digits=20, decimal_places=2, default=ZERO)
    paid = models.DecimalField(**SHARE, default=ZERO)
    outstanding = models.DecimalField(**SHARE, default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["whole_month", "day", "course_key"], name="revenue_total_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} course {self.course_key or 'other'}"
