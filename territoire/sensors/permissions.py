"""Abilities of the sensor hub. Agents of the sensors module (and API keys of that module)
manage their commune's devices; elected officials read; administrators also configure the
network-server integrations."""

from __future__ import annotations

from typing import Any

from territoire.core.models import ApiKey, Commune, Role
from territoire.core.permissions import Principal, ability, has_role, is_cua_admin

MODULE = "sensors"
READERS = {Role.AGENT, Role.ELECTED, Role.COMMUNE_ADMIN}
WRITERS = {Role.AGENT, Role.COMMUNE_ADMIN}


def _commune_of(obj: Any) -> Commune | int | None:
    if obj is None or isinstance(obj, Commune | int):
        return obj
    return getattr(obj, "commune_id", None)


@ability("sensors.view")
def _view(principal: Principal, obj: Any) -> bool:
    """``obj``: a commune, a device, or None for "some commune"."""
    commune = _commune_of(obj)
    if commune is None and obj is None:
        return has_role(principal, READERS, module=MODULE, anywhere=True)
    return has_role(principal, READERS, commune=commune, module=MODULE)


@ability("sensors.manage_devices")
def _manage(principal: Principal, obj: Any) -> bool:
    commune = _commune_of(obj)
    if commune is None and obj is None:
        return has_role(principal, WRITERS, module=MODULE, anywhere=True)
    return has_role(principal, WRITERS, commune=commune, module=MODULE)


@ability("sensors.manage_integrations")
def _integrations(principal: Principal, commune: Commune | None) -> bool:
    if isinstance(principal, ApiKey):
        return False
    if commune is None:
        return is_cua_admin(principal)
    return has_role(principal, {Role.COMMUNE_ADMIN}, commune=commune)
