"""Template helpers: abilities in templates, role and module labels."""

from __future__ import annotations

from django import template

from territoire.core.audit import action_label
from territoire.core.modules import MODULES_BY_CODE
from territoire.core.permissions import can as can_do

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, ability: str, obj=None) -> bool:
    """``{% can "core.manage_members" commune as allowed %}``"""
    request = context.get("request")
    return can_do(getattr(request, "user", None), ability, obj)


@register.filter
def module_label(code: str) -> str:
    module = MODULES_BY_CODE.get(code)
    return str(module.label) if module else "Tous les modules"


@register.filter
def audit_action_label(name: str) -> str:
    return action_label(name)
