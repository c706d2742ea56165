"""Send an invoice or credit note by email, PDF attached, through the outbox."""

from collections.abc import Sequence

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.transactions import service_atomic
from notifications.models import OutboxMessage

from ..emails import CREDIT_NOTE_TEMPLATE, INVOICE_TEMPLATE, document_context
from ..models import CreditNote, Invoice


def _recipients(to, fallback: str) -> list[str]:
    if isinstance(to, str):
        to = [to]
    addresses = [a.strip() for a in (to or [fallback]) if a and a.strip()]
    if not addresses:
        raise DomainError("This customer has no email address; enter one to send to.", field="to")
    return addresses


def invoice_email_send(
    *, actor: Actor, invoice: Invoice, to: str | Sequence[str] | None = None
) -> OutboxMessage:
    """Queue the invoice email with its PDF (rendered by the sender, after commit)."""
    from notifications.services import email_queue

    addresses = _recipients(to, invoice.buyer.get("email", ""))
    about = [invoice] + ([invoice.booking] if invoice.booking_id else [])
    with service_atomic():
        message = email_queue(
            to=addresses,
            template_key=INVOICE_TEMPLATE,
            context=document_context(invoice),
            about=about,
            attachments=[("invoice_pdf", invoice.pk)],
            actor=actor,
        )
        audit_record(
            actor=actor,
            target=invoice,
            action="invoice.emailed",
            summary=f"Invoice {invoice.display_no} emailed to {', '.join(addresses)}",
        )
    return message


def credit_note_email_send(
    *, actor: Actor, credit_note: CreditNote, to: str | Sequence[str] | None = None
) -> OutboxMessage:
    from notifications.services import email_queue

    invoice = credit_note.invoice
    addresses = _recipients(to, credit_note.buyer.get("email", ""))
    about = [invoice] + ([invoice.booking] if invoice.booking_id else [])
    with service_atomic():
        message = email_queue(
            to=addresses,
            template_key=CREDIT_NOTE_TEMPLATE,
            context=document_context(invoice, credit_note=credit_note),
            about=about,
            attachments=[("credit_note_pdf", credit_note.pk)],
            actor=actor,
        )
        audit_record(
            actor=actor,
            target=invoice,
            action="credit_note.emailed",
            summary=f"Credit note {credit_note.display_no} emailed to {', '.join(addresses)}",
        )
    return message
