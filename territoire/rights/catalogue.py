"""The national benefits the simulator shows: which OpenFisca-France variable computes each,
who pays it, how to claim it and what drove the amount. Data only; the rules are OpenFisca's.

Variables were checked against openfisca-france 176.1.8 (``tbs.variables``); a test fails if
one disappears on an upgrade. Not shown, on purpose: benefits OpenFisca computes but that no
household of the CUA can get (Mayotte/overseas, Paris/Île-de-France aids, asylum seekers'
ADA which needs the OFII's data), and amounts that are components of another (``rsa_socle``,
``apl``/``als``/``alf`` which make ``aide_logement``, ``caah``/``mva``).
"""

from __future__ import annotations

from dataclasses import dataclass

CAF = "Caisse d'allocations familiales (CAF) du Pas-de-Calais"
CAF_URL = "https://www.caf.fr"


@dataclass(frozen=True)
class Benefit:
    code: str
    variable: str
    entity: str  # famille, individu or menage
    label: str
    institution: str
    claim_url: str
    documents: tuple[str, ...]
    drivers: tuple[str, ...]  # keys of DRIVER_LABELS
    yearly: bool = False  # OpenFisca gives a yearly amount (paid once a year)
    period: str = "month"  # the OpenFisca period unit of the variable


IDENTITY = "pièce d'identité"
RIB = "relevé d'identité bancaire (RIB)"
PAYSLIPS = "justificatifs de ressources des 3 derniers mois"
RENT = "bail et dernière quittance de loyer"
TAX = "dernier avis d'impôt sur le revenu"

BENEFITS: tuple[Benefit, ...] = (
    Benefit(
        "rsa",
        "rsa",
        "famille",
        "Revenu de solidarité active (RSA)",
        CAF,
        "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/vie-professionnelle/le-revenu-de-solidarite-active-rsa",
        (IDENTITY, RIB, PAYSLIPS),
        ("household", "resources_3m", "housing"),
    ),
    Benefit(
        "ppa",
        "ppa",
        "famille",
        "Prime d'activité",
        CAF,
        "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/vie-professionnelle/la-prime-d-activite",
        (IDENTITY, RIB, PAYSLIPS),
        ("household", "activity_3m"),
    ),
    Benefit(
        "aide_logement",
        "aide_logement",
        "famille",
        "Aide personnalisée au logement ou allocation de logement (APL, ALS, ALF)",
        CAF,
        "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/logement",
        (IDENTITY, RIB, RENT, PAYSLIPS),
        ("housing", "zone", "resources_12m", "household"),
    ),
    Benefit(
        "aah",
        "aah",
        "individu",
        "Allocation aux adultes handicapés (AAH)",
        "Maison départementale des personnes handicapées (MDPH) du Pas-de-Calais, puis CAF",
        "https://www.monparcourshandicap.gouv.fr/aides/allocation-aux-adultes-handicapes-aah",
        (IDENTITY, "certificat médical de moins d'un an", "formulaire Cerfa 15692"),
        ("disability", "resources_12m"),
    ),
    Benefit(
        "aspa",
        "aspa",
        "famille",
        "Allocation de solidarité aux personnes âgées (ASPA)",
        "Caisse de retraite (Carsat Hauts-de-France, MSA)",
        "https://www.service-public.fr/particuliers/vosdroits/F16871",
        (IDENTITY, RIB, "justificatifs de ressources des 3 derniers mois"),
        ("age", "resources_3m", "household"),
    ),
    Benefit(
        "asi",
        "asi",
        "individu",
        "Allocation supplémentaire d'invalidité (ASI)",
        "Caisse primaire d'assurance maladie (CPAM) de l'Artois",
        "https://www.service-public.fr/particuliers/vosdroits/F16940",
        (IDENTITY, "titre de pension d'invalidité"),
        ("disability", "resources_3m"),
    ),
    Benefit(
        "ass",
        "ass",
        "individu",
        "Allocation de solidarité spécifique (ASS)",
        "France Travail",
        "https://www.francetravail.fr",
        (IDENTITY, "attestation de fin de droits"),
        ("activity", "resources_12m"),
    ),
    Benefit(
        "af",
        "af",
        "famille",
        "Allocations familiales",
        CAF,
        CAF_URL,
        (IDENTITY, RIB, "livret de famille"),
        ("children", "fiscal"),
    ),
    Benefit(
        "cf",
        "cf",
        "famille",
        "Complément familial",
        CAF,
        CAF_URL,
        (IDENTITY, RIB, "livret de famille", TAX),
        ("children", "fiscal"),
    ),
    Benefit(
        "asf",
        "asf",
        "famille",
        "Allocation de soutien familial (ASF)",
        CAF,
        "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/separation-ou-deces/l-allocation-de-soutien-familial-asf",
        (IDENTITY, RIB, "livret de famille", "jugement ou preuve de l'absence de pension"),
        ("children", "single_parent", "alimony"),
    ),
    Benefit(
        "paje_base",
        "paje_base",
        "famille",
        "Allocation de base de la prestation d'accueil du jeune enfant (PAJE)",
        CAF,
        CAF_URL,
        (IDENTITY, RIB, "livret de famille", TAX),
        ("young_children", "fiscal"),
    ),
    Benefit(
        "aeeh",
        "aeeh",
        "famille",
        "Allocation d'éducation de l'enfant handicapé (AEEH)",
        "MDPH du Pas-de-Calais, puis CAF",
        "https://www.service-public.fr/particuliers/vosdroits/F14809",
        (IDENTITY, "certificat médical", "formulaire Cerfa 15692"),
        ("children_disability",),
    ),
    Benefit(
        "ars",
        "ars",
        "famille",
        "Allocation de rentrée scolaire (ARS)",
        CAF,
        CAF_URL,
        (IDENTITY, RIB, "certificat de scolarité pour les 16-18 ans"),
        ("school_children", "fiscal"),
        yearly=True,
        period="year",
    ),
    Benefit(
        "bourse_college",
        "bourse_college",
        "famille",
        "Bourse de collège",
        "Collège de l'enfant (Éducation nationale)",
        "https://www.service-public.fr/particuliers/vosdroits/F984",
        (TAX, RIB),
        ("school_children", "fiscal"),
        yearly=True,
    ),
    Benefit(
        "bourse_lycee",
        "bourse_lycee",
        "famille",
        "Bourse de lycée",
        "Lycée de l'enfant (Éducation nationale)",
        "https://www.service-public.fr/particuliers/vosdroits/F616",
        (TAX, RIB),
        ("school_children", "fiscal"),
        yearly=True,
    ),
    Benefit(
        "cheque_energie",
        "cheque_energie",
        "menage",
        "Chèque énergie",
        "Agence de services et de paiement (envoi automatique d'après la déclaration de revenus)",
        "https://www.chequeenergie.gouv.fr",
        (TAX,),
        ("fiscal", "household"),
        yearly=True,
        period="year",
    ),
    Benefit(
        "contrat_engagement_jeune",
        "contrat_engagement_jeune",
        "individu",
        "Allocation du contrat d'engagement jeune (CEJ)",
        "France Travail ou Mission locale",
        "https://www.1jeune1solution.gouv.fr/contrat-engagement-jeune",
        (IDENTITY, RIB),
        ("age", "activity", "resources_3m"),
    ),
)
BENEFITS_BY_CODE = {benefit.code: benefit for benefit in BENEFITS}

# The complémentaire santé solidaire is a cover, not a payment: OpenFisca gives whether it is
# free (cmu_c) and otherwise the monthly participation (css_participation_forfaitaire).
CSS = Benefit(
    "css",
    "cmu_c",
    "famille",
    "Complémentaire santé solidaire (CSS)",
    "Caisse primaire d'assurance maladie (CPAM) de l'Artois ou MSA",
    "https://www.complementaire-sante-solidaire.gouv.fr",
    (IDENTITY, "justificatifs de ressources des 12 derniers mois"),
    ("resources_12m", "household"),
)
CSS_VARIABLES = ("cmu_c", "css_participation_forfaitaire")

DRIVER_LABELS = {
    "household": "la composition du foyer",
    "resources_3m": "les ressources des 3 derniers mois",
    "resources_12m": "les ressources des 12 derniers mois",
    "activity_3m": "les revenus d'activité des 3 derniers mois",
    "activity": "la situation professionnelle",
    "housing": "le logement et le loyer",
    "zone": "la zone de logement de la commune",
    "disability": "le handicap et le taux d'incapacité",
    "children_disability": "le handicap d'un enfant",
    "age": "l'âge",
    "children": "le nombre et l'âge des enfants",
    "young_children": "un enfant de moins de 3 ans",
    "school_children": "les enfants scolarisés",
    "single_parent": "le fait d'élever seul ses enfants",
    "alimony": "la pension alimentaire reçue",
    "fiscal": "le revenu fiscal de référence",
}

CAUTION = (
    "Ces montants sont des estimations calculées avec OpenFisca-France, le modèle "
    "socio-fiscal public, à partir de vos réponses. Ils ne valent pas décision : seul "
    "l'organisme qui verse l'aide peut dire si vous y avez droit et pour quel montant, après "
    "étude de votre demande."
)
