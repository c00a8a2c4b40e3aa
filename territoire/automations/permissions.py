"""Abilities of automations: agents of the "automations" module and commune administrators
manage their commune's rules; elected officials and agents read them."""

from __future__ import annotations

from typing import Any

from territoire.core.models import Commune, Role
from territoire.core.permissions import Principal, ability, has_role

MODULE = "automations"
READERS = {Role.AGENT, Role.ELECTED, Role.COMMUNE_ADMIN}
WRITERS = {Role.AGENT, Role.COMMUNE_ADMIN}


def _commune_of(obj: Any) -> Commune | int | None:
    if obj is None or isinstance(obj, Commune | int):
        return obj
    return getattr(obj, "commune_id", None)


@ability("automations.view")
def _view(principal: Principal, obj: Any) -> bool:
    """``obj``: a commune, a rule, a device, or None for "some commune"."""
    if obj is None:
        return has_role(principal, READERS, module=MODULE, anywhere=True)
    return has_role(principal, READERS, commune=_commune_of(obj), module=MODULE)


@ability("automations.manage")
def _manage(principal: Principal, obj: Any) -> bool:
    if obj is None:
        return has_role(principal, WRITERS, module=MODULE, anywhere=True)
    return has_role(principal, WRITERS, commune=_commune_of(obj), module=MODULE)
