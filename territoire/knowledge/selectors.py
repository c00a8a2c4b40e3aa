"""Reads of the knowledge base: public search and pages (published entries of a commune and
of the whole CUA), and the entries an agent may edit."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from territoire.core.models import Commune
from territoire.core.permissions import Principal, commune_ids_with_role
from territoire.knowledge import search
from territoire.knowledge.models import Entry, Status, Theme
from territoire.knowledge.permissions import EDITORS, MODULE


def themes() -> QuerySet[Theme]:
    return Theme.objects.all()


def theme_by_slug(slug: str) -> Theme | None:
    return Theme.objects.filter(slug=slug).first()


def themes_with_counts() -> QuerySet[Theme]:
    """Every theme with ``published_count``, the number of its published entries."""
    return Theme.objects.annotate(
        published_count=Count("entries", filter=Q(entries__status=Status.PUBLISHED))
    ).order_by("name")


def themes_with_usage() -> QuerySet[Theme]:
    """Every theme with ``entry_count`` (entries of every status) and ``published_count``."""
    return themes_with_counts().annotate(entry_count=Count("entries", distinct=True))


def published(*, commune: Commune | None = None) -> QuerySet[Entry]:
    """Published entries; with a commune, only its own and the CUA-wide ones."""
    entries = Entry.objects.filter(status=Status.PUBLISHED).select_related("commune")
    if commune is not None:
        entries = entries.filter(Q(commune=commune) | Q(commune__isnull=True))
    return entries.prefetch_related("themes")


def public_search(
    *, query: str = "", commune: Commune | None = None, kind: str = "", theme: Theme | None = None
) -> list[Entry]:
    """Published entries matching a French query, best first; without a query, by title."""
    if not query.strip():
        listed = published(commune=commune)
        if kind:
            listed = listed.filter(kind=kind)
        if theme is not None:
            listed = listed.filter(themes=theme)
        return list(listed.defer("body", "search_title", "search_body").order_by("title")[:200])
    ids = search.ranked_ids(
        query, commune_ids=[commune.pk] if commune else None, kind=kind, limit=200
    )
    # Result lists show title, kind, commune, summary and review date only.
    found = (
        Entry.objects.filter(status=Status.PUBLISHED)
        .select_related("commune")
        .defer("body", "search_title", "search_body")
        .in_bulk(ids)
    )
    entries = [found[pk] for pk in ids if pk in found]
    if theme is not None:
        themed = set(theme.entries.filter(pk__in=ids).values_list("pk", flat=True))
        entries = [entry for entry in entries if entry.pk in themed]
    return entries


def public_entry(*, pk: int) -> Entry:
    """One published entry, else Entry.DoesNotExist."""
    return published().get(pk=pk)


def editable(principal: Principal, *, query: str = "", stale_only: bool = False) -> QuerySet[Entry]:
    """Entries (every status) the principal may edit: those of their communes, and the
    CUA-wide ones when their role is territory-wide."""
    commune_ids = commune_ids_with_role(principal, EDITORS, module=MODULE)
    entries = Entry.objects.select_related("commune", "updated_by")
    if commune_ids is not None:
        if not commune_ids:
            return entries.none()
        entries = entries.filter(commune_id__in=commune_ids)
    if query.strip():
        ids = search.ranked_ids(query, published_only=False, commune_ids=None, limit=500)
        entries = entries.filter(pk__in=ids)
    if stale_only:
        entries = entries.filter(review_by__lt=timezone.localdate())
    return entries.order_by("-updated_at")


def editable_entry(principal: Principal, *, pk: int) -> Entry:
    return editable(principal).get(pk=pk)


def editor_communes(principal: Principal) -> QuerySet[Commune]:
    ids = commune_ids_with_role(principal, EDITORS, module=MODULE)
    communes = Commune.objects.all()
    return communes if ids is None else communes.filter(pk__in=ids)
