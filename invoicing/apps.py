from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from core.preview import register_collector
        from notifications.attachments import register

        from .preview import collect

        register_collector(collect)  # the ledger's section of every money preview

        from .pdf import credit_note_pdf_attachment, invoice_pdf_attachment

        register("invoice_pdf", invoice_pdf_attachment)
        register("credit_note_pdf", credit_note_pdf_attachment)
