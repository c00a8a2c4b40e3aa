from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "territoire.rights"
    label = "rights"
    verbose_name = "Zéro non-recours"

    def ready(self) -> None:
        from territoire.core.navigation import register_nav
        from territoire.rights import permissions, services  # noqa: F401  (registrations)

        register_nav("Mes droits", "rights:home", order=30)
        register_nav("Droits non réclamés", "rights:detections", order=31, ability="rights.advise")
