from django.apps import AppConfig


def _sync_email_templates(sender, using="default", **kwargs) -> None:
    from .services import email_templates_sync

    email_templates_sync(using=using)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Default templates get their editable rows right after migrate.
        post_migrate.connect(
            _sync_email_templates, sender=self, dispatch_uid="notifications_sync_templates"
        )
