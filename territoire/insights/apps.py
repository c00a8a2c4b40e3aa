from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "territoire.insights"
    label = "insights"
    verbose_name = "Indicateurs et alertes"

    def ready(self) -> None:
        from territoire.core.navigation import register_nav
        from territoire.insights import (
            permissions,  # noqa: F401  (abilities registration)
            services,  # noqa: F401  (audit actions)
        )
        from territoire.insights.alerting import readings_stored
        from territoire.sensors.listeners import on_readings_stored

        on_readings_stored(readings_stored)
        register_nav("Indicateurs", "insights:overview", order=62, ability="insights.view")
        register_nav("Alertes", "insights:alerts", order=63, ability="insights.view")
