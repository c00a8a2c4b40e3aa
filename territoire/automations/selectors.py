"""Reads of automations, scoped to the principal's communes."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from territoire.automations.models import Booking, Rule, RuleAction
from territoire.automations.permissions import MODULE, READERS, WRITERS
from territoire.core.models import Commune
from territoire.core.permissions import Principal, commune_ids_with_role
from territoire.sensors.codecs import CODECS
from territoire.sensors.models import Device


def _scoped(queryset: QuerySet, principal: Principal, roles, field: str) -> QuerySet:
    ids = commune_ids_with_role(principal, roles, module=MODULE)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def rules(principal: Principal) -> QuerySet[Rule]:
    return _scoped(Rule.objects.select_related("commune"), principal, READERS, "commune_id")


def rule(principal: Principal, pk: int) -> Rule:
    found = rules(principal).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def actions_of_rule(rule: Rule, limit: int = 50) -> list[RuleAction]:
    return list(rule.actions.select_related("device")[:limit])


def device_automations(principal: Principal, device: Device, limit: int = 20):
    """The rules commanding ``device`` and their last actions on it (for the device page)."""
    device_rules = _scoped(Rule.objects.filter(devices=device), principal, READERS, "commune_id")
    actions = _scoped(
        RuleAction.objects.filter(device=device).select_related("rule"),
        principal,
        READERS,
        "rule__commune_id",
    )
    return list(device_rules), list(actions[:limit])


def communes_managed(principal: Principal) -> QuerySet[Commune]:
    ids = commune_ids_with_role(principal, WRITERS, module=MODULE)
    communes = Commune.objects.order_by("name")
    return communes if ids is None else communes.filter(pk__in=ids)


def actions(principal: Principal) -> QuerySet[RuleAction]:
    return _scoped(
        RuleAction.objects.select_related("rule", "device"),
        principal,
        READERS,
        "rule__commune_id",
    )


def bookings(principal: Principal) -> QuerySet[Booking]:
    return _scoped(
        Booking.objects.select_related("device", "commune"), principal, READERS, "commune_id"
    )


def booking(principal: Principal, pk: int) -> Booking:
    found = bookings(principal).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def door_models() -> list[str]:
    return [model for model, codec in CODECS.items() if "open_door" in codec.commands]


def doors_managed(principal: Principal) -> QuerySet[Device]:
    """Devices of the principal's managed communes that can open a door."""
    return (
        Device.objects.filter(commune__in=communes_managed(principal), model__in=door_models())
        .select_related("commune")
        .order_by("commune__name", "name")
    )


def device_bookings(principal: Principal, device: Device, limit: int = 10) -> list[Booking]:
    """Upcoming and current slots of a door (for the device page)."""
    from django.utils import timezone

    return list(
        bookings(principal).filter(
            device=device, cancelled_at__isnull=True, ends_at__gt=timezone.now()
        )[:limit]
    )
