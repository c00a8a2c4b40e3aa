from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "territoire.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from territoire.core import permissions, signals  # noqa: F401  (registration)
