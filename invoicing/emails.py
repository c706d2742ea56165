"""Default email templates of invoicing (created in the database after migrate, then editable)
and the context they are rendered with."""

from core.money import money_str

from .models import CreditNote, Invoice

INVOICE_TEMPLATE = "invoice_issued"
CREDIT_NOTE_TEMPLATE = "credit_note_issued"

EMAIL_TEMPLATES = {
    INVOICE_TEMPLATE: {
        "name": "Invoice",
        "description": "Sent with an invoice PDF attached. Context: invoice_number, customer_name,"
        " total, amount_due, due_date, po_number, seller_name.",
        "subject": "Invoice {{ invoice_number }} from {{ seller_name }}",
        "body": (
            "Dear {{ customer_name }},\n\n"
            "Please find attached invoice {{ invoice_number }} for {{ total }}"
            "{% if po_number %} (purchase order {{ po_number }}){% endif %}.\n"
            "Amount due: {{ amount_due }}, by {{ due_date }}.\n\n"
            "Kind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "invoice_number": "INV-000123",
            "customer_name": "Acme Ltd",
            "total": "£1,200.00",
            "amount_due": "£1,200.00",
            "due_date": "31 January 2026",
            "po_number": "PO-4471",
            "seller_name": "Northwind Training Ltd",
        },
    },
    CREDIT_NOTE_TEMPLATE: {
        "name": "Credit note",
        "description": "Sent with a credit note PDF attached. Context: credit_note_number,"
        " invoice_number, customer_name, credit_total, amount_due, seller_name.",
        "subject": "Credit note {{ credit_note_number }} from {{ seller_name }}",
        "body": (
            "Dear {{ customer_name }},\n\n"
            "Please find attached credit note {{ credit_note_number }} for {{ credit_total }}, "
            "applied to invoice {{ invoice_number }}.\n"
            "Amount now due on that invoice: {{ amount_due }}.\n\n"
            "Kind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "credit_note_number": "CN-000045",
            "invoice_number": "INV-000123",
            "customer_name": "Acme Ltd",
            "credit_total": "£428.57",
            "amount_due": "£571.43",
            "seller_name": "Northwind Training Ltd",
        },
    },
}


def document_context(invoice: Invoice, *, credit_note: CreditNote | None = None) -> dict:
    """Plain values only: the outbox stores the rendered text, not the objects."""
    ctx = {
        "invoice_number": invoice.display_no,
        "customer_name": invoice.bill_to_name,
        "total": money_str(invoice.gross_total),
        "amount_due": money_str(invoice.outstanding),
        "due_date": invoice.due_date.strftime("%d %B %Y"),
        "po_number": invoice.po_number,
        "seller_name": invoice.seller.get("name", ""),
    }
    if credit_note is not None:
        ctx["credit_note_number"] = credit_note.display_no
        ctx["credit_total"] = money_str(credit_note.gross_total)
    return ctx
