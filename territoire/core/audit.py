"""Recording writes in the audit log.

Services call ``audit_record`` inside their transaction, so a rolled-back write leaves no
entry and a committed one always has its entry. The request's address is taken from a
context variable set by ``AuditContextMiddleware``, so services need no request argument.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models

from territoire.core.auth import client_ip
from territoire.core.models import ApiKey, AuditEntry, Commune, User

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)

SYSTEM_LABEL = "système"

# Every action written to the log, with the French label agents read. Modules add theirs
# with register_actions() at import of their services; audit_record refuses unknown names,
# so a typo cannot create an action nobody can filter on.
_ACTIONS: dict[str, str] = {}


def register_actions(actions: dict[str, str]) -> None:
    for name, label in actions.items():
        if _ACTIONS.get(name, label) != label:
            raise ValueError(f"Audit action {name!r} is registered twice.")
        _ACTIONS[name] = label


def action_label(name: str) -> str:
    return _ACTIONS.get(name, name)


def action_choices() -> list[tuple[str, str]]:
    """(name, label) of every registered action, sorted by label."""
    return sorted(_ACTIONS.items(), key=lambda item: item[1])


register_actions(
    {
        "territory.load": "Chargement des communes",
        "demo.seed": "Création des comptes de démonstration",
        "membership.grant": "Rôle attribué",
        "membership.revoke": "Rôle retiré",
        "member.invite": "Personne invitée",
        "api_key.create": "Clé d'API créée",
        "api_key.revoke": "Clé d'API révoquée",
        "auth.login": "Connexion",
        "auth.logout": "Déconnexion",
        "auth.login_failed": "Échec de connexion",
        "auth.lockout": "Connexion suspendue après des échecs",
        "auth.password_reset": "Mot de passe réinitialisé",
        "auth.password_change": "Mot de passe changé",
    }
)


class AuditContextMiddleware:
    """Remember the client address of the current request for the audit log."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def actor_label(actor: User | ApiKey | None) -> str:
    if actor is None:
        return SYSTEM_LABEL
    if isinstance(actor, ApiKey):
        return f"clé d'API « {actor.name} » ({actor.prefix})"
    if getattr(actor, "is_anonymous", False):
        return "anonyme"
    return actor.email


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The listed fields of ``obj`` as JSON values (foreign keys as their id)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    keys = before.keys() | after.keys()
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    actor: User | ApiKey | None,
    action: str,
    obj: models.Model | None = None,
    commune: Commune | int | None = None,
    changes: dict[str, Any] | None = None,
    object_repr: str | None = None,
    label: str | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the service's transaction (checked)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction.")
    if action not in _ACTIONS:
        raise LookupError(f"Unregistered audit action {action!r}: use register_actions().")
    user = actor if isinstance(actor, User) else None
    commune_id = commune.pk if isinstance(commune, Commune) else commune
    return AuditEntry.objects.create(
        actor=user,
        actor_label=(label or actor_label(actor))[:255],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj or ""))[:255],
        commune_id=commune_id,
        changes={key: _jsonable(value) for key, value in (changes or {}).items()},
        ip_address=_client_ip.get(),
    )
