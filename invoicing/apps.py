from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from core.preview import register_collector

        from .preview import collect

        register_collector(collect)  # the ledger's section of every money preview

        try:
            from notifications.attachments import register
        except ImportError:  # notifications not installed: nothing to attach to
            return

        from .pdf import credit_note_pdf_attachment, invoice_pdf_attachment

        register("invoice_pdf", invoice_pdf_attachment)
        register("credit_note_pdf", credit_note_pdf_attachment)
