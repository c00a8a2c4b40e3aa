"""Writes of the knowledge base: create, update, publish, archive an entry. Each is one
transaction that checks the ability, keeps the search index current and records one audit
entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from territoire.core.audit import audit_record, diff, register_actions, snapshot
from territoire.core.models import Commune, User
from territoire.core.permissions import can, require
from territoire.knowledge import search
from territoire.knowledge.models import Entry, Kind, Status, Theme

register_actions(
    {
        "knowledge.entry_create": "Fiche d'information créée",
        "knowledge.entry_update": "Fiche d'information modifiée",
        "knowledge.entry_publish": "Fiche d'information publiée",
        "knowledge.entry_archive": "Fiche d'information archivée",
        "knowledge.theme_create": "Thème créé",
        "knowledge.theme_rename": "Thème renommé",
        "knowledge.theme_delete": "Thème supprimé",
    }
)

TRACKED = [
    "kind",
    "title",
    "summary",
    "body",
    "commune",
    "legal_reference",
    "source_url",
    "source_label",
    "review_by",
    "status",
]


@dataclass
class EntryData:
    kind: str
    title: str
    body: str
    commune: Commune | None = None
    summary: str = ""
    themes: list[Theme] = field(default_factory=list)
    legal_reference: str = ""
    source_url: str = ""
    source_label: str = ""
    review_by: date | None = None


def _check(actor: User, data: EntryData) -> None:
    errors: dict[str, str] = {}
    if data.kind not in Kind.values:
        errors["kind"] = "Choisissez le type de fiche."
    if not data.title.strip():
        errors["title"] = "Indiquez un titre."
    if not data.body.strip():
        errors["body"] = "Rédigez le contenu de la fiche."
    if data.kind == Kind.LEGAL and not (data.legal_reference.strip() or data.source_url):
        errors["legal_reference"] = (
            "Une référence juridique cite son texte : indiquez l'article ou le lien vers la source."
        )
    if errors:
        raise ValidationError(errors)
    if data.commune is None and not can(actor, "knowledge.edit_cua"):
        raise ValidationError(
            {
                "commune": "Seuls les agents de la CUA publient pour toutes les communes : "
                "choisissez votre commune."
            }
        )
    require(actor, "knowledge.edit", data.commune)


def _apply(entry: Entry, data: EntryData) -> None:
    for name in ("kind", "commune", "legal_reference", "source_url", "review_by"):
        setattr(entry, name, getattr(data, name))
    entry.title = data.title.strip()
    entry.summary = data.summary.strip()
    entry.body = data.body.strip()
    entry.source_label = data.source_label.strip()
    search.index_text(entry)


@transaction.atomic
def entry_create(*, actor: User, data: EntryData, publish: bool = False) -> Entry:
    """A new entry, as a draft unless ``publish``."""
    _check(actor, data)
    entry = Entry(updated_by=actor)
    _apply(entry, data)
    if publish:
        entry.status, entry.published_at = Status.PUBLISHED, timezone.now()
    entry.save()
    entry.themes.set(data.themes)
    search.index_entry(entry)
    audit_record(
        actor=actor,
        action="knowledge.entry_create",
        obj=entry,
        commune=entry.commune,
        changes={"title": entry.title, "kind": entry.kind, "status": entry.status},
    )
    return entry


@transaction.atomic
def entry_update(*, actor: User, entry: Entry, data: EntryData) -> Entry:
    """Change an entry (its commune too, if the actor may write for both)."""
    require(actor, "knowledge.edit", entry)
    _check(actor, data)
    before = snapshot(entry, TRACKED)
    _apply(entry, data)
    entry.updated_by = actor
    entry.save()
    entry.themes.set(data.themes)
    search.index_entry(entry)
    audit_record(
        actor=actor,
        action="knowledge.entry_update",
        obj=entry,
        commune=entry.commune,
        changes=diff(before, snapshot(entry, TRACKED)),
    )
    return entry


@transaction.atomic
def entry_set_status(*, actor: User, entry: Entry, status: str) -> Entry:
    """Publish (or re-publish) or archive an entry."""
    require(actor, "knowledge.edit", entry)
    if status not in (Status.PUBLISHED, Status.ARCHIVED):
        raise ValidationError({"status": "Statut inconnu."})
    previous = entry.status
    entry.status = status
    if status == Status.PUBLISHED:
        entry.published_at = timezone.now()
    entry.updated_by = actor
    entry.save(update_fields=["status", "published_at", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="knowledge.entry_publish"
        if status == Status.PUBLISHED
        else "knowledge.entry_archive",
        obj=entry,
        commune=entry.commune,
        changes={"status": [previous, status]},
    )
    return entry


@transaction.atomic
def theme_create(*, actor: User, name: str) -> Theme:
    """A theme shared by every commune (agents of any commune may add one)."""
    if not can(actor, "knowledge.edit"):
        raise PermissionDenied("knowledge.edit")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Indiquez le nom du thème."})
    slug = slugify(name)[:100]
    if Theme.objects.filter(slug=slug).exists():
        raise ValidationError({"name": "Ce thème existe déjà."})
    theme = Theme.objects.create(name=name, slug=slug)
    audit_record(actor=actor, action="knowledge.theme_create", obj=theme, changes={"name": name})
    return theme


def _theme_name(name: str, *, exclude: Theme | None = None) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Indiquez le nom du thème."})
    slug = slugify(name)[:100]
    if not slug:
        raise ValidationError({"name": "Le nom doit contenir au moins une lettre ou un chiffre."})
    others = Theme.objects.exclude(pk=exclude.pk) if exclude else Theme.objects.all()
    if others.filter(slug=slug).exists():
        raise ValidationError({"name": "Un autre thème porte déjà ce nom."})
    return name, slug


@transaction.atomic
def theme_rename(*, actor: User, theme: Theme, name: str) -> Theme:
    """Rename a theme (its identifier in addresses and in the API follows the name). Themes
    are shared by every commune: only a territory-wide editor renames them."""
    if not can(actor, "knowledge.edit_cua"):
        raise PermissionDenied("knowledge.edit_cua")
    name, slug = _theme_name(name, exclude=theme)
    before = theme.name
    theme.name, theme.slug = name, slug
    theme.save(update_fields=["name", "slug", "updated_at"])
    audit_record(
        actor=actor, action="knowledge.theme_rename", obj=theme, changes={"name": [before, name]}
    )
    return theme


@transaction.atomic
def theme_delete(*, actor: User, theme: Theme, move_to: Theme | None = None) -> int:
    """Delete a theme; its entries (every status) are first moved to ``move_to``, which is
    required when the theme classifies any entry. Returns the number of entries moved."""
    if not can(actor, "knowledge.edit_cua"):
        raise PermissionDenied("knowledge.edit_cua")
    entries = list(theme.entries.all())
    if move_to is not None and move_to.pk == theme.pk:
        raise ValidationError({"move_to": "Choisissez un autre thème que celui à supprimer."})
    if entries and move_to is None:
        raise ValidationError(
            {
                "move_to": f"Ce thème classe {len(entries)} fiche{'s' if len(entries) > 1 else ''} "
                ": choisissez le thème où les déplacer avant de le supprimer."
            }
        )
    if move_to is not None:
        move_to.entries.add(*entries)
    audit_record(
        actor=actor,
        action="knowledge.theme_delete",
        obj=theme,
        changes={
            "name": theme.name,
            "entries_moved": len(entries),
            "moved_to": move_to.name if move_to else None,
        },
    )
    theme.delete()
    return len(entries)
