"""Data & AI governance: the charter (versioned principles), project sheets and their review
by the committee (reviews, opinions per principle, decisions, conditions, meetings), the
public register of algorithms, the data catalogue and the GDPR register of processing
activities. Commune data carries a commune; an empty commune means the CUA itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel
from territoire.governance import legal
from territoire.governance.assessments import ProjectFacts, Screening, screen


def _choices(items: dict[str, legal.LegalItem]) -> list[tuple[str, str]]:
    return [(code, item.label) for code, item in items.items()]


# --- charter ------------------------------------------------------------------------------


class CharterStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")


class CharterVersion(TimeStampedModel):
    """One version of the charter. Published versions are never changed: a change is a new
    version, so every version stays readable and comparable."""

    number = models.PositiveIntegerField(_("numéro"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(_("préambule"), blank=True)
    change_note = models.TextField(_("ce qui change"), blank=True)
    status = models.CharField(max_length=16, choices=CharterStatus.choices, default="draft")
    published_at = models.DateTimeField(null=True, blank=True)
    # Seam for the participation module: the consultation opened for this version (see
    # governance.consultation), as an opaque reference and the address of its page.
    consultation_ref = models.CharField(max_length=100, blank=True)
    consultation_url = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("version de la charte")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Charte v{self.number}"


class CharterPrinciple(TimeStampedModel):
    version = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="principles")
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Identique d'une version à l'autre.")
    )
    position = models.PositiveSmallIntegerField(_("rang"), default=0)
    title = models.CharField(_("intitulé"), max_length=200)
    explanation = models.TextField(_("explication"))
    questions = models.TextField(_("questions posées aux projets"), help_text=_("Une par ligne."))

    class Meta:
        verbose_name = _("principe de la charte")
        ordering = ["version", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="principle_code_per_version")
        ]

    def __str__(self) -> str:
        return self.title

    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


# --- projects -----------------------------------------------------------------------------


class ProjectState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumis au comité")
    IN_REVIEW = "in_review", _("En cours d'examen")
    DECIDED = "decided", _("Avis rendu")


class Project(TimeStampedModel):
    """A data or AI project of the CUA (commune empty) or of a commune, as its team describes
    it; the legal screens are computed from it (``screening()``), never typed."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("intitulé du projet"), max_length=200)
    state = models.CharField(max_length=16, choices=ProjectState.choices, default="draft")
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Purpose
    purpose = models.TextField(_("finalité"))
    public_benefit = models.TextField(_("bénéfice pour le service public"))
    service_owner = models.CharField(_("service responsable"), max_length=200)
    # Data
    data_categories = models.TextField(_("catégories de données utilisées"))
    personal_data = models.BooleanField(_("données personnelles"), default=False)
    sensitive_data = models.BooleanField(
        _("données sensibles ou hautement personnelles"), default=False
    )
    data_sources = models.TextField(_("sources des données"), blank=True)
    other_institutions = models.TextField(_("autres institutions concernées"), blank=True)
    # People
    people_affected = models.TextField(_("personnes concernées"))
    vulnerable_people = models.BooleanField(_("personnes vulnérables concernées"), default=False)
    large_scale = models.BooleanField(_("traitement à grande échelle"), default=False)
    individual_decisions = models.BooleanField(_("décisions individuelles"), default=False)
    fully_automated = models.BooleanField(_("décisions entièrement automatisées"), default=False)
    # AI and frugality
    is_ai = models.BooleanField(_("utilise de l'intelligence artificielle"), default=False)
    ai_kind = models.CharField(_("type d'IA"), max_length=200, blank=True)
    frugality_test = models.TextField(
        _("pourquoi l'IA plutôt qu'une solution plus simple"), blank=True
    )
    energy_footprint = models.TextField(_("énergie attendue"), blank=True)
    equipment_footprint = models.TextField(_("équipements nécessaires"), blank=True)
    hosting = models.CharField(_("hébergement"), max_length=200, blank=True)
    vendors = models.CharField(_("prestataires"), max_length=300, blank=True)
    human_oversight = models.TextField(_("contrôle humain"))
    information_and_contest = models.TextField(_("information des personnes et recours"))
    # Screens ticked by the team (codes of legal.py); other criteria follow from the answers.
    edpb_criteria = models.JSONField(default=list, blank=True)
    cnil_cases = models.JSONField(default=list, blank=True)
    ai_uses = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("projet")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["commune", "state"])]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        return self.commune.name if self.commune else "Communauté urbaine d'Arras"

    def facts(self) -> ProjectFacts:
        return ProjectFacts(
            personal_data=self.personal_data,
            sensitive_data=self.sensitive_data,
            vulnerable_people=self.vulnerable_people,
            large_scale=self.large_scale,
            is_ai=self.is_ai,
            individual_decisions=self.individual_decisions,
            fully_automated=self.fully_automated,
            edpb_criteria=frozenset(self.edpb_criteria),
            cnil_cases=frozenset(self.cnil_cases),
            ai_uses=frozenset(self.ai_uses),
            inhabitants=self.commune.population if self.commune else None,
        )

    def screening(self) -> Screening:
        return screen(self.facts())


# --- review -------------------------------------------------------------------------------


class Outcome(models.TextChoices):
    FAVOURABLE = "favourable", _("Avis favorable")
    CONDITIONS = "conditions", _("Avis favorable sous conditions")
    DEFERRED = "deferred", _("Avis différé (complément demandé)")
    UNFAVOURABLE = "unfavourable", _("Avis défavorable")


class Review(TimeStampedModel):
    """The committee's examination of one revision of a project, against one charter version."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    revision = models.PositiveIntegerField()
    charter = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="+")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="governance_reviews")
    is_open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("examen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "revision"], name="one_review_per_revision")
        ]

    def __str__(self) -> str:
        return f"{self.project} (version {self.revision})"


class Opinion(TimeStampedModel):
    """One reviewer's opinion on one principle: a score and comments."""

    SCORES = [
        (1, _("1 — contraire au principe")),
        (2, _("2 — insuffisant")),
        (3, _("3 — satisfaisant")),
        (4, _("4 — exemplaire")),
    ]
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="opinions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    principle = models.ForeignKey(CharterPrinciple, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("note"), choices=SCORES)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("avis par principe")
        ordering = ["principle__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reviewer", "principle"], name="one_opinion_per_principle"
            )
        ]


class Meeting(TimeStampedModel):
    """A committee meeting; its agenda is the queue when it was scheduled."""

    held_on = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=200)
    reviews = models.ManyToManyField(Review, related_name="meetings", blank=True)
    notes = models.TextField(_("notes de séance"), blank=True)

    class Meta:
        verbose_name = _("séance du comité")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"Séance du {self.held_on:%d/%m/%Y}"


class Decision(TimeStampedModel):
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("avis"), max_length=16, choices=Outcome.choices)
    reasons = models.TextField(_("motifs"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )

    class Meta:
        verbose_name = _("avis du comité")
        ordering = ["-created_at"]


class Condition(TimeStampedModel):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="conditions")
    text = models.TextField(_("condition"))
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    met_note = models.TextField(_("comment elle a été remplie"), blank=True)

    class Meta:
        verbose_name = _("condition")
        ordering = ["met_at", "due_on", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
