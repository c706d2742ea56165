"""`manage.py demo_data`: load the demo training company once, then print the demo logins."""

import importlib
import importlib.util

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from core import demo


class Command(BaseCommand):
    help = "Load demo data (a UK training company) unless already loaded; print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the WHOLE database first (flush), then load the demo data again.",
        )

    def handle(self, *args, reset: bool = False, **options):
        if reset:
            # flush re-runs post_migrate, so roles and default email templates come back.
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("Database emptied.")
        if demo.is_loaded():
            self.stdout.write("Demo data already loaded (use --reset to start again).")
        else:
            with transaction.atomic():
                counts = demo.load(stdout=self.stdout)
                self._seed_other_apps()
            summary = ", ".join(f"{n} {what}" for what, n in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        self.stdout.write("\nDemo logins (all share one password):\n")
        self.stdout.write(demo.logins_table() + "\n")

    def _seed_other_apps(self) -> None:
        """Apps that add their own demo data expose `<app>.demo.seed(stdout=...)`."""
        for app in ("bookings", "invoicing", "appointments", "sessions_backdate", "calendars"):
            importlib.import_module(f"{app}.demo").seed(stdout=self.stdout)
