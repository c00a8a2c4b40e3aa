"""Reads of the sensor hub, always scoped to what the principal may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from territoire.core.models import Commune, Role
from territoire.core.permissions import Principal, commune_ids_with_role
from territoire.sensors.models import (
    CommuneDay,
    Device,
    Downlink,
    Integration,
    RawUplink,
    Rollup,
    Series,
    UplinkState,
)
from territoire.sensors.permissions import MODULE, READERS, WRITERS


def _commune_ids(principal: Principal, roles) -> set[int] | None:
    return commune_ids_with_role(principal, roles, module=MODULE)


def _scoped(queryset: QuerySet, principal: Principal, roles, field: str = "commune_id"):
    ids = _commune_ids(principal, roles)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def devices(
    principal: Principal,
    *,
    search: str = "",
    commune_id: int | None = None,
    model: str = "",
    status: str = "",
) -> QuerySet[Device]:
    """Registered devices the principal may see, searched by name, place or the start of the
    DevEUI (typed with or without ":" or "-" separators)."""
    queryset = _scoped(Device.objects.select_related("commune"), principal, READERS)
    if commune_id:
        queryset = queryset.filter(commune_id=commune_id)
    if model:
        queryset = queryset.filter(model=model)
    if status:
        queryset = queryset.filter(status=status)
    if search:
        term = search.strip()
        eui = term.lower().replace(":", "").replace("-", "").replace(" ", "")
        queryset = queryset.filter(
            Q(name__icontains=term) | Q(dev_eui__startswith=eui) | Q(place__icontains=term)
        )
    return queryset.order_by("name", "pk")


def device(principal: Principal, *, dev_eui: str) -> Device:
    """One visible device; DoesNotExist otherwise (a 404 whatever the reason)."""
    return devices(principal).get(dev_eui=dev_eui.lower())


def quarantine(principal: Principal, *, commune_id: int | None = None) -> QuerySet[RawUplink]:
    """Quarantined messages of the principal's communes (by device, or by the integration
    for messages without a known device)."""
    queryset = RawUplink.objects.select_related("device", "integration").filter(
        state=UplinkState.QUARANTINED
    )
    ids = _commune_ids(principal, WRITERS)
    if ids is not None:
        queryset = queryset.filter(
            Q(device__commune_id__in=ids) | Q(device__isnull=True, integration__commune_id__in=ids)
        )
    if commune_id:
        queryset = queryset.filter(
            Q(device__commune_id=commune_id)
            | Q(device__isnull=True, integration__commune_id=commune_id)
        )
    return queryset.order_by("-received_at", "-pk")


@dataclass(frozen=True)
class UnknownDevice:
    dev_eui: str
    uplinks: int
    last_at: datetime


def unregistered(principal: Principal) -> list[UnknownDevice]:
    """Devices that sent messages but are not registered, for the "to register" list. A
    territory-wide integration's unknowns are the CUA's; a commune integration's, the
    commune's."""
    queryset = RawUplink.objects.filter(state=UplinkState.UNREGISTERED)
    ids = _commune_ids(principal, WRITERS)
    if ids is not None:
        queryset = queryset.filter(integration__commune_id__in=ids)
    rows = (
        queryset.values("dev_eui")
        .annotate(uplinks=Count("pk"), last_at=Max("received_at"))
        .order_by("-last_at")
    )
    return [UnknownDevice(r["dev_eui"], r["uplinks"], r["last_at"]) for r in rows]


def series_of(device: Device) -> QuerySet[Series]:
    return device.series.order_by("label")


def rollups(
    series: Series, *, period: str, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Rollup]:
    queryset = Rollup.objects.filter(series=series, period=period)
    if since:
        queryset = queryset.filter(start__gte=since)
    if until:
        queryset = queryset.filter(start__lt=until)
    return queryset.order_by("start")


@dataclass(frozen=True)
class DailyTotal:
    day: datetime  # start of the local day, in UTC
    total: float  # sum over the commune's devices (counters: sum of increases)
    count: int  # readings that went into it


def commune_daily_totals(
    principal: Principal,
    *,
    commune: Commune,
    quantity: str,
    since: datetime,
    until: datetime,
) -> list[DailyTotal]:
    """Per local day, the total of one quantity over every device of a commune (e.g. the
    commune's water consumption). One row per day, maintained at ingestion: the cost follows
    the days asked for, not the number of devices nor the length of the history."""
    visible = _commune_ids(principal, READERS)
    if visible is not None and commune.pk not in visible:
        return []
    rows = CommuneDay.objects.filter(
        commune=commune, quantity=quantity, start__gte=since, start__lt=until
    ).order_by("start")
    return [DailyTotal(r.start, r.total, r.count) for r in rows]


def downlinks_of(device: Device) -> QuerySet[Downlink]:
    return device.downlinks.order_by("-created_at")


# --- reads for the agents' pages (territoire/sensors/views.py) -----------------------------
# Imports kept with the functions appended here; move them to the top when convenient.

INTEGRATION_MANAGERS = {Role.COMMUNE_ADMIN}


def _communes_with(principal: Principal, roles, *, module: str | None) -> QuerySet[Commune]:
    ids = commune_ids_with_role(principal, roles, module=module)
    communes = Commune.objects.order_by("name")
    return communes if ids is None else communes.filter(pk__in=ids)


def communes_visible(principal: Principal) -> QuerySet[Commune]:
    """Communes whose devices the principal may see (the choices of the list's filter)."""
    return _communes_with(principal, READERS, module=MODULE)


def communes_managed(principal: Principal) -> QuerySet[Commune]:
    """Communes where the principal may register devices and replay the quarantine."""
    return _communes_with(principal, WRITERS, module=MODULE)


def quarantined(principal: Principal, *, ids: list[int]) -> list[RawUplink]:
    """The quarantined messages among ``ids`` that the principal may replay, with the
    commune each belongs to (its device's, or its integration's when the device is unknown)."""
    return list(
        quarantine(principal)
        .filter(pk__in=ids)
        .select_related("device__commune", "integration__commune")
    )


def integration_communes(principal: Principal) -> QuerySet[Commune]:
    """Communes whose network-server integrations the principal may configure (every
    commune for a CUA administrator, who may also configure territory-wide ones)."""
    return _communes_with(principal, INTEGRATION_MANAGERS, module=None)


def integrations(principal: Principal) -> QuerySet[Integration]:
    """Integrations the principal may manage: those of the communes it administers; every
    one, territory-wide ones included, for a CUA administrator."""
    queryset = Integration.objects.select_related("commune").order_by("name", "pk")
    ids = commune_ids_with_role(principal, INTEGRATION_MANAGERS)
    return queryset if ids is None else queryset.filter(commune_id__in=ids)
