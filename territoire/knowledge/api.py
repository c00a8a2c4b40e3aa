"""Knowledge API: the published entries (French full-text search, filters), one entry and
the themes. Public reads of published content only; writes are made on the site."""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from territoire.core.pagination import ApiPagination
from territoire.core.selectors import commune_find
from territoire.knowledge import selectors
from territoire.knowledge.models import Entry

router = Router(tags=["Aide et informations"])

# The kinds of Kind, spelled out for the schema (a test checks they stay the same).
KindCode = Literal["faq", "guide", "legal"]


class ThemeOut(Schema):
    slug: str
    name: str
    published_entries: int


class EntrySummaryOut(Schema):
    id: int
    kind: KindCode
    kind_label: str
    title: str
    summary: str
    commune_insee: str | None = Field(description="Vide : valable dans toute la CUA")
    review_by: date | None
    stale: bool = Field(description="Date de relecture dépassée : contenu à vérifier")
    url: str


class EntryOut(EntrySummaryOut):
    body: str
    themes: list[str] = Field(description="Identifiants (slug) des thèmes")
    legal_reference: str
    source_url: str
    source_label: str
    published_at: str | None


class EntryFilters(Schema):
    q: str = Field("", max_length=200, description="Recherche en français (accents facultatifs)")
    commune: str = Field(
        "",
        max_length=5,
        description="Code INSEE : les fiches de cette commune et celles de toute la CUA",
    )
    kind: KindCode | Literal[""] = ""
    theme: str = Field("", max_length=100, description="Identifiant (slug) d'un thème")


def _summary(entry: Entry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "title": entry.title,
        "summary": entry.summary,
        "commune_insee": entry.commune.insee_code if entry.commune else None,
        "review_by": entry.review_by,
        "stale": entry.stale,
        "url": f"/aide/fiche/{entry.pk}/",
    }


@router.get(
    "/entries",
    response=list[EntrySummaryOut],
    auth=None,
    summary="Fiches publiées : recherche en français, filtres par commune, type et thème",
    description=(
        "Avec `q`, les fiches sont classées par pertinence (200 au plus) ; sans `q`, par "
        "titre. Seules les fiches publiées sont listées."
    ),
)
@paginate(ApiPagination)
def entry_list(request: HttpRequest, filters: Query[EntryFilters]):
    errors = {}
    commune = theme = None
    if filters.commune:
        commune = commune_find(insee_code=filters.commune)
        if commune is None:
            errors["commune"] = ["Commune inconnue : donnez le code INSEE d'une commune de la CUA."]
    if filters.theme:
        theme = selectors.theme_by_slug(filters.theme)
        if theme is None:
            errors["theme"] = ["Thème inconnu : la liste est donnée par /knowledge/themes."]
    if errors:
        raise ValidationError(errors)
    entries = selectors.public_search(
        query=filters.q, commune=commune, kind=filters.kind, theme=theme
    )
    return [_summary(entry) for entry in entries]


@router.get(
    "/entries/{entry_id}",
    response=EntryOut,
    auth=None,
    summary="Une fiche publiée, avec son contenu",
)
def entry_detail(request: HttpRequest, entry_id: int):
    try:
        entry = selectors.public_entry(pk=entry_id)
    except Entry.DoesNotExist:
        raise Http404("Fiche introuvable ou non publiée.") from None
    return {
        **_summary(entry),
        "body": entry.body,
        "themes": [theme.slug for theme in entry.themes.all()],
        "legal_reference": entry.legal_reference,
        "source_url": entry.source_url,
        "source_label": entry.source_label,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
    }


@router.get(
    "/themes",
    response=list[ThemeOut],
    auth=None,
    summary="Thèmes, avec le nombre de fiches publiées de chacun",
)
def theme_list(request: HttpRequest):
    return [
        {"slug": theme.slug, "name": theme.name, "published_entries": theme.published_count}  # type: ignore[attr-defined]
        for theme in selectors.themes_with_counts()
    ]
