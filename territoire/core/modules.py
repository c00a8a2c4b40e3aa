"""The platform's modules (DESIGN.md section 1): the single list used for agent memberships,
the home page entry points and the README feature table."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Module:
    code: str
    label: StrOrPromise
    summary: StrOrPromise
    axis: int
    url_name: str | None = None  # set when the module has a public entry point


MODULES: tuple[Module, ...] = (
    Module(
        "governance",
        _("Gouvernance des données et de l'IA"),
        _("Charte, comité, registre des algorithmes, catalogue de données, registre RGPD."),
        1,
        "governance:home",
    ),
    Module(
        "sensors",
        _("Capteurs connectés (LoRaWAN)"),
        _("Réseau de capteurs partagé par les communes."),
        1,
    ),
    Module(
        "rights",
        _("Zéro non-recours"),
        _("Simulateur de droits sociaux et repérage des droits non réclamés."),
        2,
        url_name="rights:home",
    ),
    Module(
        "procedures",
        _("Démarches en ligne"),
        _("Guichet unique des démarches et suivi des demandes."),
        2,
        url_name="procedures:catalogue",
    ),
    Module(
        "knowledge",
        _("Questions fréquentes et guides"),
        _("FAQ, guides pratiques et références juridiques."),
        2,
        url_name="knowledge:search",
    ),
    Module(
        "participation",
        _("Participation citoyenne"),
        _("Concertations, idées, débats et questionnaires."),
        2,
        url_name="participation:processes",
    ),
    Module(
        "places",
        _("Accessibilité des lieux publics"),
        _("Informations d'accessibilité des bâtiments publics."),
        2,
    ),
    Module(
        "reuse",
        _("Matériel reconditionné"),
        _("Redistribution d'équipements informatiques reconditionnés."),
        2,
    ),
    Module(
        "itops",
        _("Informatique mutualisée"),
        _("Inventaire, cybersécurité et incidents pour toutes les communes."),
        3,
    ),
    Module(
        "insights",
        _("Indicateurs des ressources"),
        _("Eau, bruit, air, mobilité douce, stationnement, énergie des bâtiments."),
        4,
    ),
    Module(
        "automations",
        _("Automatisations"),
        _("Éclairage, arrosage et accès pilotés par les capteurs."),
        4,
    ),
    Module(
        "observatory",
        _("Observatoires"),
        _("Observatoires économique et des usages numériques."),
        5,
    ),
)

MODULE_CHOICES = [(module.code, module.label) for module in MODULES]
MODULES_BY_CODE = {module.code: module for module in MODULES}
