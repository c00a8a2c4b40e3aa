"""Abilities of the online procedures. Agents of the procedures module (and commune
administrators) manage their commune's catalogue and process its requests; CUA-wide
procedures need a territory-wide role. Elected officials read the statistics. A requester
acts on their own requests (anonymous requesters prove it with number and e-mail)."""

from __future__ import annotations

from typing import Any

from territoire.core.models import ApiKey, Commune, Role
from territoire.core.permissions import Principal, ability, has_role

MODULE = "procedures"
PROCESSORS = {Role.AGENT, Role.COMMUNE_ADMIN}
READERS = {Role.AGENT, Role.COMMUNE_ADMIN, Role.ELECTED}


def _commune_of(obj: Any) -> Commune | int | None:
    if obj is None or isinstance(obj, Commune | int):
        return obj
    return getattr(obj, "commune_id", None)


def _rule(roles: set[Role], *, keys: bool = False):
    """``keys``: API keys of the procedures module count as agents of their one commune (a
    key's grant never covers the CUA-wide requests, whose commune is empty)."""

    def rule(principal: Principal, obj: Any) -> bool:
        if isinstance(principal, ApiKey) and not keys:
            return False
        if obj is None:
            return has_role(principal, roles, module=MODULE, anywhere=True)
        return has_role(principal, roles, commune=_commune_of(obj), module=MODULE)

    return rule


# ``obj``: a procedure, a request, a commune, or None for "in some commune" (menus).
ability("procedures.manage")(_rule(PROCESSORS))
ability("procedures.process")(_rule(PROCESSORS, keys=True))
ability("procedures.view_stats")(_rule(READERS))


@ability("procedures.own_request")
def _own(principal: Principal, request: Any) -> bool:
    """The signed-in person who filed the request."""
    return (
        request is not None
        and getattr(principal, "is_authenticated", False)
        and not isinstance(principal, ApiKey)
        and request.user_id == principal.pk
    )


@ability("procedures.manage_cua")
def _manage_cua(principal: Principal, _obj: Any) -> bool:
    """May manage procedures valid for the whole CUA (a territory-wide grant)."""
    return not isinstance(principal, ApiKey) and has_role(
        principal, PROCESSORS, commune=None, module=MODULE
    )
