from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "territoire.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from territoire.core import permissions, signals  # noqa: F401  (registration)
        from territoire.core.navigation import register_nav

        register_nav("Accueil", "core:home", order=0)
        register_nav("Les communes", "core:communes", order=10)
        register_nav("Mon espace", "core:my_space", order=20, ability="authenticated")
