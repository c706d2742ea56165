"""`manage.py ledger_verify`: recompute every invoice's balances from its ledger rows.

Runs nightly on beat (`invoicing.tasks.ledger_verify_task`); run it by hand after a restore
or any manual change to the database. Exits with status 1 when an invoice has drifted, so a
cron job or a monitor can alert on it. The run is recorded for the Outbox page.
"""

from django.core.management.base import BaseCommand, CommandError

from invoicing.services.verify import ledger_verify


class Command(BaseCommand):
    help = "Recompute every invoice's cached balances from its ledger rows; report drift."

    def handle(self, *args, **options):
        check = ledger_verify()
        if not check.drifted:
            self.stdout.write(self.style.SUCCESS(f"{check.invoices} invoices checked: no drift."))
            return
        for row in check.sample:
            figures = "; ".join(
                f"{name} cached {cached}, derived {derived}"
                for name, (cached, derived) in row["fields"].items()
            )
            self.stdout.write(f"{row['display_no']}: {figures}")
        raise CommandError(
            f"{check.drifted} of {check.invoices} invoices have cached balances that differ "
            "from their ledger rows."
        )
