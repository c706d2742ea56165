"""The ledger services: every money change goes through these functions.

Each runs in one transaction, locks the customer's billing account first (then invoices by pk,
then the number sequences), checks its guard and raises `core.errors.DomainError` when a rule
refuses, writes its rows, refreshes the invoices' cached balances and writes an audit entry.
Interface: docs/ARCHITECTURE.md "Ledger (invoicing.services)".
"""

from ._common import ledger_operation, recompute_balances
from .credit_notes import credit_note_issue
from .documents import (
    LineSpec,
    billing_account_for,
    charge_invoice_issue,
    invoice_issue,
)
from .emails import credit_note_email_send, invoice_email_send
from .money import payment_reallocate, payment_record, refund_issue, refund_state_set
from .seam import CourseInvoiceReplaced, PlacesCredited, course_invoice_replace, places_credit
from .transfers import TransferMoney, place_transfer_money

__all__ = [
    "CourseInvoiceReplaced",
    "PlacesCredited",
    "course_invoice_replace",
    "places_credit",
    "LineSpec",
    "billing_account_for",
    "charge_invoice_issue",
    "credit_note_email_send",
    "credit_note_issue",
    "invoice_email_send",
    "invoice_issue",
    "ledger_operation",
    "payment_reallocate",
    "payment_record",
    "recompute_balances",
    "refund_issue",
    "refund_state_set",
    "TransferMoney",
    "place_transfer_money",
]
