"""Citizen participation: processes and their phases, proposals and supports, debates,
annotated texts, threaded comments with votes, surveys, moderation, results and follows.

Counters shown on lists (supports, comments, votes, reports) are kept on the rows they
describe and updated with F() in the services, so a page of 25 proposals never counts 20,000
comments. A contribution's author is nullable: deleting an account keeps what the person
wrote, without their name.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel

USER = settings.AUTH_USER_MODEL


class PhotoStorage(FileSystemStorage):
    """Proposal photos, under PARTICIPATION_MEDIA_ROOT (outside the web root), read from the
    settings at each use so tests can point it elsewhere. Served only by the photo view."""

    @property
    def base_location(self) -> str:
        return str(settings.PARTICIPATION_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def photo_storage() -> PhotoStorage:
    return PhotoStorage()


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Chaque jour où il y a du nouveau")
    WEEKLY = "weekly", _("Une fois par semaine")
    NEVER = "never", _("Jamais")


class Profile(TimeStampedModel):
    """What a person shows and declares to take part: a public pseudonym, an optional
    self-declared commune of residence (for local votes), the GDPR notice accepted, and a
    moderator's ban."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="participant")
    pseudonym = models.CharField(_("pseudonyme"), max_length=40, unique=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notice_accepted_at = models.DateTimeField(_("notice RGPD acceptée le"))
    banned_at = models.DateTimeField(_("exclu le"), null=True, blank=True)
    ban_reason = models.CharField(_("motif d'exclusion"), max_length=300, blank=True)
    digest_frequency = models.CharField(
        _("résumé par courriel"),
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.DAILY,
    )

    class Meta:
        verbose_name = _("profil de participant")
        verbose_name_plural = _("profils de participants")

    def __str__(self) -> str:
        return self.pseudonym


class PhaseKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    PROPOSALS = "proposals", _("Propositions")
    DEBATE = "debate", _("Débat")
    VOTE = "vote", _("Vote")
    RESULTS = "results", _("Résultats")


class Process(TimeStampedModel):
    """A consultation run by the CUA (commune empty) or by one commune."""

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(_("résumé"), max_length=300)
    description = models.TextField(_("présentation"), blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    residents_only = models.BooleanField(
        _("réservé aux habitants de la commune"),
        default=False,
        help_text=_("Seuls les habitants déclarés de la commune peuvent soutenir et voter."),
    )
    categories = models.JSONField(_("catégories"), default=list, blank=True)
    decision = models.TextField(_("ce que la collectivité a décidé"), blank=True)
    published = models.BooleanField(_("publié"), default=True)
    proposal_count = models.PositiveIntegerField(default=0)
    votes_per_ballot = models.PositiveSmallIntegerField(
        _("nombre de choix par bulletin"),
        default=3,
        help_text=_(
            "Pendant l'étape « Vote », chaque participant choisit au plus ce nombre "
            "de propositions."
        ),
    )

    class Meta:
        verbose_name = _("concertation")
        verbose_name_plural = _("concertations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("étape"), max_length=20, choices=PhaseKind.choices)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.starts_at <= at < self.ends_at


class Moderated(TimeStampedModel):
    """A contribution that can be reported, hidden (by a moderator, or automatically after
    enough reports, pending review) and restored."""

    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    needs_review = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def editable_until(self) -> datetime:
        """The author may edit the contribution until then (PARTICIPATION_EDIT_MINUTES)."""
        return self.created_at + timedelta(minutes=settings.PARTICIPATION_EDIT_MINUTES)


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("En attente de réponse")
    STUDIED = "studied", _("À l'étude")
    ACCEPTED = "accepted", _("Retenue")
    REJECTED = "rejected", _("Non retenue")


class Proposal(Moderated):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("description"))
    category = models.CharField(_("catégorie"), max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    photo = models.FileField(
        _("photo"), storage=photo_storage, upload_to="proposals/%Y/%m/", blank=True
    )
    photo_alt = models.CharField(_("description de la photo"), max_length=200, blank=True)
    status = models.CharField(
        _("réponse"), max_length=20, choices=ProposalStatus.choices, default="pending"
    )
    answer = models.TextField(_("réponse de la collectivité"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["process", "hidden", "-created_at"]),
            models.Index(fields=["process", "hidden", "-support_count"]),
        ]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    """One support per person and proposal (the unique constraint is what makes a double
    submission harmless). ``user`` becomes empty when the account is deleted: the support
    still counts."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_once_per_person")
        ]

    def __str__(self) -> str:
        return f"soutien {self.pk}"


class Ballot(models.Model):
    """One ballot per person and process during the vote phase: at most
    ``process.votes_per_ballot`` proposals. ``user`` becomes empty when the account is
    deleted: the ballot still counts."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    proposals = models.ManyToManyField(Proposal, related_name="ballots")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="ballot_once_per_person")
        ]

    def __str__(self) -> str:
        return f"bulletin {self.pk}"


class Debate(Moderated):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="debates")
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("texte"))
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Text(TimeStampedModel):
    """A text put to consultation article by article (e.g. the data & AI charter draft)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="texts")
    title = models.CharField(_("titre"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    synthesis = models.TextField(_("synthèse"), blank=True)
    synthesis_published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    text = models.ForeignKey(Text, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["text", "number"], name="article_number_unique")
        ]

    def __str__(self) -> str:
        return f"Article {self.number} — {self.title}"


class Comment(Moderated):
    """A comment on a proposal, a debate or an article; ``root`` is the top comment of its
    thread, so one query loads whole threads for a page of top comments."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="comments")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    debate = models.ForeignKey(
        Debate, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    root = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(_("commentaire"))
    up_count = models.PositiveIntegerField(default=0)
    down_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["proposal", "parent", "created_at"]),
            models.Index(fields=["debate", "parent", "created_at"]),
            models.Index(fields=["article", "parent", "created_at"]),
            models.Index(fields=["root"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(proposal__isnull=False, debate__isnull=True, article__isnull=True)
                    | Q(proposal__isnull=True, debate__isnull=False, article__isnull=True)
                    | Q(proposal__isnull=True, debate__isnull=True, article__isnull=False)
                ),
                name="comment_has_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]


class CommentVote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    value = models.SmallIntegerField()  # +1 or -1

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="comment_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="comment_vote_value"),
        ]

    def __str__(self) -> str:
        return f"vote {self.value:+d}"


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Publicité ou contenu répétitif")
    OFFENSIVE = "offensive", _("Propos injurieux, haineux ou discriminatoires")
    PERSONAL_DATA = "personal_data", _("Données personnelles d'un tiers")
    ILLEGAL = "illegal", _("Contenu illégal")
    OFF_TOPIC = "off_topic", _("Hors sujet")


class Report(models.Model):
    """A person's report of one contribution (kind: proposal, debate or comment)."""

    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(_("motif"), max_length=20, choices=ReportReason.choices)
    detail = models.CharField(_("précisions"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "reporter"], name="report_once_per_person"
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.reason}"


class Survey(TimeStampedModel):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("titre"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    response_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiples")
    SCALE = "scale", _("Échelle de 1 à 5")
    TEXT = "text", _("Réponse libre")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=dict)  # {question id: value or list of values}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_answer_once")
        ]

    def __str__(self) -> str:
        return f"réponse {self.pk}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")
    ABANDONED = "abandoned", _("Abandonnée")


class ResultAction(TimeStampedModel):
    """An action the collectivité committed to after a process (accountability)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=ActionStatus.choices, default="planned"
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="action_progress_max")
        ]

    def __str__(self) -> str:
        return self.title


class Follow(models.Model):
    """A person follows a process or one proposal and gets a digest of what is new."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    last_digest_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "process"], name="follow_process_once"),
            models.UniqueConstraint(fields=["user", "proposal"], name="follow_proposal_once"),
        ]

    def __str__(self) -> str:
        return f"suivi {self.pk}"
