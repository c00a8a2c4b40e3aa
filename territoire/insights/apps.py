from django.apps import AppConfig

# DCAT-AP theme of each published dataset.
THEMES = {
    "comptages-mobilites-jour": "TRAN",
    "bruit-jour": "ENVI",
    "stationnement-heure": "TRAN",
    "batiments-mois": "ENER",
}


class InsightsConfig(AppConfig):
    name = "territoire.insights"
    label = "insights"
    verbose_name = "Indicateurs et alertes"

    def ready(self) -> None:
        from territoire.core.processing import PlatformProcessing, register_processing

        # Sensor readings carry no personal data (counts, noise, parking, meters); the only
        # personal data here is who subscribes to alerts.
        register_processing(
            PlatformProcessing(
                source_key="insights.subscriptions",
                name="Indicateurs : abonnements aux alertes des capteurs",
                purposes=(
                    "Prévenir par e-mail et sur la plateforme les personnes abonnées aux "
                    "alertes d'une commune."
                ),
                legal_basis="public_task",
                data_subjects="Agents et élus abonnés aux alertes.",
                retention={
                    "identity": "Adresse e-mail : tant que l'abonnement ou le compte existe.",
                    "connection": "Notifications et date de lecture : tant que le compte existe.",
                },
                recipients_internal="La personne abonnée.",
                security_measures=("access_control", "traceability"),
            )
        )
        from territoire.core.navigation import register_nav
        from territoire.core.opendata import Distribution, OpenDataset, register_open_dataset
        from territoire.insights import (
            permissions,  # noqa: F401  (abilities registration)
            services,  # noqa: F401  (audit actions)
        )
        from territoire.insights.alerting import readings_stored
        from territoire.insights.opendata import DATASETS
        from territoire.sensors.listeners import on_readings_stored

        on_readings_stored(readings_stored)
        for dataset in DATASETS.values():
            register_open_dataset(
                OpenDataset(
                    source_key=f"insights.{dataset.slug}",
                    title=dataset.title,
                    description=dataset.description,
                    theme=THEMES.get(dataset.slug, "ENVI"),
                    keywords="capteurs, LoRaWAN, ville intelligente",
                    frequency="DAILY",
                    distributions=(
                        Distribution("CSV", "insights:dataset", (dataset.slug, "csv"), "text/csv"),
                        Distribution(
                            "JSON", "insights:dataset", (dataset.slug, "json"), "application/json"
                        ),
                        Distribution(
                            "Schéma des données (Table Schema)",
                            "insights:schema",
                            (dataset.slug,),
                            "application/schema+json",
                        ),
                    ),
                )
            )
        register_nav("Indicateurs", "insights:overview", order=62, ability="insights.view")
        register_nav("Alertes", "insights:alerts", order=63, ability="insights.view")
