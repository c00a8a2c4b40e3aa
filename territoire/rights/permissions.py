"""Abilities of the Zéro non-recours module. Advisers (agents of the rights module, commune
administrators) work on their commune's households and saved simulations; they and the CUA
define local aids (a commune's own, or the CUA's); pooled partner files are imported by the
CUA administrator; elected officials read the statistics. The simulator itself is public."""

from __future__ import annotations

from typing import Any

from territoire.core.models import ApiKey, Commune, Role
from territoire.core.permissions import Principal, ability, has_role, is_cua_admin

MODULE = "rights"
ADVISERS = {Role.AGENT, Role.COMMUNE_ADMIN}
STATS_READERS = {Role.AGENT, Role.COMMUNE_ADMIN, Role.ELECTED}


def _commune_of(obj: Any) -> Commune | int | None:
    if obj is None or isinstance(obj, Commune | int):
        return obj
    return getattr(obj, "commune_id", None)


@ability("rights.advise")
def _advise(principal: Principal, obj: Any) -> bool:
    """See and follow a commune's detected households, save simulations for it."""
    if isinstance(principal, ApiKey):
        return False
    if obj is None:
        return has_role(principal, ADVISERS, module=MODULE, anywhere=True)
    return has_role(principal, ADVISERS, commune=_commune_of(obj), module=MODULE)


@ability("rights.manage_local_aids")
def _local_aids(principal: Principal, obj: Any) -> bool:
    """``obj``: a commune, a local aid, ``"cua"`` (the CUA's own aids, the CUA
    administrator's), or None (some commune)."""
    if isinstance(principal, ApiKey):
        return False
    if obj == "cua":
        return is_cua_admin(principal)
    if obj is None:
        return has_role(principal, ADVISERS, module=MODULE, anywhere=True)
    commune = _commune_of(obj)
    if commune is None:
        return is_cua_admin(principal)
    return has_role(principal, ADVISERS, commune=commune, module=MODULE)


@ability("rights.import")
def _import(principal: Principal, obj: Any) -> bool:
    """Pooled files cover every commune: only the CUA administrator imports them."""
    return not isinstance(principal, ApiKey) and is_cua_admin(principal)


@ability("rights.view_stats")
def _stats(principal: Principal, obj: Any) -> bool:
    if isinstance(principal, ApiKey):
        return False
    if obj is None:
        return has_role(principal, STATS_READERS, module=MODULE, anywhere=True) or has_role(
            principal, {Role.ELECTED}, anywhere=True
        )
    return has_role(principal, STATS_READERS, commune=_commune_of(obj), module=MODULE)
