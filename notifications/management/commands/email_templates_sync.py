from django.core.management.base import BaseCommand

from notifications.services import email_templates_sync


class Command(BaseCommand):
    help = "Create the default email templates that have no row yet (edited ones are kept)."

    def handle(self, *args, **options):
        created = email_templates_sync()
        if created:
            self.stdout.write(f"Created email templates: {', '.join(created)}")
        else:
            self.stdout.write("Every default email template already exists.")
