"""A small French corpus with queries and the entry each must rank first: the search test
set (tests) and the seed of the demo data and benchmark."""

from __future__ import annotations

from territoire.knowledge.models import Entry, Kind, Status
from territoire.knowledge.search import index_entry, index_text

# (key, kind, title, body)
CORPUS: list[tuple[str, str, str, str]] = [
    (
        "cantine",
        Kind.FAQ,
        "Comment inscrire mon enfant à la cantine scolaire ?",
        "L'inscription à la restauration scolaire se fait en mairie ou en ligne avant la rentrée. "
        "Munissez-vous d'un justificatif de domicile.",
    ),
    (
        "demarches",
        Kind.GUIDE,
        "Vos démarches administratives en ligne",
        "Retrouvez toutes les démarches : état civil, urbanisme, voirie. Chaque démarche indique "
        "les pièces justificatives et le délai de traitement.",
    ),
    (
        "listes",
        Kind.FAQ,
        "S'inscrire sur les listes électorales",
        "Les inscriptions sur les listes électorales sont possibles jusqu'au sixième vendredi "
        "précédant le scrutin.",
    ),
    (
        "terrasse",
        Kind.GUIDE,
        "Occuper le domaine public : terrasse, échafaudage, benne",
        "Une autorisation d'occupation temporaire du domaine public est nécessaire pour installer "
        "une terrasse, un échafaudage ou une benne sur le trottoir.",
    ),
    (
        "police",
        Kind.LEGAL,
        "Pouvoirs de police du maire",
        "Le maire est chargé de la police municipale, de la sûreté et de la salubrité publiques.",
    ),
    (
        "dechets",
        Kind.FAQ,
        "Quels jours passe la collecte des déchets ?",
        "La collecte des ordures ménagères et du tri sélectif a lieu chaque semaine. Les "
        "encombrants sont collectés sur rendez-vous.",
    ),
    (
        "ordinateur",
        Kind.GUIDE,
        "Obtenir un ordinateur reconditionné",
        "Les foyers aux revenus modestes peuvent demander un ordinateur reconditionné par la CUA.",
    ),
    (
        "atelier",
        Kind.FAQ,
        "Participer à un atelier numérique",
        "Des ateliers gratuits pour apprendre à utiliser internet, la messagerie et les services "
        "publics en ligne. Inscrivez-vous auprès de votre médiathèque.",
    ),
    (
        "voirie",
        Kind.FAQ,
        "Signaler un problème sur la voirie",
        "Nid-de-poule, éclairage public en panne, trottoir abîmé : signalez-le en ligne avec une "
        "photo et l'adresse.",
    ),
    (
        "construire",
        Kind.GUIDE,
        "Construire une extension : permis ou déclaration préalable ?",
        "Pour une construction de plus de 20 m², un permis de construire est nécessaire ; en "
        "dessous, une déclaration préalable suffit.",
    ),
    (
        "eau",
        Kind.FAQ,
        "Que faire en cas de fuite d'eau ?",
        "Coupez l'arrivée d'eau au compteur et prévenez le service des eaux de la CUA.",
    ),
    (
        "rgpd",
        Kind.LEGAL,
        "Vos droits sur vos données personnelles",
        "Le règlement général sur la protection des données vous donne un droit d'accès, de "
        "rectification et d'effacement.",
    ),
]

# (query, key of the entry expected first)
QUERIES: list[tuple[str, str]] = [
    ("demarche", "demarches"),
    ("démarches en ligne", "demarches"),
    ("inscrire enfant", "cantine"),
    ("inscriptions electorales", "listes"),
    ("inscription cantine", "cantine"),
    ("s'inscrire liste electorale", "listes"),
    ("electorales", "listes"),
    ("dechet", "dechets"),
    ("déchets collecte", "dechets"),
    ("ORDINATEURS RECONDITIONNÉS", "ordinateur"),
    ("ateliers numeriques", "atelier"),
    ("signalement voirie", "voirie"),
    ("construction", "construire"),
    ("fuite eau", "eau"),
    ("terrasses", "terrasse"),
    ("police du maire", "police"),
    ("donnees personnelles", "rgpd"),
]


def load_corpus(**extra) -> dict[str, Entry]:
    """The corpus as published CUA-wide entries (fixtures: not audited writes)."""
    entries = {}
    for key, kind, title, body in CORPUS:
        entry = Entry(kind=kind, title=title, body=body, status=Status.PUBLISHED, **extra)
        if kind == Kind.LEGAL:
            entry.legal_reference = "Code général des collectivités territoriales"
        index_text(entry)
        entry.save()
        index_entry(entry)
        entries[key] = entry
    return entries
