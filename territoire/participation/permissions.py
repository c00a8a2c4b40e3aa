"""Abilities of citizen participation. Agents of the participation module (and commune
administrators) run their commune's processes; a CUA process (no commune) is run by the CUA
administrator or a territory-wide participation agent. Moderators (of a commune, or of the
whole territory) moderate the processes they cover."""

from __future__ import annotations

from typing import Any

from territoire.core.models import ApiKey, Commune, Role
from territoire.core.permissions import Principal, ability, has_role

MODULE = "participation"
MANAGERS: set[str] = {Role.AGENT, Role.COMMUNE_ADMIN}
MODERATORS: set[str] = {Role.MODERATOR, Role.COMMUNE_ADMIN}


def _commune_id(obj: Any) -> int | None:
    if isinstance(obj, Commune):
        return obj.pk
    if isinstance(obj, int):
        return obj
    if hasattr(obj, "commune_id"):
        return obj.commune_id
    process = getattr(obj, "process", None)
    return process.commune_id if process is not None else None


def _rule(principal: Principal, obj: Any, roles: set[str], module: str | None) -> bool:
    if isinstance(principal, ApiKey):
        return False
    if obj is None:
        return has_role(principal, roles, module=module, anywhere=True)
    # commune None: a CUA process, covered only by territory-wide grants.
    return has_role(principal, roles, commune=_commune_id(obj), module=module)


@ability("participation.manage")
def _manage(principal: Principal, obj: Any) -> bool:
    """``obj``: a process, a commune, or None for "some process"."""
    return _rule(principal, obj, MANAGERS, MODULE)


@ability("participation.moderate")
def _moderate(principal: Principal, obj: Any) -> bool:
    """``obj``: a process (or a contribution's process), or None for "some process"."""
    return _rule(principal, obj, MODERATORS, None)
