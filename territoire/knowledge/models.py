"""Knowledge base: FAQ entries, practical guides and legal references, for one commune or
the whole CUA, grouped by themes."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel


class Theme(TimeStampedModel):
    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    FAQ = "faq", _("Question fréquente")
    GUIDE = "guide", _("Guide pratique")
    LEGAL = "legal", _("Référence juridique")


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publié")
    ARCHIVED = "archived", _("Archivé")


class Entry(TimeStampedModel):
    """One FAQ answer, guide or legal reference. ``commune`` empty: valid in every commune.

    ``search_title`` and ``search_body`` hold the normalised text (see ``text.py``) that the
    full-text index of the database covers; services keep them and the index current."""

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    body = models.TextField(_("contenu"))
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="knowledge_entries",
        verbose_name=_("commune"),
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="entries")
    legal_reference = models.CharField(
        _("référence du texte"), max_length=200, blank=True, help_text=_("Article, code, loi")
    )
    source_url = models.URLField(_("lien vers la source"), blank=True)
    source_label = models.CharField(_("nom de la source"), max_length=200, blank=True)
    review_by = models.DateField(_("à relire avant le"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("fiche d'information")
        verbose_name_plural = _("fiches d'information")
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "commune"]), models.Index(fields=["review_by"])]

    def __str__(self) -> str:
        return self.title

    def is_stale(self, today: date | None = None) -> bool:
        """Past its review date: the content may be out of date."""
        today = today or timezone.localdate()
        return self.review_by is not None and self.review_by < today

    @property
    def stale(self) -> bool:
        return self.is_stale()
