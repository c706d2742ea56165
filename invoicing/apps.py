from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from notifications.attachments import register

        from .pdf import credit_note_pdf_attachment, invoice_pdf_attachment

        register("invoice_pdf", invoice_pdf_attachment)
        register("credit_note_pdf", credit_note_pdf_attachment)
