"""Online procedures: the catalogue, each procedure's versioned form, the requests people
file with their history (status changes, messages, internal notes) and attachments."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel


class ProcedureStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    PUBLISHED = "published", _("En ligne")
    ARCHIVED = "archived", _("Retirée")


class Routing(models.TextChoices):
    CUA = "cua", _("Traitée par la CUA")
    COMMUNE = "commune", _("Traitée par la commune du demandeur")


class Procedure(TimeStampedModel):
    """One online procedure of a commune, or of the CUA (``commune`` empty)."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="procedures"
    )
    title = models.CharField(_("intitulé"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    who_can_ask = models.TextField(_("qui peut faire la demande"), blank=True)
    documents_needed = models.TextField(_("pièces à fournir"), blank=True)
    delay_days = models.PositiveSmallIntegerField(_("délai de traitement (jours)"), default=15)
    service = models.CharField(_("service instructeur"), max_length=100, blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=ProcedureStatus.choices, default=ProcedureStatus.DRAFT
    )
    allow_anonymous = models.BooleanField(_("possible sans compte"), default=False)
    # A CUA-wide procedure's requests go to the CUA's queue, or to the commune the requester
    # chose in the form's "commune" field (see workflow.routed_commune).
    routing = models.CharField(
        _("traitement"), max_length=16, choices=Routing.choices, default=Routing.CUA
    )
    # status → the e-mail text replacing the default one (notices.DEFAULT_TEXTS).
    email_texts = models.JSONField(_("textes des courriels"), default=dict, blank=True)
    knowledge_entries = models.ManyToManyField(
        "knowledge.Entry", blank=True, related_name="procedures", verbose_name=_("fiches liées")
    )

    class Meta:
        verbose_name = _("démarche")
        verbose_name_plural = _("démarches")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> FormVersion:
        return self.versions.order_by("-number").first()  # type: ignore[return-value]


class FormVersion(TimeStampedModel):
    """The form of a procedure at one version. A version that requests use is never changed:
    editing the form then creates the next version."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("version du formulaire")
        verbose_name_plural = _("versions du formulaire")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="form_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.procedure} v{self.number}"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Envoyée")
    IN_REVIEW = "in_review", _("En cours d'instruction")
    CORRECTION = "correction", _("À compléter")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")
    CLOSED = "closed", _("Classée")


OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.CORRECTION)
FINAL_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CLOSED)


class Request(TimeStampedModel):
    """A request filed for a procedure, bound to the form version it was filled with."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="requests")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="requests")
    # Copied from the procedure so queues filter without a join.
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(_("numéro de suivi"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="procedure_requests",
    )
    email = models.EmailField(_("adresse électronique"))
    status = models.CharField(
        _("statut"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    data = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    due_at = models.DateField(_("échéance"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent chargé"),
    )

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["commune", "status", "-submitted_at"]),
            # Covering indexes of the queue's filters (overdue, service): see docs/benchmarks.md.
            models.Index(fields=["commune", "status", "due_at", "submitted_at"]),
            models.Index(fields=["commune", "service", "status", "submitted_at"]),
            models.Index(fields=["procedure", "status"]),
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["-submitted_at"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_at is not None
            and self.status in OPEN_STATUSES
            and self.due_at < timezone.localdate()
        )

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class EventKind(models.TextChoices):
    STATUS = "status", _("Changement de statut")
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Note interne")
    ASSIGNMENT = "assignment", _("Attribution")


class RequestEvent(TimeStampedModel):
    """One line of a request's history. Internal notes are never shown to the requester."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=RequestStatus.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_requester = models.BooleanField(default=False)
    # Who acted when it was not a person (an API key): shown in the history.
    author_label = models.CharField(max_length=150, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"])]

    @property
    def internal(self) -> bool:
        return self.kind == EventKind.NOTE


def upload_dir() -> Path:
    """Where attachments live: under the var directory, outside anything the web server
    serves; they are sent only by a view that checks who asks."""
    return Path(
        getattr(settings, "PROCEDURES_UPLOAD_DIR", settings.VAR_DIR / "uploads" / "procedures")
    )


class AttachmentStorage(FileSystemStorage):
    """File storage whose directory is read from the settings at each use (tests move it)."""

    @property
    def base_location(self) -> str:
        return str(upload_dir())

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def attachment_storage() -> FileSystemStorage:
    return AttachmentStorage(base_url=None)


def _upload_to(instance: Attachment, filename: str) -> str:
    return f"{instance.request.tracking_number}/{filename}"


class Attachment(TimeStampedModel):
    """A file of a request: the answer to a form field (``event`` empty), or joined to a
    message or an internal note (``field`` empty) — a note's files stay with the agents."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        RequestEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    field = models.CharField(max_length=200, blank=True)
    file = models.FileField(storage=attachment_storage, upload_to=_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name
