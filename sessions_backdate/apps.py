from django.apps import AppConfig


class SessionsBackdateConfig(AppConfig):
    name = "sessions_backdate"
    verbose_name = "Sessions backdating"
