"""Reference content the platform ships: the first version of the charter and the platform's
own entries in the register of algorithms and the catalogue. ``reference_load`` puts them
in place once (idempotent); ``manage.py load_governance_reference`` runs it.

The charter's principles draw on Nantes Métropole's seven-criterion AI compass, Montpellier's
citizens' convention (usefulness first, prior evaluation of environmental and social costs)
and AFNOR SPEC 2314 on frugal AI (see docs/governance.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from territoire.core.audit import audit_record
from territoire.core.opendata import open_datasets
from territoire.core.processing import processing_activities
from territoire.governance.models import (
    AlgorithmEntry,
    CharterPrinciple,
    CharterStatus,
    CharterVersion,
)
from territoire.governance.services.registers import activity_register, dataset_register

CHARTER_V1: dict[str, Any] = {
    "title": "Charte de la donnée et de l'intelligence artificielle",
    "summary": (
        "La Communauté urbaine d'Arras et ses 46 communes mettent les données et "
        "l'intelligence artificielle au service de l'intérêt général. Chaque projet est "
        "examiné par le comité au regard des principes suivants avant sa mise en service."
    ),
    "principles": [
        (
            "utilite",
            "Utilité pour le service public",
            "Un projet répond à un besoin réel des habitants ou des agents, mesuré avant et après.",
            "Quel besoin, exprimé par qui ?\nComment mesurerez-vous le bénéfice ?\nQue se passe-t-il si le projet n'est pas mené ?",
        ),
        (
            "sobriete",
            "Sobriété et frugalité",
            "On choisit la solution la plus simple qui suffit ; l'IA n'est retenue que si une règle "
            "explicite ou un calcul simple ne suffit pas. L'énergie et le matériel sont estimés.",
            "Quelle solution plus simple a été écartée, et pourquoi ?\nQuelle énergie pour l'entraînement et l'usage ?\nQuel matériel nouveau, et pour combien d'années ?",
        ),
        (
            "donnees-sensibles",
            "Minimisation et données sensibles",
            "On ne collecte que les données nécessaires. Pas d'identification biométrique, pas de "
            "données sensibles pouvant caractériser les personnes ou créer des biais discriminatoires.",
            "Chaque donnée est-elle nécessaire ?\nLes données peuvent-elles être anonymisées à la source ?\nCombien de temps sont-elles conservées ?",
        ),
        (
            "legalite",
            "Conformité juridique et cybersécurité",
            "Le projet respecte le RGPD, le règlement européen sur l'IA et la politique de sécurité "
            "des systèmes d'information ; les analyses d'impact requises sont faites avant la mise en service.",
            "Quelle base légale ?\nUne analyse d'impact est-elle requise, et faite ?\nLe service a-t-il été homologué ?",
        ),
        (
            "souverainete",
            "Souveraineté et maîtrise",
            "Les données publiques restent sous la maîtrise de la collectivité, hébergées en France "
            "ou dans l'Union européenne ; pas de valorisation commerciale par un prestataire.",
            "Où sont hébergées les données ?\nLe contrat garantit-il leur restitution ?\nLe code est-il ouvert ?",
        ),
        (
            "transparence",
            "Transparence et contrôle humain",
            "Les personnes savent quand un algorithme intervient, peuvent en connaître les règles et "
            "contester la décision auprès d'un agent. Une personne formée garde la main.",
            "Comment les personnes sont-elles informées ?\nQui peut corriger ou annuler une décision ?\nL'algorithme est-il inscrit au registre public ?",
        ),
        (
            "agents",
            "Conditions de travail des agents",
            "Le projet améliore le travail des agents ; ils sont associés à sa conception et formés.",
            "Les agents concernés ont-ils été consultés ?\nQuelle formation est prévue ?",
        ),
        (
            "evaluation",
            "Évaluation dans la durée",
            "Le projet est évalué après sa mise en service ; un bilan public annuel rend compte des "
            "projets examinés et des avis rendus.",
            "Quels indicateurs suivrez-vous ?\nQuand le comité réexaminera-t-il le projet ?",
        ),
    ],
}

PLATFORM_ALGORITHMS = [
    {
        "slug": "detection-fuites-eau",
        "name": "Détection des fuites d'eau dans les bâtiments publics",
        "service": "Direction du patrimoine bâti — plateforme Territoire",
        "contact_email": "donnees@cua-arras.fr",
        "context": "Les compteurs d'eau communicants des bâtiments publics transmettent leurs index au hub de capteurs de la plateforme.",
        "purpose": "Signaler aux services techniques une fuite probable pour une intervention rapide.",
        "decision_role": "Alerte transmise à un agent, qui décide de l'intervention.",
        "automation_level": "aid",
        "legal_basis": "Gestion du patrimoine de la collectivité (CGCT, art. L2122-21).",
        "decisions_per_year": 50,
        "public_concerned": "Services techniques des communes ; aucun usager.",
        "significant_effects": False,
        "data_processed": "Index horaires des compteurs d'eau des bâtiments publics (aucune donnée personnelle).",
        "data_sources": "Capteurs LoRaWAN du hub de capteurs.",
        "algorithm_type": "rules",
        "operations": "Trois règles sur les volumes horaires d'un compteur : aucune heure à débit nul sur 24 h (écoulement continu), débit entre 2 h et 5 h au-dessus du seuil de la règle (débit de nuit), débit au-dessus d'une part du débit nominal pendant 30 minutes (rupture) → alerte transmise aux agents abonnés.",
        "source_code_url": "",
        "documentation_url": "",
    },
    {
        "slug": "simulateur-droits-sociaux",
        "name": "Simulateur de droits sociaux (Zéro non-recours)",
        "service": "Centres communaux d'action sociale — plateforme Territoire",
        "contact_email": "donnees@cua-arras.fr",
        "context": "Les habitants et les agents d'accueil estiment les aides auxquelles un foyer peut prétendre.",
        "purpose": "Repérer les droits non réclamés et orienter les personnes vers les démarches.",
        "decision_role": "Information préalable : la décision d'attribution reste celle de l'organisme payeur après instruction.",
        "automation_level": "aid",
        "legal_basis": "Code de l'action sociale et des familles ; règles de calcul d'OpenFisca-France.",
        "decisions_per_year": 5000,
        "public_concerned": "Habitants de la CUA ; effets significatifs sur l'accès aux droits.",
        "significant_effects": True,
        "data_processed": "Composition du foyer, ressources, logement, déclarés par la personne et non conservés sans son accord.",
        "data_sources": "Déclaration de la personne.",
        "algorithm_type": "rules",
        "operations": "Calcul des prestations par le moteur de règles OpenFisca-France, législation en vigueur.",
        "source_code_url": "https://github.com/openfisca/openfisca-france",
        "documentation_url": "",
    },
    {
        "slug": "reperage-droits-non-reclames",
        "name": "Repérage proactif des droits non réclamés (« aller vers »)",
        "service": "Centres communaux d'action sociale — plateforme Territoire",
        "contact_email": "donnees@cua-arras.fr",
        "context": "Des organismes partenaires mettent en commun, sur une base légale, des données de foyers (composition, ressources, prestations versées) pour repérer les droits qui ne sont pas demandés.",
        "purpose": "Proposer à un conseiller de contacter les foyers qui ont probablement droit à une aide qu'ils ne perçoivent pas.",
        "decision_role": "Liste de foyers à contacter remise à un conseiller, qui décide de la démarche ; aucune décision d'attribution.",
        "automation_level": "aid",
        "legal_basis": "Échange de données prévu par la convention avec chaque partenaire (base légale indiquée à chaque import).",
        "decisions_per_year": 5000,
        "public_concerned": "Foyers connus des partenaires ; effets significatifs sur l'accès aux droits.",
        "significant_effects": True,
        "data_processed": "Composition du foyer, ressources mensuelles sur 12 mois, logement, prestations versées ; identifiants remplacés par des pseudonymes, fichier non conservé.",
        "data_sources": "Fichiers mis en commun par les partenaires (CAF, CPAM, France Travail, MSA).",
        "algorithm_type": "rules",
        "operations": "Calcul des prestations de chaque foyer par OpenFisca-France ; un droit est signalé quand le montant mensuel calculé atteint le seuil fixé et que la prestation n'est pas versée ; classement par montant estimé.",
        "source_code_url": "https://github.com/openfisca/openfisca-france",
        "documentation_url": "",
    },
    {
        "slug": "recherche-fiches-information",
        "name": "Recherche en français dans les fiches d'information (FAQ, guides, références juridiques)",
        "service": "Communauté urbaine d'Arras — plateforme Territoire",
        "contact_email": "donnees@cua-arras.fr",
        "context": "Les habitants cherchent une réponse dans les fiches d'information publiées par la CUA et les communes (pages « Aide et informations » et API).",
        "purpose": "Classer les fiches publiées selon les mots tapés, pour que la réponse utile vienne en premier même sans accents ni forme exacte des mots.",
        "decision_role": "Aucune décision : l'ordre des résultats oriente la personne, qui lit les fiches qu'elle choisit ; toutes les fiches restent consultables par thème et par type.",
        "automation_level": "aid",
        "legal_basis": "Mission d'information du public (Code des relations entre le public et l'administration, art. L300-2 et L312-1).",
        "decisions_per_year": 0,
        "public_concerned": "Habitants et usagers de la CUA qui consultent l'aide en ligne ; aucun effet sur leurs droits.",
        "significant_effects": False,
        "data_processed": "Texte des fiches publiées et mots de la recherche ; la recherche n'est ni conservée ni liée à la personne.",
        "data_sources": "Fiches rédigées par les agents de la CUA et des communes.",
        "algorithm_type": "rules",
        "operations": "Mots mis en minuscules, accents retirés, mots courts (le, des, pour…) ignorés, racine de chaque mot par l'algorithme Snowball français et quelques règles qui rapprochent un verbe de son nom (inscrire/inscription) ; fiches contenant tous les mots d'abord, sinon l'un d'eux ; classement par fréquence des mots, le titre comptant plus que le texte (bm25 sous SQLite, ts_rank sous PostgreSQL). Une recherche sémantique par modèle d'IA a été évaluée et n'est pas utilisée (décision d'architecture 0008).",
        "source_code_url": "",
        "documentation_url": "",
    },
]


@transaction.atomic
def reference_load() -> dict[str, int]:
    """Charter v1 (published) when no charter exists, the platform's algorithms (published)
    and the register's own open-data dataset. Returns what was created."""
    created = {"charter": 0, "algorithms": 0}
    if not CharterVersion.objects.exists():
        version = CharterVersion.objects.create(
            number=1,
            title=CHARTER_V1["title"],
            summary=CHARTER_V1["summary"],
            status=CharterStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        for position, (code, title, explanation, questions) in enumerate(
            CHARTER_V1["principles"], 1
        ):
            CharterPrinciple.objects.create(
                version=version,
                code=code,
                position=position,
                title=title,
                explanation=explanation,
                questions=questions,
            )
        audit_record(actor=None, action="governance.charter_publish", obj=version)
        created["charter"] = 1
    for values in PLATFORM_ALGORITHMS:
        entry, was_created = AlgorithmEntry.objects.get_or_create(
            slug=values["slug"], defaults={**values, "published": True}
        )
        if was_created:
            audit_record(actor=None, action="governance.algorithm_save", obj=entry)
            created["algorithms"] += 1
    dataset_register(
        source_key="governance.algorithms",
        title="Registre des algorithmes publics",
        description=(
            "Les traitements algorithmiques utilisés par la Communauté urbaine d'Arras et ses "
            "communes pour prendre des décisions individuelles (CRPA, art. L312-1-3), avec les "
            "champs de la fiche d'inventaire d'Etalab."
        ),
        theme="GOVE",
        keywords="algorithmes, transparence, CRPA, décisions administratives",
        licence="etalab-2.0",
        frequency="IRREG",
        contact_email="donnees@cua-arras.fr",
        distributions=[
            {
                "title": "Registre (CSV)",
                "access_url": "/gouvernance/algorithmes/registre.csv",
                "media_type": "text/csv",
            },
            {
                "title": "Registre (JSON)",
                "access_url": "/api/v1/governance/open-data/algorithms.json",
                "media_type": "application/json",
            },
            {
                "title": "Schéma des données (Table Schema)",
                "access_url": "/api/v1/governance/open-data/algorithms.schema.json",
                "media_type": "application/schema+json",
            },
        ],
    )
    # What the other modules publish (territoire/core/opendata.py): listed in the catalogue.
    for dataset in open_datasets():
        dataset_register(
            source_key=dataset.source_key,
            title=dataset.title,
            description=dataset.description,
            theme=dataset.theme,
            keywords=dataset.keywords,
            licence=dataset.licence,
            frequency=dataset.frequency,
            contact_email="donnees@cua-arras.fr",
            distributions=[
                {"title": d.title, "access_url": d.path(), "media_type": d.media_type}
                for d in dataset.distributions
            ],
        )
    # The platform's own processing of personal data (territoire/core/processing.py): sheets
    # of the CUA's GDPR register, kept in line with what the modules declare.
    for activity in processing_activities():
        activity_register(source_key=activity.source_key, **activity.values())
    return created
