"""Page-by-page lists for the site (the API uses ninja's pagination)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 25


def paginate(request: HttpRequest, items, per_page: int = PER_PAGE) -> Page:
    """The requested page; a missing, malformed or out-of-range number gives the nearest
    valid page rather than an error."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
