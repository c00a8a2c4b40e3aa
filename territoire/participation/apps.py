from django.apps import AppConfig, apps


class ParticipationConfig(AppConfig):
    name = "territoire.participation"
    label = "participation"
    verbose_name = "Participation citoyenne"

    def ready(self) -> None:
        from territoire.core.processing import PlatformProcessing, register_processing

        register_processing(
            PlatformProcessing(
                source_key="participation.accounts",
                name="Participation citoyenne : comptes et contributions",
                purposes=(
                    "Permettre aux habitants de participer aux concertations (propositions, "
                    "commentaires, soutiens, votes, questionnaires) et publier les contributions "
                    "sous un pseudonyme ; modération."
                ),
                legal_basis="public_task",
                data_subjects="Habitants et usagers inscrits sur la plateforme de participation.",
                retention={
                    "identity": "Adresse e-mail et pseudonyme : jusqu'à la suppression du compte, "
                    "effacé après 3 ans sans connexion ; inscription non confirmée effacée "
                    "après 7 jours.",
                    "personal_life": "Contributions et commune de résidence déclarée : les "
                    "contributions restent publiées, rendues anonymes à la suppression du compte.",
                    "connection": "Journal d'audit des actions : durée de conservation du journal.",
                },
                recipients_internal="Modérateurs et agents des communes organisatrices.",
                recipients_external=(
                    "Public (contributions publiées sous pseudonyme, sans auteur en open data)."
                ),
                security_measures=("access_control", "traceability", "backup"),
            )
        )
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
