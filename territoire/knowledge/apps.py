from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "territoire.knowledge"
    label = "knowledge"
    verbose_name = "Questions fréquentes et guides"

    def ready(self) -> None:
        from territoire.core.navigation import register_nav
        from territoire.knowledge import permissions  # noqa: F401  (abilities registration)

        register_nav("Aide et informations", "knowledge:search", order=30)
