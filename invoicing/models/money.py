"""Money rows: payments received, allocations to invoices, refunds paid out."""

from django.db import models
from django.db.models import Q

from core.states import BAD, OK, StateTable

from ._base import AppendOnlyModel, AppendOnlyQuerySet, LedgerImmutableError
from .accounts import BillingAccount, Operation
from .documents import Invoice


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
