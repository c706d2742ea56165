from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from core.health import register_health_check
        from core.preview import register_collector
        from notifications.attachments import register

        from .health import ledger_health
        from .preview import collect

        register_collector(collect)  # the ledger's section of every money preview
        register_health_check(ledger_health)  # the nightly ledger_verify, on the Outbox page

        from .pdf import credit_note_pdf_attachment, invoice_pdf_attachment

        register("invoice_pdf", invoice_pdf_attachment)
        register("credit_note_pdf", credit_note_pdf_attachment)
