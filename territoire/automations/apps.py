from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "territoire.automations"
    label = "automations"
    verbose_name = "Automatisations"

    def ready(self) -> None:
        from territoire.automations import (
            permissions,  # noqa: F401  (abilities registration)
            services,  # noqa: F401  (audit actions)
        )
        from territoire.automations.engine import readings_stored
        from territoire.core.navigation import register_nav
        from territoire.sensors.listeners import on_readings_stored

        on_readings_stored(readings_stored)
        register_nav("Automatisations", "automations:rules", order=64, ability="automations.view")
