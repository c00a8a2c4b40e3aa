"""Reads of the insights module, always scoped to the communes the principal may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, QuerySet

from territoire.core.models import Commune, User
from territoire.core.permissions import Principal, commune_ids_with_role
from territoire.insights.models import (
    Alert,
    AlertRule,
    AlertState,
    Building,
    Notification,
    Subscription,
)
from territoire.insights.permissions import HANDLERS, MODULE, visible_commune_ids
from territoire.sensors.models import Device, Series


def _scoped(queryset: QuerySet, principal: Principal, field: str = "commune_id") -> QuerySet:
    ids = visible_commune_ids(principal)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def communes(principal: Principal) -> QuerySet[Commune]:
    """Communes whose indicators the principal may read."""
    return _scoped(Commune.objects.order_by("name"), principal, "pk")


def commune_ids(principal: Principal, commune: Commune | None = None) -> set[int] | None:
    """The scope of a dashboard: one commune (when visible) or every visible one (None =
    all communes, for a CUA administrator)."""
    visible = visible_commune_ids(principal)
    if commune is not None:
        if visible is not None and commune.pk not in visible:
            return set()
        return {commune.pk}
    return visible


def located_devices(principal: Principal, commune: Commune | None = None) -> QuerySet[Device]:
    """Devices with a position, in the dashboard's scope (for the map)."""
    devices = Device.objects.filter(latitude__isnull=False, longitude__isnull=False)
    scope = commune_ids(principal, commune)
    return devices if scope is None else devices.filter(commune_id__in=scope)


def newest_reading_at(principal: Principal) -> datetime | None:
    """When the newest reading in the principal's scope was taken (for the live feed)."""
    series = Series.objects.all()
    scope = commune_ids(principal)
    if scope is not None:
        series = series.filter(device__commune_id__in=scope)
    return series.aggregate(newest=Max("last_at"))["newest"]


def alerts(
    principal: Principal, *, state: str = "", commune_id: int | None = None, kind: str = ""
) -> QuerySet[Alert]:
    queryset = _scoped(Alert.objects.select_related("commune", "rule", "assignee"), principal)
    if state == "active":
        queryset = queryset.exclude(state=AlertState.CLOSED)
    elif state:
        queryset = queryset.filter(state=state)
    if commune_id:
        queryset = queryset.filter(commune_id=commune_id)
    if kind:
        queryset = queryset.filter(rule__kind=kind)
    return queryset.order_by("-opened_at", "-pk")


def alert(principal: Principal, *, pk: int) -> Alert:
    """One visible alert; DoesNotExist otherwise."""
    return alerts(principal).get(pk=pk)


def alerts_after(principal: Principal, *, after_id: int, limit: int = 20) -> list[Alert]:
    """Alerts opened after ``after_id`` (the live feed)."""
    return list(alerts(principal).filter(pk__gt=after_id).order_by("-pk")[:limit])


def assignable(alert: Alert) -> QuerySet[User]:
    """People who handle the alerts of the alert's commune (for "assign to")."""
    from django.db.models import Q

    from territoire.core.models import Role

    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__role=Role.CUA_ADMIN)
            | Q(
                memberships__role__in=HANDLERS,
                memberships__commune_id=alert.commune_id,
                memberships__module__in=("", MODULE),
            )
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def rules(principal: Principal, *, commune_id: int | None = None) -> QuerySet[AlertRule]:
    queryset = _scoped(AlertRule.objects.select_related("commune"), principal)
    if commune_id:
        queryset = queryset.filter(commune_id=commune_id)
    return queryset


def subscribed_commune_ids(user: User) -> set[int]:
    return set(Subscription.objects.filter(user=user).values_list("commune_id", flat=True))


def unread_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True).select_related("alert")


def buildings(principal: Principal, *, commune_id: int | None = None) -> QuerySet[Building]:
    queryset = _scoped(Building.objects.select_related("commune"), principal)
    if commune_id:
        queryset = queryset.filter(commune_id=commune_id)
    return queryset.order_by("commune__name", "name")


def building(principal: Principal, *, pk: int) -> Building:
    return buildings(principal).get(pk=pk)


def handles_somewhere(principal: Principal) -> bool:
    ids = commune_ids_with_role(principal, HANDLERS, module=MODULE)
    return ids is None or bool(ids)
