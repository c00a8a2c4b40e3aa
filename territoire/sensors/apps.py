from django.apps import AppConfig


class SensorsConfig(AppConfig):
    name = "territoire.sensors"
    label = "sensors"
    verbose_name = "Capteurs"

    def ready(self) -> None:
        from territoire.core.navigation import register_nav
        from territoire.sensors import permissions  # noqa: F401  (abilities registration)

        register_nav("Capteurs", "sensors:devices", order=60, ability="sensors.view")
