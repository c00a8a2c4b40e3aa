"""Abilities of the knowledge base: agents of the knowledge module (and commune
administrators) write their commune's entries; entries valid for the whole CUA need a
territory-wide role. Everyone reads published entries."""

from __future__ import annotations

from typing import Any

from territoire.core.models import ApiKey, Commune, Role
from territoire.core.permissions import Principal, ability, has_role

MODULE = "knowledge"
EDITORS = {Role.AGENT, Role.COMMUNE_ADMIN}


def _commune_of(obj: Any) -> Commune | int | None:
    if obj is None or isinstance(obj, Commune | int):
        return obj
    return getattr(obj, "commune_id", None)


@ability("knowledge.edit")
def _edit(principal: Principal, obj: Any) -> bool:
    """``obj``: an entry, a commune, or None for "some commune" (menus). An entry without a
    commune (whole CUA) needs a territory-wide grant."""
    if isinstance(principal, ApiKey) and obj is None:
        return False
    if obj is None:
        return has_role(principal, EDITORS, module=MODULE, anywhere=True)
    return has_role(principal, EDITORS, commune=_commune_of(obj), module=MODULE)


@ability("knowledge.edit_cua")
def _edit_cua(principal: Principal, _obj: Any) -> bool:
    """May write entries valid for the whole CUA (a territory-wide grant)."""
    return has_role(principal, EDITORS, commune=None, module=MODULE)
