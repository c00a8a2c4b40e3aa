"""Abilities of the indicators and alerts. Agents of the insights (or sensors) module and
commune administrators handle alerts; elected officials read dashboards and alerts."""

from __future__ import annotations

from typing import Any

from territoire.core.models import Commune, Role
from territoire.core.permissions import Principal, ability, commune_ids_with_role, has_role

MODULE = "insights"
READERS = {Role.AGENT, Role.ELECTED, Role.COMMUNE_ADMIN}
HANDLERS = {Role.AGENT, Role.COMMUNE_ADMIN}


def _commune_of(obj: Any) -> Commune | int | None:
    if obj is None or isinstance(obj, Commune | int):
        return obj
    return getattr(obj, "commune_id", None)


def visible_commune_ids(principal: Principal) -> set[int] | None:
    """Communes whose indicators the principal may read (None: every commune)."""
    return commune_ids_with_role(principal, READERS, module=MODULE)


def handled_commune_ids(principal: Principal) -> set[int] | None:
    return commune_ids_with_role(principal, HANDLERS, module=MODULE)


@ability("insights.view")
def _view(principal: Principal, obj: Any) -> bool:
    commune = _commune_of(obj)
    if commune is None:
        return has_role(principal, READERS, module=MODULE, anywhere=True)
    return has_role(principal, READERS, commune=commune, module=MODULE)


@ability("insights.handle_alerts")
def _handle(principal: Principal, obj: Any) -> bool:
    """Acknowledge, assign, comment, close alerts; manage the commune's rules."""
    commune = _commune_of(obj)
    if commune is None:
        return has_role(principal, HANDLERS, module=MODULE, anywhere=True)
    return has_role(principal, HANDLERS, commune=commune, module=MODULE)


@ability("insights.manage_buildings")
def _buildings(principal: Principal, obj: Any) -> bool:
    """Change a building's décret tertiaire settings (surface, reference, heating share):
    the same people as the alerts' handlers."""
    return _handle(principal, obj)
