"""Read-only admin views of the ledger: every change goes through the services."""

from django.contrib import admin

from .models import (
    Allocation,
    BillingAccount,
    CreditNote,
    DocumentSequence,
    Invoice,
    Operation,
    Payment,
    Refund,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["display_no", "bill_to_name", "issue_date", "gross_total", "status"]
    search_fields = ["display_no", "bill_to_name"]
    list_filter = ["status", "kind"]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["display_no", "invoice", "issue_date", "gross_total", "method"]
    search_fields = ["display_no"]
    raw_id_fields = ["invoice"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "received_on", "method", "amount", "reference"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "invoice", "amount", "operation"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "invoice", "amount", "state"]


@admin.register(Operation)
class OperationAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "actor", "at"]


@admin.register(BillingAccount)
class BillingAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "contact", "family"]
    search_fields = ["name"]


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(ReadOnlyAdmin):
    list_display = ["series", "last"]
