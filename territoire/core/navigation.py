"""The main menu, assembled from entries that each module registers in its AppConfig.ready().

Core never imports a module to build the menu: a module adds its own entry, shown to the
people the entry's ability (or "public") allows. Entries are ordered by `order`, then label.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from territoire.core.permissions import can


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    order: int = 100
    # None: everyone; "authenticated": any signed-in person; else an ability code.
    ability: str | None = None


_ENTRIES: dict[str, NavEntry] = {}


def register_nav(
    label: str, url_name: str, *, order: int = 100, ability: str | None = None
) -> None:
    """Add (or replace, by url_name) a main-menu entry."""
    _ENTRIES[url_name] = NavEntry(label, url_name, order, ability)


_MY_SPACE: dict[str, NavEntry] = {}


def register_my_space(label: str, url_name: str, *, order: int = 100, ability: str | None = None):
    """Add a link to "Mon espace" (what a module keeps for the signed-in person)."""
    _MY_SPACE[url_name] = NavEntry(label, url_name, order, ability)


def my_space_links(user) -> list[tuple[str, str]]:
    """The (label, url) pairs a signed-in person sees in "Mon espace"."""
    return [
        (entry.label, reverse(entry.url_name))
        for entry in sorted(_MY_SPACE.values(), key=lambda e: (e.order, e.label))
        if _visible(entry.ability, user, True)
    ]


def nav_for(user) -> list[tuple[str, str]]:
    """The (label, url) pairs of the main menu this person sees."""
    signed_in = user is not None and user.is_authenticated
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.label)):
        if _visible(entry.ability, user, signed_in):
            items.append((entry.label, reverse(entry.url_name)))
    return items


def _visible(ability: str | None, user, signed_in: bool) -> bool:
    if ability is None:
        return True
    if ability == "authenticated":
        return signed_in
    return signed_in and can(user, ability)
