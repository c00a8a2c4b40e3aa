"""``{% device_automations device %}``: the rules commanding a device and their last actions,
for the sensor hub's device page (which knows nothing else of automations)."""

from __future__ import annotations

from django import template

from territoire.automations import selectors
from territoire.core.permissions import can

register = template.Library()


@register.inclusion_tag("automations/_device_automations.html", takes_context=True)
def device_automations(context, device) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "automations.view", device):
        return {"show": False}
    rules, actions = selectors.device_automations(user, device)
    return {
        "show": True,
        "rules": rules,
        "actions": actions,
        "bookings": selectors.device_bookings(user, device),
        "request": request,
    }
