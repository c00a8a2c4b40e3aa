"""Typed access to environment variables.

Every variable the platform reads is declared here, once, with its type and default, so that
`docs/env.md` can list them all and a typo fails loudly instead of silently using a default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

_REGISTRY: dict[str, EnvVar] = {}


class ImproperlyConfiguredEnv(RuntimeError):
    """Raised when a variable is missing or cannot be parsed."""


@dataclass(frozen=True)
class EnvVar:
    name: str
    kind: str
    default: Any
    help: str

    def raw(self) -> str | None:
        return os.environ.get(self.name)


def _declare(name: str, kind: str, default: Any, help: str) -> EnvVar:
    var = EnvVar(name, kind, default, help)
    _REGISTRY[name] = var
    return var


def env_str(name: str, default: str | None, help: str) -> str | None:
    value = _declare(name, "str", default, help).raw()
    return value or default


def env_bool(name: str, default: bool, help: str) -> bool:
    value = _declare(name, "bool", default, help).raw()
    if not value:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int, help: str) -> int:
    value = _declare(name, "int", default, help).raw()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str], help: str) -> list[str]:
    value = _declare(name, "list (comma-separated)", default, help).raw()
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def declared() -> list[EnvVar]:
    """All variables declared so far (settings must be imported first)."""
    return sorted(_REGISTRY.values(), key=lambda var: var.name)
