from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "territoire.procedures"
    label = "procedures"
    verbose_name = "Démarches en ligne"

    def ready(self) -> None:
        from territoire.core.processing import PlatformProcessing, register_processing

        register_processing(
            PlatformProcessing(
                source_key="procedures.requests",
                name="Démarches en ligne : demandes et pièces jointes",
                purposes=(
                    "Recevoir, instruire et suivre les demandes des usagers (formulaires, pièces "
                    "justificatives, messages), les accuser et y répondre."
                ),
                legal_basis="public_task",
                data_subjects="Usagers qui font une démarche (avec ou sans compte).",
                retention={
                    "identity": "Nom, adresse e-mail et réponses : durée d'instruction puis "
                    "selon le tableau de gestion des archives du service (pas de purge "
                    "automatique sur la plateforme à ce jour).",
                    "other": "Pièces jointes (PDF, images) : comme la demande.",
                    "connection": "Historique de la demande et journal d'audit : comme la demande.",
                },
                recipients_internal=(
                    "Agents instructeurs de la commune ou de la CUA concernée, et les logiciels "
                    "de la commune reliés par une clé d'API du module (file et statuts)."
                ),
                security_measures=(
                    "access_control",
                    "traceability",
                    "software_protection",
                    "backup",
                ),
                security_other=(
                    "Pièces jointes (formulaire et messages) hors du dossier public, vérifiées "
                    "par leur contenu, servies seulement au demandeur et aux agents de la "
                    "commune ; celles des notes internes jamais au demandeur."
                ),
            )
        )
        from territoire.core.navigation import register_my_space, register_nav
        from territoire.procedures import permissions  # noqa: F401  (abilities registration)

        register_my_space("Suivre mes demandes", "procedures:mine", order=10)
        register_nav("Démarches en ligne", "procedures:catalogue", order=20)
        register_nav("Mes demandes", "procedures:mine", order=21, ability="authenticated")
        register_nav(
            "Guichet des demandes", "procedures:queue", order=22, ability="procedures.process"
        )
