"""Data of the Zéro non-recours module: simulations saved with consent, local aids defined by
agents, and the proactive detection ("aller vers") on files pooled by partner institutions.

Pooled data is pseudonymous (the partner's household id is kept only as a keyed hash), limited
to what the rules need, scoped to the household's commune, and purged after
``RETENTION_DAYS`` (see tasks.purge_expired)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel

RETENTION_DAYS = 180


class ConsentBy(models.TextChoices):
    PERSON = "person", _("la personne elle-même")
    ADVISER = "adviser", _("le conseiller, avec l'accord de la personne")


class SavedSimulation(TimeStampedModel):
    """A simulation kept because the person (or their adviser, with their agreement) asked."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    consent_by = models.CharField(_("accord donné par"), max_length=10, choices=ConsentBy.choices)
    reference = models.CharField(_("référence du dossier"), max_length=60)
    period = models.CharField(_("mois simulé"), max_length=7)
    answers = models.JSONField(_("réponses"))
    results = models.JSONField(_("résultats"))
    monthly_total = models.DecimalField(_("total mensuel estimé"), max_digits=9, decimal_places=2)
    expires_at = models.DateTimeField(_("supprimée le"))

    class Meta:
        verbose_name = _("simulation enregistrée")
        verbose_name_plural = _("simulations enregistrées")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class LocalAid(TimeStampedModel):
    """An aid of the CUA (commune empty) or of one commune, granted on simple conditions of the
    same situation the simulator asks for. An empty condition does not restrict."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("nom de l'aide"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    institution = models.CharField(_("organisme"), max_length=150)
    claim_url = models.URLField(_("lien pour la demander"), blank=True)
    monthly_amount = models.DecimalField(
        _("montant mensuel"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    min_age = models.PositiveSmallIntegerField(_("âge minimum"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("âge maximum"), null=True, blank=True)
    max_monthly_resources = models.DecimalField(
        _("ressources mensuelles du foyer au plus"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    min_children = models.PositiveSmallIntegerField(_("enfants au moins"), null=True, blank=True)
    requires_disability = models.BooleanField(
        _("réservée aux personnes handicapées"), default=False
    )
    legal_basis = models.CharField(_("délibération"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("aide locale")
        verbose_name_plural = _("aides locales")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.TextChoices):
    CAF = "caf", _("CAF")
    CPAM = "cpam", _("CPAM")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    MSA = "msa", _("MSA")
    DEPARTEMENT = "departement", _("Département")


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


class PooledImport(TimeStampedModel):
    """One pooled file: who sent it, under which legal basis, what its lines gave. The file
    itself is not kept: only a digest of it and the line report."""

    partner = models.CharField(_("partenaire"), max_length=20, choices=Partner.choices)
    legal_basis = models.CharField(_("base légale de l'échange"), max_length=300)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_digest = models.CharField(_("empreinte SHA-256 du fichier"), max_length=64)
    period = models.CharField(_("mois étudié"), max_length=7)
    lines_ok = models.PositiveIntegerField(default=0)
    lines_rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(_("compte rendu"), default=list)  # [{"line", "errors"}]
    scan_status = models.CharField(
        max_length=10, choices=ScanStatus.choices, default=ScanStatus.PENDING
    )
    scan_done = models.PositiveIntegerField(default=0)
    scan_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("import de données partenaires")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_partner_display()} — {self.created_at:%d/%m/%Y %H:%M}"


class PooledHousehold(TimeStampedModel):
    """A pseudonymous household of a pooled file, with the situation the rules need."""

    pooled_import = models.ForeignKey(
        PooledImport, on_delete=models.CASCADE, related_name="households"
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    pseudonym = models.CharField(_("pseudonyme"), max_length=64, db_index=True)
    situation = models.JSONField()
    benefits_paid = models.JSONField(default=dict)  # code → monthly amount paid
    # The line's own partner and legal basis (CSV columns), else the import form's.
    partner = models.CharField(
        _("partenaire"), max_length=20, choices=Partner.choices, blank=True, default=""
    )
    legal_basis = models.CharField(
        _("base légale de l'échange"), max_length=300, blank=True, default=""
    )
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("foyer repéré")
        verbose_name_plural = _("foyers repérés")

    def __str__(self) -> str:
        return f"Foyer {self.pseudonym[:10]}"


class Outcome(models.TextChoices):
    DETECTED = "detected", _("repéré")
    CONTACTED = "contacted", _("contacté")
    APPOINTMENT = "appointment", _("rendez-vous fixé")
    CLAIM_FILED = "claim_filed", _("demande déposée")
    OPENED = "opened", _("droit ouvert")
    REFUSED = "refused", _("refusé")


class Detection(TimeStampedModel):
    """A probable unclaimed right: OpenFisca computes it, the partners do not pay it."""

    household = models.ForeignKey(
        PooledHousehold, on_delete=models.CASCADE, related_name="detections"
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(_("aide"), max_length=40)
    monthly_amount = models.DecimalField(
        _("montant mensuel estimé"), max_digits=9, decimal_places=2
    )
    status = models.CharField(
        _("suivi"), max_length=12, choices=Outcome.choices, default=Outcome.DETECTED
    )
    status_changed_at = models.DateTimeField(_("suivi mis à jour le"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("droit probablement non réclamé")
        verbose_name_plural = _("droits probablement non réclamés")
        ordering = ["-monthly_amount"]
        indexes = [models.Index(fields=["commune", "status"])]

    def __str__(self) -> str:
        return f"{self.benefit} — {self.household}"
