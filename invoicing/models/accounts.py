"""Billing accounts, document number sequences and ledger operations."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ._base import AppendOnlyModel


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
