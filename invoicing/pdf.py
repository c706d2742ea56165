"""Invoice and credit-note PDFs: WeasyPrint from a Django template, stored once rendered.

A credit note never changes, so it is rendered once. An invoice PDF prints the amount paid and
the amount due, so it is stored per state of the balances (`fingerprint`): the first download
after a payment renders a new one, every later download reuses it.
WeasyPrint is imported lazily: the import alone costs about half a second.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from .models import CreditNote, Invoice, StoredPdf

PDF_MIME = "application/pdf"


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 - lazy on purpose (import cost)

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_invoice_pdf(invoice: Invoice) -> bytes:
    lines = list(invoice.lines.all())
    credit_notes = list(invoice.credit_notes.order_by("number"))
    html = render_to_string(
        "invoicing/pdf/invoice.html",
        {"invoice": invoice, "lines": lines, "credit_notes": credit_notes},
    )
    return _write_pdf(html)


def render_credit_note_pdf(note: CreditNote) -> bytes:
    html = render_to_string(
        "invoicing/pdf/credit_note.html",
        {"note": note, "invoice": note.invoice, "lines": list(note.lines.all())},
    )
    return _write_pdf(html)


def invoice_fingerprint(invoice: Invoice) -> str:
    return f"{invoice.credited_total}|{invoice.paid_total}|{invoice.refunded_total}"


def _stored(kind: str, object_id: int, fingerprint: str, filename: str, render) -> bytes:
    row = (
        StoredPdf.objects.filter(kind=kind, object_id=object_id, fingerprint=fingerprint)
        .only("content")
        .first()
    )
    if row is not None:
        return bytes(row.content)
    content = render()
    try:
        with transaction.atomic():
            StoredPdf.objects.create(
                kind=kind,
                object_id=object_id,
                fingerprint=fingerprint,
                filename=filename,
                content=content,
            )
    except IntegrityError:  # rendered at the same time by another request: keep theirs
        row = StoredPdf.objects.get(kind=kind, object_id=object_id, fingerprint=fingerprint)
        return bytes(row.content)
    return content


def invoice_pdf(invoice: Invoice) -> tuple[str, bytes]:
    filename = f"{invoice.display_no}.pdf"
    content = _stored(
        StoredPdf.Kind.INVOICE,
        invoice.pk,
        invoice_fingerprint(invoice),
        filename,
        lambda: render_invoice_pdf(invoice),
    )
    return filename, content


def credit_note_pdf(note: CreditNote) -> tuple[str, bytes]:
    filename = f"{note.display_no}.pdf"
    content = _stored(
        StoredPdf.Kind.CREDIT_NOTE, note.pk, "", filename, lambda: render_credit_note_pdf(note)
    )
    return filename, content


# --- notifications attachment kinds (registered in apps.py) -------------------------------------


def invoice_pdf_attachment(object_id: int) -> tuple[str, bytes, str]:
    invoice = Invoice.objects.select_related("account").get(pk=object_id)
    filename, content = invoice_pdf(invoice)
    return filename, content, PDF_MIME


def credit_note_pdf_attachment(object_id: int) -> tuple[str, bytes, str]:
    note = CreditNote.objects.select_related("invoice").get(pk=object_id)
    filename, content = credit_note_pdf(note)
    return filename, content, PDF_MIME
