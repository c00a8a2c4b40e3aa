from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "territoire.procedures"
    label = "procedures"
    verbose_name = "Démarches en ligne"

    def ready(self) -> None:
        from territoire.core.navigation import register_my_space, register_nav
        from territoire.procedures import permissions  # noqa: F401  (abilities registration)

        register_my_space("Suivre mes demandes", "procedures:mine", order=10)
        register_nav("Démarches en ligne", "procedures:catalogue", order=20)
        register_nav("Mes demandes", "procedures:mine", order=21, ability="authenticated")
        register_nav(
            "Guichet des demandes", "procedures:queue", order=22, ability="procedures.process"
        )
