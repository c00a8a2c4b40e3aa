from django.apps import AppConfig, apps


class ParticipationConfig(AppConfig):
    name = "territoire.participation"
    label = "participation"
    verbose_name = "Participation citoyenne"

    def ready(self) -> None:
        from territoire.core.navigation import register_my_space, register_nav
        from territoire.core.opendata import Distribution, OpenDataset, register_open_dataset
        from territoire.participation import audit_actions, permissions  # noqa: F401

        for name, label in (("propositions", "Propositions"), ("commentaires", "Commentaires")):
            register_open_dataset(
                OpenDataset(
                    source_key=f"participation.{name}",
                    title=f"{label} des concertations citoyennes (anonymisées)",
                    description=(
                        f"{label} publiés sur la plateforme de participation de la Communauté "
                        "urbaine d'Arras et de ses communes, sans auteur ni contenu masqué par "
                        "la modération."
                    ),
                    theme="GOVE",
                    keywords="participation citoyenne, concertation, démocratie locale",
                    frequency="DAILY",
                    distributions=(
                        Distribution(
                            "CSV", "participation:open_data_file", (name, "csv"), "text/csv"
                        ),
                        Distribution(
                            "JSON", "api:participation_open_data", (name,), "application/json"
                        ),
                        Distribution(
                            "Schéma des données (Table Schema)",
                            "api:participation_open_data_schema",
                            (name,),
                            "application/schema+json",
                        ),
                    ),
                )
            )
        if apps.is_installed("territoire.governance"):
            from territoire.governance.consultation import register_opener
            from territoire.participation.charter import open_charter_consultation

            register_opener(open_charter_consultation)
        register_my_space("Mon profil de participant", "participation:profile", order=20)
        register_nav("Participer", "participation:processes", order=30)
        register_nav(
            "Modération", "participation:moderation", order=85, ability="participation.moderate"
        )
