"""Abilities: the one place that answers "may this principal do this with this object".

A principal is a person (User, possibly anonymous) or a machine client (ApiKey). Both are
reduced to *grants* (role, commune, module); every ability is a rule over grants. Pages, the
API and templates (``{% can %}``) all ask ``can()``; modules register their own abilities in
their ``permissions.py`` with ``@ability("module.verb_object")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from territoire.core.models import (
    COMMUNE_ONLY_ROLES,
    TERRITORY_ONLY_ROLES,
    ApiKey,
    Commune,
    Role,
    User,
)

Principal = User | AnonymousUser | ApiKey


@dataclass(frozen=True)
class Grant:
    role: str
    commune_id: int | None  # None: the whole territory
    module: str  # "": every module

    def covers(self, commune_id: int | None, module: str | None) -> bool:
        if self.commune_id is not None and self.commune_id != commune_id:
            return False
        return not (self.module and module and self.module != module)


_CACHE = "_territoire_grants"


def grants_of(principal: Principal | None) -> tuple[Grant, ...]:
    """The principal's grants, computed once per object (cached on it for the request)."""
    if principal is None or isinstance(principal, AnonymousUser):
        return ()
    cached = getattr(principal, _CACHE, None)
    if cached is not None:
        return cached
    grants: tuple[Grant, ...]
    if isinstance(principal, ApiKey):
        grants = (
            (Grant(Role.AGENT, principal.commune_id, principal.module),)
            if principal.is_active
            else ()
        )
    elif not principal.is_active:
        grants = ()
    else:
        grants = tuple(
            Grant(role, commune_id, module)
            for role, commune_id, module in principal.memberships.values_list(
                "role", "commune_id", "module"
            )
        )
        if principal.is_superuser:
            grants += (Grant(Role.CUA_ADMIN, None, ""),)
    setattr(principal, _CACHE, grants)  # noqa: B010  (not a model field)
    return grants


def forget_grants(principal: Principal) -> None:
    """Drop the cached grants (after a membership change in the same request)."""
    if hasattr(principal, _CACHE):
        delattr(principal, _CACHE)


def has_role(
    principal: Principal | None,
    roles: Iterable[str],
    *,
    commune: Commune | int | None = None,
    module: str | None = None,
    anywhere: bool = False,
) -> bool:
    """True when the principal holds one of ``roles`` covering that commune and module.
    A CUA administrator holds every role everywhere. ``anywhere`` ignores the commune."""
    wanted = set(roles)
    commune_id = commune.pk if isinstance(commune, Commune) else commune
    for grant in grants_of(principal):
        if grant.role == Role.CUA_ADMIN:
            return True
        if grant.role not in wanted:
            continue
        if anywhere:
            if not (grant.module and module and grant.module != module):
                return True
        elif grant.covers(commune_id, module):
            return True
    return False


def is_cua_admin(principal: Principal | None) -> bool:
    return any(grant.role == Role.CUA_ADMIN for grant in grants_of(principal))


def commune_ids_with_role(
    principal: Principal | None, roles: Iterable[str], *, module: str | None = None
) -> set[int] | None:
    """Communes where the principal holds one of ``roles`` (for ``module``, when given);
    None means every commune. Selectors use it to scope their queries."""
    wanted = set(roles)
    ids: set[int] = set()
    for grant in grants_of(principal):
        if grant.role == Role.CUA_ADMIN:
            return None
        if grant.role not in wanted or (module and grant.module not in ("", module)):
            continue
        if grant.commune_id is None:
            return None
        ids.add(grant.commune_id)
    return ids


# --- the registry -----------------------------------------------------------------------

AbilityRule = Callable[[Principal, Any], bool]
_ABILITIES: dict[str, AbilityRule] = {}


def ability(name: str) -> Callable[[AbilityRule], AbilityRule]:
    """Register a rule under ``name`` ("module.verb_object")."""

    def register(rule: AbilityRule) -> AbilityRule:
        if name in _ABILITIES:
            raise ValueError(f"Ability {name!r} is registered twice.")
        _ABILITIES[name] = rule
        return rule

    return register


def can(principal: Principal | None, name: str, obj: Any = None) -> bool:
    """May ``principal`` do ``name`` with ``obj``? Unknown abilities are refused loudly."""
    try:
        rule = _ABILITIES[name]
    except KeyError:
        raise LookupError(f"Unknown ability {name!r}.") from None
    if principal is None:
        principal = AnonymousUser()
    return bool(rule(principal, obj))


def require(principal: Principal | None, name: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``can()``."""
    if not can(principal, name, obj):
        raise PermissionDenied(name)


def registered_abilities() -> list[str]:
    return sorted(_ABILITIES)


# --- core abilities ---------------------------------------------------------------------

ADMIN_ROLES = {Role.COMMUNE_ADMIN}


@ability("core.manage_members")
def _manage_members(principal: Principal, commune: Commune | None) -> bool:
    """Commune administrators manage their commune; territory-wide roles are the CUA's."""
    if isinstance(principal, ApiKey):
        return False
    if commune is None:
        return is_cua_admin(principal)
    return has_role(principal, ADMIN_ROLES, commune=commune)


@ability("core.grant_role")
def _grant_role(principal: Principal, target: tuple[Commune | None, str]) -> bool:
    commune, role = target
    if role in TERRITORY_ONLY_ROLES or commune is None:
        return is_cua_admin(principal)
    return _manage_members(principal, commune)


@ability("core.view_audit")
def _view_audit(principal: Principal, commune: Commune | None) -> bool:
    """CUA administrators read the whole log, commune administrators their commune's."""
    if isinstance(principal, ApiKey):
        return False
    if commune is None:
        return has_role(principal, ADMIN_ROLES, anywhere=True)
    return has_role(principal, ADMIN_ROLES, commune=commune)


@ability("core.manage_api_keys")
def _manage_api_keys(principal: Principal, commune: Commune | None) -> bool:
    return _manage_members(principal, commune) if commune else _view_audit(principal, None)


@ability("core.use_admin_area")
def _use_admin_area(principal: Principal, _obj: Any) -> bool:
    return not isinstance(principal, ApiKey) and has_role(principal, ADMIN_ROLES, anywhere=True)


def role_fits_scope(role: str, commune: Commune | None) -> bool:
    """Territory-only roles have no commune, commune-only roles need one."""
    if role in TERRITORY_ONLY_ROLES:
        return commune is None
    if role in COMMUNE_ONLY_ROLES:
        return commune is not None
    return True
