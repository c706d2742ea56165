from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self) -> None:
        from core.preview import register_collector

        from .preview import collect

        register_collector(collect)  # a new punch pass's reference is provisional in a preview
