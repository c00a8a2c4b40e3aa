"""Open-data outputs: the register of algorithms as CSV and JSON described by a Table Schema
(frictionless specification, schema.data.gouv.fr conventions), the data catalogue as DCAT-AP
in JSON-LD (what data.gouv.fr harvests), and a commune's GDPR register as CSV and PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from territoire.governance.models import (
    DATA_CATEGORIES,
    DATA_THEMES,
    LICENCES,
    SECURITY_MEASURES,
    AlgorithmEntry,
    Dataset,
    ProcessingActivity,
)

# --- register of algorithms ----------------------------------------------------------------

_STRING = "string"
ALGORITHM_FIELDS: list[dict[str, Any]] = [
    {
        "name": "identifiant",
        "type": _STRING,
        "title": "Identifiant",
        "constraints": {"required": True, "unique": True},
    },
    {
        "name": "administration",
        "type": _STRING,
        "title": "Administration",
        "constraints": {"required": True},
    },
    {
        "name": "code_insee",
        "type": _STRING,
        "title": "Code INSEE de la commune (vide : CUA)",
        "constraints": {"pattern": "^[0-9AB]{5}$"},
    },
    {
        "name": "service",
        "type": _STRING,
        "title": "Direction ou service",
        "constraints": {"required": True},
    },
    {
        "name": "contact",
        "type": _STRING,
        "format": "email",
        "title": "Contact",
        "constraints": {"required": True},
    },
    {
        "name": "date_mise_a_jour",
        "type": "date",
        "title": "Date de dernière mise à jour",
        "constraints": {"required": True},
    },
    {
        "name": "nom",
        "type": _STRING,
        "title": "Nom de l'algorithme",
        "constraints": {"required": True},
    },
    {"name": "contexte", "type": _STRING, "title": "Contexte"},
    {"name": "finalite", "type": _STRING, "title": "Finalité", "constraints": {"required": True}},
    {
        "name": "place_dans_la_decision",
        "type": _STRING,
        "title": "Comment il intervient dans la décision",
    },
    {
        "name": "niveau_automatisation",
        "type": _STRING,
        "title": "Niveau d'automatisation",
        "constraints": {
            "required": True,
            "enum": ["aide à la décision", "entièrement automatisée"],
        },
    },
    {"name": "fondement_juridique", "type": _STRING, "title": "Fondement juridique"},
    {
        "name": "decisions_par_an",
        "type": "integer",
        "title": "Nombre de décisions par an",
        "constraints": {"minimum": 0},
    },
    {"name": "public_concerne", "type": _STRING, "title": "Public concerné"},
    {
        "name": "effets_significatifs",
        "type": "boolean",
        "title": "Effets significatifs",
        "trueValues": ["oui"],
        "falseValues": ["non"],
    },
    {"name": "donnees_traitees", "type": _STRING, "title": "Données traitées"},
    {"name": "sources_des_donnees", "type": _STRING, "title": "Sources des données"},
    {
        "name": "type_algorithme",
        "type": _STRING,
        "title": "Type d'algorithme",
        "constraints": {"enum": ["règles explicites", "apprentissage automatique"]},
    },
    {"name": "operations", "type": _STRING, "title": "Opérations effectuées"},
    {"name": "code_source", "type": _STRING, "format": "uri", "title": "Code source"},
    {"name": "documentation", "type": _STRING, "format": "uri", "title": "Documentation"},
]
for _field in ALGORITHM_FIELDS:
    _field.setdefault("description", _field["title"])


def algorithm_table_schema(base_url: str = "") -> dict[str, Any]:
    return {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": "registre-algorithmes-publics",
        "title": (
            "Registre des algorithmes publics de la Communauté urbaine d'Arras et de ses communes"
        ),
        "description": (
            "Un enregistrement par traitement algorithmique fondant des décisions individuelles "
            "(CRPA, art. L312-1-3), champs de la fiche d'inventaire d'Etalab."
        ),
        "version": "1.0.0",
        "licenses": [
            {
                "name": "etalab-2.0",
                "title": "Licence Ouverte 2.0",
                "path": LICENCES["etalab-2.0"][1],
            }
        ],
        "missingValues": [""],
        "primaryKey": "identifiant",
        "fields": ALGORITHM_FIELDS,
    }


def algorithm_row(entry: AlgorithmEntry) -> dict[str, Any]:
    """One register entry as a record of the Table Schema (typed values)."""
    return {
        "identifiant": entry.slug,
        "administration": entry.administration,
        "code_insee": entry.commune.insee_code if entry.commune else None,
        "service": entry.service,
        "contact": entry.contact_email,
        "date_mise_a_jour": entry.updated_at.date().isoformat(),
        "nom": entry.name,
        "contexte": entry.context or None,
        "finalite": entry.purpose,
        "place_dans_la_decision": entry.decision_role or None,
        "niveau_automatisation": "entièrement automatisée"
        if entry.automation_level == "full"
        else "aide à la décision",
        "fondement_juridique": entry.legal_basis or None,
        "decisions_par_an": entry.decisions_per_year,
        "public_concerne": entry.public_concerned or None,
        "effets_significatifs": entry.significant_effects,
        "donnees_traitees": entry.data_processed or None,
        "sources_des_donnees": entry.data_sources or None,
        "type_algorithme": "apprentissage automatique"
        if entry.algorithm_type == "learning"
        else "règles explicites",
        "operations": entry.operations or None,
        "code_source": entry.source_code_url or None,
        "documentation": entry.documentation_url or None,
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def algorithm_csv_lines(entries: Iterable[AlgorithmEntry]) -> Iterator[str]:
    """The register as CSV (comma, UTF-8, header = the schema's field names), line by line."""
    names = [field["name"] for field in ALGORITHM_FIELDS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(names)
    yield flush()
    for entry in entries:
        row = algorithm_row(entry)
        writer.writerow([_csv_cell(row[name]) for name in names])
        yield flush()


# --- data catalogue (DCAT-AP, JSON-LD) ----------------------------------------------------

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_LANGUAGE_FR = "http://publications.europa.eu/resource/authority/language/FRA"
COG_COMMUNE = "http://id.insee.fr/geo/commune/"
CUA_SIREN_URI = "https://annuaire-entreprises.data.gouv.fr/entreprise/200033579"


def _literal(value: str) -> dict[str, str]:
    return {"@value": value, "@language": "fr"}


def dataset_node(dataset: Dataset, base_url: str) -> dict[str, Any]:
    uri = f"{base_url}/gouvernance/catalogue/{dataset.slug}/"
    node: dict[str, Any] = {
        "@id": uri,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.slug,
        "dct:title": _literal(dataset.title),
        "dct:description": _literal(dataset.description),
        "dct:publisher": {
            "@id": f"{base_url}/communes/{dataset.commune.insee_code}/"
            if dataset.commune
            else CUA_SIREN_URI,
            "@type": "foaf:Organization",
            "foaf:name": dataset.publisher,
        },
        "dcat:theme": {"@id": EU_THEME + dataset.theme},
        "dcat:keyword": [_literal(word) for word in dataset.keyword_list()],
        "dct:license": {"@id": LICENCES[dataset.licence][1]},
        "dct:accrualPeriodicity": {"@id": EU_FREQUENCY + _FREQUENCY_URIS[dataset.frequency]},
        "dct:spatial": {
            "@id": COG_COMMUNE + dataset.commune.insee_code if dataset.commune else CUA_SIREN_URI
        },
        "dcat:landingPage": {"@id": uri},
        "dct:issued": {"@value": dataset.created_at.date().isoformat(), "@type": "xsd:date"},
        "dct:modified": {"@value": dataset.updated_at.date().isoformat(), "@type": "xsd:date"},
        "dcat:contactPoint": {
            "@type": "vcard:Kind",
            "vcard:fn": dataset.publisher,
            "vcard:hasEmail": {"@id": f"mailto:{dataset.contact_email}"},
        },
        "dcat:distribution": [
            {
                "@id": f"{uri}#distribution-{distribution.pk}",
                "@type": "dcat:Distribution",
                "dct:title": _literal(distribution.title),
                "dct:description": _literal(distribution.description or distribution.title),
                "dcat:accessURL": {"@id": _absolute(distribution.access_url, base_url)},
                "dcat:mediaType": {
                    "@id": f"https://www.iana.org/assignments/media-types/{distribution.media_type}"
                },
                "dct:format": distribution.media_type,
                "dct:license": {"@id": LICENCES[dataset.licence][1]},
            }
            for distribution in dataset.distributions.all()
        ],
    }
    if dataset.temporal_start or dataset.temporal_end:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if dataset.temporal_start:
            period["dcat:startDate"] = {
                "@value": dataset.temporal_start.isoformat(),
                "@type": "xsd:date",
            }
        if dataset.temporal_end:
            period["dcat:endDate"] = {
                "@value": dataset.temporal_end.isoformat(),
                "@type": "xsd:date",
            }
        node["dct:temporal"] = period
    return node


_FREQUENCY_URIS = {
    "CONT": "CONT",
    "DAILY": "DAILY",
    "WEEKLY": "WEEKLY",
    "MONTHLY": "MONTHLY",
    "ANNUAL": "ANNUAL",
    "IRREG": "IRREG",
}


def _absolute(url: str, base_url: str) -> str:
    return url if url.startswith(("http://", "https://")) else base_url + url


def dcat_catalogue(datasets: Iterable[Dataset], base_url: str) -> dict[str, Any]:
    """The catalogue as one JSON-LD document with an inline context (no network needed)."""
    return {
        "@context": DCAT_CONTEXT,
        "@id": f"{base_url}/api/v1/governance/open-data/catalogue.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _literal(
            "Catalogue des données de la Communauté urbaine d'Arras et de ses communes"
        ),
        "dct:description": _literal(
            "Jeux de données publiés par la Communauté urbaine d'Arras et ses 46 communes."
        ),
        "dct:publisher": {
            "@id": CUA_SIREN_URI,
            "@type": "foaf:Organization",
            "foaf:name": "Communauté urbaine d'Arras",
        },
        "dct:language": {"@id": EU_LANGUAGE_FR},
        "dct:license": {"@id": LICENCES["etalab-2.0"][1]},
        "foaf:homepage": {"@id": f"{base_url}/gouvernance/catalogue/"},
        "dcat:themeTaxonomy": {
            "@id": "http://publications.europa.eu/resource/authority/data-theme"
        },
        "dcat:dataset": [dataset_node(dataset, base_url) for dataset in datasets],
    }


THEME_LABELS = DATA_THEMES


# --- GDPR register ------------------------------------------------------------------------

GDPR_HEADER = [
    "traitement",
    "logiciel",
    "responsable_conjoint",
    "finalites",
    "base_legale",
    "personnes_concernees",
    "categories_et_durees",
    "donnees_sensibles",
    "destinataires_internes",
    "organismes_externes",
    "sous_traitants",
    "transferts_hors_ue",
    "mesures_de_securite",
    "aipd",
    "mise_a_jour",
]


def activity_cells(activity: ProcessingActivity) -> list[str]:
    return [
        activity.name,
        activity.software,
        activity.joint_controller,
        activity.purposes,
        activity.get_legal_basis_display(),
        activity.data_subjects,
        " | ".join(
            f"{DATA_CATEGORIES[code]} : {text}" for code, text in activity.retention.items()
        ),
        f"oui : {activity.sensitive_details}" if activity.sensitive_data else "non",
        activity.recipients_internal,
        activity.recipients_external,
        activity.processors,
        f"oui : {activity.transfer_details}" if activity.transfers_outside_eu else "non",
        ", ".join(SECURITY_MEASURES[code] for code in activity.security_measures)
        + (f" ; {activity.security_other}" if activity.security_other else ""),
        activity.get_dpia_status_display(),
        activity.updated_at.date().isoformat(),
    ]
