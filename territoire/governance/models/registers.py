"""The public transparency registers: algorithms used for decisions (Etalab inventory
fields), the data catalogue (DCAT-AP fields) and the GDPR record of processing activities
(CNIL model). An empty commune means the CUA."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel
from territoire.governance.models.review import Project


class AutomationLevel(models.TextChoices):
    AID = "aid", _("Aide à la décision (un agent décide)")
    FULL = "full", _("Décision entièrement automatisée")


class AlgorithmType(models.TextChoices):
    RULES = "rules", _("Règles explicites")
    LEARNING = "learning", _("Apprentissage automatique")


class AlgorithmEntry(TimeStampedModel):
    """One algorithmic treatment used for individual decisions (CRPA L312-1-3), with the
    fields of Etalab's inventory sheet."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="algorithms"
    )
    slug = models.SlugField(max_length=120, unique=True)
    # Administration
    service = models.CharField(_("direction ou service"), max_length=200)
    contact_email = models.EmailField(_("contact"))
    # Business
    name = models.CharField(_("nom de l'algorithme"), max_length=200)
    context = models.TextField(_("contexte"))
    purpose = models.TextField(_("finalité"))
    decision_role = models.TextField(_("place dans la décision"))
    automation_level = models.CharField(
        _("niveau d'automatisation"), max_length=8, choices=AutomationLevel.choices
    )
    legal_basis = models.TextField(_("fondement juridique"))
    # Impact
    decisions_per_year = models.PositiveIntegerField(_("décisions par an"), null=True, blank=True)
    public_concerned = models.TextField(_("public concerné"))
    significant_effects = models.BooleanField(_("effets significatifs"), default=False)
    # Internal functioning
    data_processed = models.TextField(_("données traitées"))
    data_sources = models.TextField(_("sources des données"))
    algorithm_type = models.CharField(
        _("type d'algorithme"), max_length=8, choices=AlgorithmType.choices
    )
    operations = models.TextField(_("opérations effectuées"))
    source_code_url = models.URLField(_("code source"), blank=True)
    documentation_url = models.URLField(_("documentation"), blank=True)
    published = models.BooleanField(_("publié"), default=False)

    class Meta:
        verbose_name = _("algorithme public")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def administration(self) -> str:
        return f"Commune de {self.commune.name}" if self.commune else "Communauté urbaine d'Arras"


# --- data catalogue -----------------------------------------------------------------------

# EU "data theme" vocabulary (DCAT-AP's dcat:theme), the codes data.gouv.fr maps.
DATA_THEMES = {
    "AGRI": "Agriculture, pêche, sylviculture et alimentation",
    "ECON": "Économie et finances",
    "EDUC": "Éducation, culture et sport",
    "ENER": "Énergie",
    "ENVI": "Environnement",
    "GOVE": "Gouvernement et secteur public",
    "HEAL": "Santé",
    "JUST": "Justice, système juridique et sécurité publique",
    "REGI": "Régions et villes",
    "SOCI": "Population et société",
    "TECH": "Science et technologie",
    "TRAN": "Transports",
}
FREQUENCIES = {
    "CONT": "En continu",
    "DAILY": "Quotidienne",
    "WEEKLY": "Hebdomadaire",
    "MONTHLY": "Mensuelle",
    "ANNUAL": "Annuelle",
    "IRREG": "Irrégulière",
}
LICENCES = {
    "etalab-2.0": (
        "Licence Ouverte 2.0",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    ),
    "odbl-1.0": ("ODbL 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


class Dataset(TimeStampedModel):
    """A dataset of the catalogue. Modules that publish an open-data export register it
    with ``dataset_register(source_key=...)``, which keeps it current."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    slug = models.SlugField(max_length=120, unique=True)
    source_key = models.CharField(max_length=100, blank=True)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"))
    theme = models.CharField(_("thème"), max_length=4, choices=sorted(DATA_THEMES.items()))
    keywords = models.CharField(_("mots-clés"), max_length=300, blank=True)
    licence = models.CharField(
        _("licence"), max_length=16, choices=[(k, v[0]) for k, v in LICENCES.items()]
    )
    temporal_start = models.DateField(_("début de la période couverte"), null=True, blank=True)
    temporal_end = models.DateField(_("fin de la période couverte"), null=True, blank=True)
    frequency = models.CharField(
        _("fréquence de mise à jour"), max_length=8, choices=list(FREQUENCIES.items())
    )
    contact_email = models.EmailField(_("contact"))
    published = models.BooleanField(_("publié"), default=True)

    class Meta:
        verbose_name = _("jeu de données")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def publisher(self) -> str:
        return f"Commune de {self.commune.name}" if self.commune else "Communauté urbaine d'Arras"

    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class Distribution(TimeStampedModel):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="distributions")
    title = models.CharField(_("titre"), max_length=200)
    access_url = models.CharField(_("adresse"), max_length=300)
    media_type = models.CharField(_("type de média"), max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]


# --- GDPR register ------------------------------------------------------------------------

# CNIL "registre de base" data categories; retention is kept per category.
DATA_CATEGORIES = {
    "identity": "État civil, identité, données d'identification, images",
    "personal_life": "Vie personnelle (habitudes de vie, situation familiale…)",
    "professional_life": "Vie professionnelle (CV, scolarité, formation…)",
    "economic": "Informations d'ordre économique et financier",
    "connection": "Données de connexion (adresses IP, journaux…)",
    "location": "Données de localisation (déplacements, GPS…)",
    "internet": "Internet (cookies, traceurs, mesure d'audience…)",
    "other": "Autres catégories de données",
}
# CNIL model's security measure checkboxes.
SECURITY_MEASURES = {
    "access_control": "Contrôle d'accès des utilisateurs",
    "traceability": "Mesures de traçabilité",
    "software_protection": "Mesures de protection des logiciels",
    "backup": "Sauvegarde des données",
    "encryption": "Chiffrement des données",
    "processor_control": "Contrôle des sous-traitants",
    "other": "Autres mesures",
}


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consentement (art. 6-1-a)")
    CONTRACT = "contract", _("Contrat (art. 6-1-b)")
    LEGAL_OBLIGATION = "legal_obligation", _("Obligation légale (art. 6-1-c)")
    VITAL = "vital", _("Intérêts vitaux (art. 6-1-d)")
    PUBLIC_TASK = "public_task", _("Mission d'intérêt public (art. 6-1-e)")


class DpiaStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Non requise")
    TO_DO = "to_do", _("Requise, à réaliser")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")


class ProcessingActivity(TimeStampedModel):
    """One sheet of the record of processing activities (GDPR art. 30), CNIL model."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    # Set for the platform's own processing, declared by a module (core/processing.py).
    source_key = models.CharField(max_length=100, blank=True)
    name = models.CharField(_("nom du traitement"), max_length=200)
    joint_controller = models.CharField(_("responsable conjoint"), max_length=200, blank=True)
    software = models.CharField(_("logiciel ou application"), max_length=200, blank=True)
    purposes = models.TextField(_("finalités"))
    legal_basis = models.CharField(_("base légale"), max_length=20, choices=LegalBasis.choices)
    data_subjects = models.TextField(_("catégories de personnes concernées"))
    # {category code: retention} for the categories processed.
    retention = models.JSONField(default=dict, blank=True)
    sensitive_data = models.BooleanField(_("données sensibles"), default=False)
    sensitive_details = models.CharField(_("lesquelles"), max_length=300, blank=True)
    recipients_internal = models.TextField(_("destinataires internes"), blank=True)
    recipients_external = models.TextField(_("organismes externes"), blank=True)
    processors = models.TextField(_("sous-traitants"), blank=True)
    transfers_outside_eu = models.BooleanField(_("transferts hors UE"), default=False)
    transfer_details = models.TextField(_("pays et garanties"), blank=True)
    security_measures = models.JSONField(default=list, blank=True)
    security_other = models.TextField(_("autres mesures de sécurité"), blank=True)
    dpia_status = models.CharField(
        _("AIPD"), max_length=16, choices=DpiaStatus.choices, default="not_needed"
    )

    class Meta:
        verbose_name = _("traitement de données personnelles")
        verbose_name_plural = _("traitements de données personnelles")
        ordering = ["name"]
        indexes = [models.Index(fields=["commune"])]

    def __str__(self) -> str:
        return self.name
