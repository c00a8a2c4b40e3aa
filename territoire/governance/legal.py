"""Legal anchors used by the assessments, kept as data next to the rules that cite them
(DESIGN.md section 4). Each entry is a short French label and the reference people can check.

Sources are summarised in ``shared/reference/governance.md`` (sections 2 and 3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LegalItem:
    code: str
    label: str
    reference: str
    url: str = ""


def _index(*items: LegalItem) -> dict[str, LegalItem]:
    return {item.code: item for item in items}


# --- GDPR art. 35: the nine EDPB (WP248 rev.01) criteria; the CNIL requires a DPIA, in
# principle, when two or more are met.
EDPB_GUIDELINES = "Lignes directrices WP248 rév.01 du CEPD (EDPB) sur l'AIPD"
EDPB_URL = "https://www.cnil.fr/fr/ce-quil-faut-savoir-sur-lanalyse-dimpact-relative-la-protection-des-donnees-aipd"
EDPB_CRITERIA = _index(
    LegalItem(
        "evaluation",
        "Évaluation ou notation de personnes (y compris profilage)",
        EDPB_GUIDELINES,
        EDPB_URL,
    ),
    LegalItem(
        "automated_decision",
        "Décision automatisée avec effet juridique ou effet similaire significatif",
        EDPB_GUIDELINES,
        EDPB_URL,
    ),
    LegalItem("monitoring", "Surveillance systématique de personnes", EDPB_GUIDELINES, EDPB_URL),
    LegalItem(
        "sensitive",
        "Données sensibles ou à caractère hautement personnel (santé, localisation, finances…)",
        EDPB_GUIDELINES,
        EDPB_URL,
    ),
    LegalItem("large_scale", "Traitement à grande échelle", EDPB_GUIDELINES, EDPB_URL),
    LegalItem(
        "matching", "Croisement ou combinaison d'ensembles de données", EDPB_GUIDELINES, EDPB_URL
    ),
    LegalItem(
        "vulnerable",
        "Personnes vulnérables (enfants, personnes âgées, demandeurs d'aide, agents…)",
        EDPB_GUIDELINES,
        EDPB_URL,
    ),
    LegalItem(
        "innovative",
        "Usage innovant ou nouvelle technologie (IA, caméras augmentées, thermiques…)",
        EDPB_GUIDELINES,
        EDPB_URL,
    ),
    LegalItem(
        "exclusion",
        "Traitement pouvant exclure du bénéfice d'un droit, d'un service ou d'un contrat",
        EDPB_GUIDELINES,
        EDPB_URL,
    ),
)
DPIA_THRESHOLD = 2

# --- CNIL délibération 2018-327 of 11 Oct 2018: types of processing that always need a DPIA
# (the items a collectivité meets; the full list has 14).
CNIL_LIST = "CNIL, délibération n° 2018-327 du 11 octobre 2018 (liste des AIPD obligatoires)"
CNIL_LIST_URL = "https://www.cnil.fr/fr/liste-traitements-aipd-requise"
CNIL_CASES = _index(
    LegalItem(
        "health_care",
        "Données de santé traitées pour la prise en charge des personnes",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
    LegalItem(
        "hr_profiling", "Profilage des personnes en ressources humaines", CNIL_LIST, CNIL_LIST_URL
    ),
    LegalItem(
        "employee_monitoring",
        "Surveillance constante de l'activité des agents",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
    LegalItem(
        "alerts",
        "Dispositifs d'alerte sociale, sanitaire ou professionnelle",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
    LegalItem(
        "social_support",
        "Accompagnement social ou médico-social des personnes",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
    LegalItem(
        "social_housing",
        "Instruction des demandes et gestion des logements sociaux",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
    LegalItem(
        "exclusion_profiling",
        "Profilage pouvant conduire à l'exclusion, la suspension ou la rupture d'un contrat",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
    LegalItem(
        "large_scale_location", "Données de localisation à large échelle", CNIL_LIST, CNIL_LIST_URL
    ),
    LegalItem(
        "biometric_vulnerable",
        "Identification biométrique de personnes vulnérables",
        CNIL_LIST,
        CNIL_LIST_URL,
    ),
)

# --- AI Act (Regulation (EU) 2024/1689). Uses a project may declare, grouped by the tier
# they put the system in.
AI_ACT = "Règlement (UE) 2024/1689 sur l'intelligence artificielle"
AI_ACT_URL = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
PROHIBITED_USES = _index(
    LegalItem(
        "social_scoring", "Notation sociale de personnes", f"{AI_ACT}, art. 5(1)(c)", AI_ACT_URL
    ),
    LegalItem(
        "realtime_biometric_id",
        "Identification biométrique à distance en temps réel dans l'espace public",
        f"{AI_ACT}, art. 5(1)(h)",
        AI_ACT_URL,
    ),
    LegalItem(
        "emotion_work_school",
        "Reconnaissance des émotions au travail ou à l'école",
        f"{AI_ACT}, art. 5(1)(f)",
        AI_ACT_URL,
    ),
    LegalItem(
        "sensitive_categorisation",
        "Catégorisation biométrique selon des caractéristiques sensibles",
        f"{AI_ACT}, art. 5(1)(g)",
        AI_ACT_URL,
    ),
    LegalItem(
        "manipulation",
        "Manipulation ou exploitation de vulnérabilités",
        f"{AI_ACT}, art. 5(1)(a) et (b)",
        AI_ACT_URL,
    ),
    LegalItem(
        "facial_scraping",
        "Constitution de bases de reconnaissance faciale par moissonnage",
        f"{AI_ACT}, art. 5(1)(e)",
        AI_ACT_URL,
    ),
)
HIGH_RISK_USES = _index(
    LegalItem(
        "biometrics",
        "Biométrie (identification a posteriori, catégorisation)",
        f"{AI_ACT}, annexe III, point 1",
        AI_ACT_URL,
    ),
    LegalItem(
        "critical_infrastructure",
        "Composant de sécurité du trafic routier ou de la fourniture d'eau, de gaz, de chaleur ou d'électricité",
        f"{AI_ACT}, annexe III, point 2",
        AI_ACT_URL,
    ),
    LegalItem(
        "education",
        "Accès à l'enseignement ou évaluation des élèves",
        f"{AI_ACT}, annexe III, point 3",
        AI_ACT_URL,
    ),
    LegalItem(
        "employment",
        "Recrutement, gestion ou surveillance des agents",
        f"{AI_ACT}, annexe III, point 4",
        AI_ACT_URL,
    ),
    LegalItem(
        "public_benefits",
        "Éligibilité aux prestations et services d'aide sociale (octroi, réduction, retrait)",
        f"{AI_ACT}, annexe III, point 5(a)",
        AI_ACT_URL,
    ),
    LegalItem(
        "emergency_triage",
        "Tri des appels d'urgence",
        f"{AI_ACT}, annexe III, point 5(d)",
        AI_ACT_URL,
    ),
    LegalItem(
        "law_enforcement",
        "Usages répressifs (police municipale)",
        f"{AI_ACT}, annexe III, point 6",
        AI_ACT_URL,
    ),
)
LIMITED_RISK_USES = _index(
    LegalItem(
        "interacts",
        "Dialogue direct avec des personnes (agent conversationnel)",
        f"{AI_ACT}, art. 50(1)",
        AI_ACT_URL,
    ),
    LegalItem(
        "generates_content",
        "Génération de textes, images, sons ou vidéos",
        f"{AI_ACT}, art. 50(2) et (4)",
        AI_ACT_URL,
    ),
    LegalItem(
        "emotion_recognition",
        "Reconnaissance des émotions ou catégorisation biométrique (hors interdits)",
        f"{AI_ACT}, art. 50(3)",
        AI_ACT_URL,
    ),
)
AI_SYSTEM_DEFINITION = LegalItem(
    "definition", "Définition d'un système d'IA", f"{AI_ACT}, art. 3(1)", AI_ACT_URL
)
AI_LITERACY = LegalItem(
    "literacy", "Maîtrise de l'IA par les agents", f"{AI_ACT}, art. 4", AI_ACT_URL
)
DEPLOYER_DUTIES = _index(
    LegalItem(
        "instructions_oversight",
        "Utiliser le système selon sa notice et confier le contrôle humain à des personnes formées et habilitées",
        f"{AI_ACT}, art. 26(1) et (2)",
        AI_ACT_URL,
    ),
    LegalItem(
        "logs",
        "Conserver les journaux générés automatiquement au moins six mois",
        f"{AI_ACT}, art. 26(6)",
        AI_ACT_URL,
    ),
    LegalItem(
        "monitoring",
        "Surveiller le fonctionnement, signaler les incidents graves et suspendre l'usage si nécessaire",
        f"{AI_ACT}, art. 26(5)",
        AI_ACT_URL,
    ),
    LegalItem(
        "inform_persons",
        "Informer les personnes faisant l'objet de décisions assistées par le système",
        f"{AI_ACT}, art. 26(11)",
        AI_ACT_URL,
    ),
    LegalItem(
        "inform_workers",
        "Informer les agents et leurs représentants avant la mise en service au travail",
        f"{AI_ACT}, art. 26(7)",
        AI_ACT_URL,
    ),
    LegalItem(
        "fria",
        "Analyse d'impact sur les droits fondamentaux avant la première utilisation (organisme public)",
        f"{AI_ACT}, art. 27",
        AI_ACT_URL,
    ),
    LegalItem(
        "registration_eu",
        "Enregistrement de l'organisme, du système et de son usage dans la base de données de l'UE",
        f"{AI_ACT}, art. 49(3)",
        AI_ACT_URL,
    ),
    LegalItem(
        "registration_national",
        "Enregistrement au niveau national (infrastructures critiques)",
        f"{AI_ACT}, art. 49(5)",
        AI_ACT_URL,
    ),
    LegalItem(
        "transparency_chatbot",
        "Informer les personnes qu'elles dialoguent avec une IA",
        f"{AI_ACT}, art. 50(1)",
        AI_ACT_URL,
    ),
    LegalItem(
        "transparency_content",
        "Signaler les contenus générés ou manipulés par IA",
        f"{AI_ACT}, art. 50(4)",
        AI_ACT_URL,
    ),
    LegalItem(
        "transparency_emotion",
        "Informer les personnes exposées à la reconnaissance des émotions",
        f"{AI_ACT}, art. 50(3)",
        AI_ACT_URL,
    ),
    LegalItem(
        "stop", "Ne pas mettre en service : pratique interdite", f"{AI_ACT}, art. 5", AI_ACT_URL
    ),
)

# --- CRPA: algorithm transparency for individual administrative decisions.
LEGIFRANCE = "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000031366350"
CRPA_DUTIES = _index(
    LegalItem(
        "mention",
        "Mention explicite sur chaque décision et en ligne : finalité, droit d'obtenir les règles, modalités",
        "CRPA, art. L311-3-1 et R311-3-1-1",
        LEGIFRANCE,
    ),
    LegalItem(
        "on_request",
        "Communiquer sur demande les règles appliquées à la personne (données, paramètres, pondération, opérations)",
        "CRPA, art. R311-3-1-2",
        LEGIFRANCE,
    ),
    LegalItem(
        "inventory",
        "Publier en ligne les règles des principaux traitements (inventaire public des algorithmes)",
        "CRPA, art. L312-1-3",
        LEGIFRANCE,
    ),
    LegalItem(
        "fully_automated",
        "Décision entièrement automatisée : nulle sans mention explicite ; aucune donnée sensible",
        "Loi n° 78-17 Informatique et Libertés, art. 47",
        "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000886460",
    ),
)
# L312-1-3 exempts administrations under the decree threshold (50 agents); Etalab also cites
# the 3,500-inhabitant threshold of the open-data duty.
INVENTORY_MIN_AGENTS = 50
INVENTORY_MIN_INHABITANTS = 3500
