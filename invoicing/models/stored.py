"""What is kept beside the ledger: rendered PDFs, the revenue figures and the nightly checks."""

from django.db import models

from ._base import ZERO, AppendOnlyModel


class StoredPdf(AppendOnlyModel):
    """A rendered document, kept so it is rendered once per state of the document; never
    changed or deleted (a copy as sent), in Python and by a database trigger.

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


class LedgerCheck(AppendOnlyModel):
    """One run of `ledger_verify`: every invoice's cached balances recomputed from its rows.

    The Outbox page shows the latest run (drift, or a check that has not run lately).
    """

    at = models.DateTimeField(auto_now_add=True)
    invoices = models.PositiveIntegerField(help_text="Invoices checked.")
    drifted = models.PositiveIntegerField(help_text="Invoices whose cached balances differ.")
    # The first few drifted invoices: [{"id", "display_no", "fields": {name: [cached, derived]}}]
    sample = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}: {self.drifted} of {self.invoices} drifted"
