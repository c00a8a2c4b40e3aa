from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "territoire.rights"
    label = "rights"
    verbose_name = "Zéro non-recours"

    def ready(self) -> None:
        from territoire.core.processing import PlatformProcessing, register_processing

        register_processing(
            PlatformProcessing(
                source_key="rights.simulations",
                name="Simulateur de droits : simulations enregistrées",
                purposes=(
                    "Estimer les aides auxquelles un foyer peut prétendre et garder la simulation, "
                    "avec l'accord de la personne, pour la reprendre ou la montrer à un conseiller."
                ),
                legal_basis="consent",
                data_subjects=(
                    "Habitants qui enregistrent une simulation (compte de la plateforme)."
                ),
                retention={
                    "personal_life": "Composition du foyer, logement : 180 jours, puis effacée "
                    "par une tâche quotidienne ; non conservée sans l'accord coché.",
                    "economic": "Ressources déclarées (salaires, chômage, retraite, revenus "
                    "d'indépendant, revenus locatifs et de placements) : 180 jours, comme la "
                    "simulation.",
                },
                recipients_internal=(
                    "Conseillers du CCAS de la commune, si la personne y a consenti."
                ),
                security_measures=("access_control", "traceability", "backup"),
            )
        )
        register_processing(
            PlatformProcessing(
                source_key="rights.detection",
                name="Zéro non-recours : détection proactive sur les données mutualisées",
                purposes=(
                    "Repérer, sur les fichiers transmis par les partenaires (CAF, CPAM, France "
                    "Travail, MSA), les foyers susceptibles d'avoir des droits non réclamés, pour "
                    "qu'un conseiller leur propose un accompagnement."
                ),
                legal_basis="public_task",
                data_subjects="Foyers allocataires ou assurés des organismes partenaires.",
                retention={
                    "identity": "Identifiant de foyer du partenaire : seule une empreinte "
                    "(hachage à clé) est gardée, 180 jours.",
                    "personal_life": "Composition du foyer, logement : 180 jours, puis effacés.",
                    "economic": "Revenus (activité par adulte, chômage, retraite, pension "
                    "alimentaire) et prestations versées : 180 jours, puis effacés.",
                },
                recipients_internal="Conseillers habilités (droit rights.advise) de la commune.",
                recipients_external="Organismes partenaires qui transmettent les fichiers.",
                security_measures=("access_control", "traceability", "encryption", "backup"),
                security_other="Pseudonymisation des identifiants de foyer par hachage à clé.",
                dpia_status="to_do",
            )
        )
        from territoire.core.navigation import register_nav
        from territoire.rights import permissions, services  # noqa: F401  (registrations)

        register_nav("Mes droits", "rights:home", order=30)
        register_nav("Droits non réclamés", "rights:detections", order=31, ability="rights.advise")
