from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import lookups  # noqa: F401  (registers field__any)
        from .accounts import throttle  # noqa: F401  (log-in failures and lockouts -> history)
        from .roles import sync_roles
        from .security import note_login_time  # noqa: F401  (a log-in's time in its session)

        post_migrate.connect(sync_roles, sender=self)
