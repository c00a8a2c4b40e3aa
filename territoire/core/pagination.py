"""Page-by-page lists for the site (the API uses ninja's pagination)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

PER_PAGE = 25
MAX_API_LIMIT = 500
MAX_API_OFFSET = 1_000_000_000


def paginate(request: HttpRequest, items, per_page: int = PER_PAGE) -> Page:
    """The requested page; a missing, malformed or out-of-range number gives the nearest
    valid page rather than an error."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class ApiPagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with both bounds checked: a limit over
    NINJA_PAGINATION_MAX_LIMIT or an offset beyond what the database can take is a 422,
    not an overflow in the database."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_API_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_API_OFFSET)
