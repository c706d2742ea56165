from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from core.preview import register_collector

        from .preview import collect

        register_collector(collect)  # a new booking's reference is provisional in a preview
