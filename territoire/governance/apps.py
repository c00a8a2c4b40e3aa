from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "territoire.governance"
    label = "governance"
    verbose_name = "Gouvernance des données et de l'IA"

    def ready(self) -> None:
        from territoire.core.navigation import register_nav
        from territoire.governance import permissions  # noqa: F401  (abilities registration)

        register_nav("Gouvernance des données", "governance:home", order=50)
