"""Figures of the dashboards, per domain, read from the hub's rollups (never from raw
readings): each costs a bounded number of queries whatever the length of the history.

Every function takes the commune scope computed by ``selectors.commune_ids`` (None = every
commune) and returns plain data that the pages, the CSV downloads and the open data share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum

from territoire.insights.indicators import air, mobility, noise, parking
from territoire.insights.models import Building
from territoire.sensors.models import Rollup, Series

PARIS = ZoneInfo("Europe/Paris")
Scope = set[int] | None

DOMAINS = {
    "eau": "Eau",
    "energie": "Énergie",
    "bruit": "Bruit",
    "air": "Qualité de l'air",
    "mobilite": "Mobilités douces",
    "stationnement": "Stationnement",
}

WATER = {"eau": 1.0, "impulsions": 0.001}  # to m³ (pulses: 1 L, on devices tagged "eau")
ENERGY = {"energie": 0.001}  # Wh to kWh
PASSAGES = ("passages_entree", "passages_sortie")
PM = ("pm2_5", "pm10")


@dataclass
class Chart:
    """A chart and its table: (label, value) rows, with what they measure."""

    title: str
    unit: str
    rows: list[tuple[str, float | None]] = field(default_factory=list)
    kind: str = "bar"
    column: str = "Jour"

    def data(self) -> dict[str, Any]:
        return {
            "labels": [label for label, _ in self.rows],
            "values": [None if v is None else round(v, 2) for _, v in self.rows],
            "label": self.title,
            "unit": self.unit,
            "type": self.kind,
        }

    def csv_rows(self) -> Iterable[list[object]]:
        yield [self.column, f"{self.title} ({self.unit})"]
        for label, value in self.rows:
            yield [label, "" if value is None else round(value, 3)]


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time(), PARIS).astimezone(UTC)


CACHE_SECONDS = 2 * 3600  # refreshed every hour by tasks.warm_dashboards, kept two hours


def cached(
    name: str, parts: Iterable[object] | None, compute: Callable[[], Any], refresh: bool = False
) -> Any:
    """Figures over complete past days (a year of counts, a building's last year) change
    once a day: computed once per day and scope, then read from the shared cache (ADR
    0007). The Huey worker recomputes them every hour (``refresh``: late readings count
    within the hour) so that a page rarely pays for them."""
    scope = "all" if parts is None else ",".join(map(str, sorted(parts)))  # type: ignore[type-var]
    key = f"insights:{name}:{today().isoformat()}:{scope}"
    value = None if refresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def raw_rows(queryset) -> list[tuple]:
    """The rows of a values_list() without Django's per-value converters (a datetime parsed
    per row is most of the cost of thousands of rollups); see ``as_utc``."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_utc(value: object) -> datetime:
    """A datetime column as read raw: text on SQLite (UTC), an aware datetime on PostgreSQL."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def today() -> date:
    return datetime.now(PARIS).date()


_memo: ContextVar[dict | None] = ContextVar("insights_series_memo", default=None)
DASHBOARD_QUANTITIES = (*WATER, *ENERGY, *PASSAGES, *PM, "laeq", "occupation")


@contextmanager
def memo() -> Iterator[None]:
    """Within the block, the series of a scope are read once (a dashboard page reads several
    domains: one query instead of one per domain)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _query_series(scope: Scope, quantities: Iterable[str]) -> list[Any]:
    queryset = Series.objects.filter(quantity__in=list(quantities))
    if scope is not None:
        queryset = queryset.filter(device__commune_id__in=scope)
    return list(
        queryset.values(
            "pk",
            "quantity",
            "unit",
            "last_value",
            "last_at",
            "device_id",
            "device__name",
            "device__dev_eui",
            "device__tags",
            "device__commune__name",
            "device__latitude",
            "device__longitude",
        ).order_by("device__name", "pk")
    )


def _series(scope: Scope, quantities: Iterable[str], tag: str | None = None) -> list[Any]:
    """Series of those quantities in the scope, with their device; ``tag`` keeps the
    devices carrying it (JSON tags, filtered here for SQLite and PostgreSQL)."""
    wanted = set(quantities)
    cache = _memo.get()
    if cache is None or not wanted <= set(DASHBOARD_QUANTITIES):
        rows = _query_series(scope, wanted)
    else:
        key = None if scope is None else frozenset(scope)
        if key not in cache:
            cache[key] = _query_series(scope, DASHBOARD_QUANTITIES)
        rows = [r for r in cache[key] if r["quantity"] in wanted]
    if tag:
        rows = [r for r in rows if tag in (r["device__tags"] or [])]
    return rows


def water_series(scope: Scope) -> list[dict]:
    return [
        r
        for r in _series(scope, WATER)
        if r["quantity"] == "eau" or "eau" in (r["device__tags"] or [])
    ]


def _daily(series: list[dict], factors: dict[str, float], since: date, until: date) -> dict:
    """{local day: Σ total × factor} over the series (counters: sum of deltas). The sum is
    done by the database, one query per distinct factor: the rows returned are days, not
    days × series, whatever the size of the fleet."""
    by_factor: dict[float, list[int]] = defaultdict(list)
    for r in series:
        by_factor[factors.get(r["quantity"], 1.0)].append(r["pk"])
    totals: dict[date, float] = defaultdict(float)
    for factor, ids in by_factor.items():
        rows = (
            Rollup.objects.filter(
                series_id__in=ids,
                period="day",
                start__gte=local_day_start(since),
                start__lt=local_day_start(until),
            )
            .values("start")
            .annotate(total=Sum("total"))
            .values_list("start", "total")
        )
        for start, total in rows:
            totals[start.astimezone(PARIS).date()] += total * factor
    return totals


def daily_chart(
    title: str, unit: str, series: list[dict], factors: dict[str, float], days: int = 30
) -> Chart:
    end = today() + timedelta(days=1)
    since = end - timedelta(days=days)
    totals = _daily(series, factors, since, end)
    chart = Chart(title, unit)
    for i in range(days):
        day = since + timedelta(days=i)
        chart.rows.append((day.strftime("%d/%m/%Y"), totals.get(day, 0.0) if series else None))
    return chart


def water(scope: Scope, days: int = 30) -> Chart:
    return daily_chart("Consommation d'eau par jour", "m³", water_series(scope), WATER, days)


def energy(scope: Scope, days: int = 30) -> Chart:
    return daily_chart(
        "Consommation d'électricité par jour", "kWh", _series(scope, ENERGY), ENERGY, days
    )


def passages(scope: Scope, days: int = 30) -> Chart:
    return daily_chart(
        "Passages de vélos et de piétons par jour",
        "passages",
        _series(scope, PASSAGES),
        {},
        days,
    )


# --- noise ---------------------------------------------------------------------------------


@dataclass
class NoiseRow:
    name: str
    commune: str
    dev_eui: str
    result: noise.Den
    hours_above_65: int

    @property
    def flags(self) -> dict[str, bool]:
        return noise.exceedances(self.result)


def noise_day(scope: Scope, day: date | None = None) -> tuple[date, list[NoiseRow]]:
    """Lday/Levening/Lnight/Lden of each sound sensor for the noise day (06:00 → 06:00
    local) that ended this morning, from hourly rollups' energy (one query)."""
    day = day or today() - timedelta(days=1)
    series = _series(scope, ["laeq"])
    start = datetime.combine(day, time(6), PARIS)
    hourly: dict[int, dict[int, float]] = defaultdict(dict)
    if series:
        queryset = Rollup.objects.filter(
            series_id__in=[r["pk"] for r in series],
            period="hour",
            start__gte=start.astimezone(UTC),
            start__lt=(start + timedelta(days=1)).astimezone(UTC),
        ).values_list("series_id", "start", "energy", "count")
        hour_of: dict[object, int] = {}  # 24 distinct starts: convert each once, not per row
        for series_id, at, en, count in raw_rows(queryset):
            hour = hour_of.get(at)
            if hour is None:
                hour = hour_of[at] = as_utc(at).astimezone(PARIS).hour
            level = noise.laeq_from_energy(en, count)
            if level is not None:
                hourly[series_id][hour] = level
    out = [
        NoiseRow(
            r["device__name"],
            r["device__commune__name"],
            r["device__dev_eui"],
            noise.den(hourly[r["pk"]]),
            noise.hours_above(hourly[r["pk"]], 65),
        )
        for r in series
    ]
    return day, out


# --- air -----------------------------------------------------------------------------------


@dataclass
class AirRow:
    name: str
    commune: str
    daily: dict[str, float | None]
    index: air.AtmoIndex | None


def air_day(scope: Scope, day: date | None = None) -> tuple[date, list[AirRow]]:
    """Indicative index of each particle sensor for a local day (daily means)."""
    day = day or today()
    series = _series(scope, PM)
    values: dict[int, float] = {}
    if series:
        rows = Rollup.objects.filter(
            series_id__in=[r["pk"] for r in series], period="day", start=local_day_start(day)
        ).values_list("series_id", "total", "count")
        values = {sid: total / count for sid, total, count in rows if count}
    by_device: dict[int, dict] = {}
    for r in series:
        entry = by_device.setdefault(
            r["device_id"], {"name": r["device__name"], "commune": r["device__commune__name"]}
        )
        entry[r["quantity"]] = values.get(r["pk"])
    out = []
    for entry in by_device.values():
        daily = {p: entry.get(p) for p in PM}
        out.append(AirRow(entry["name"], entry["commune"], daily, air.atmo_index(daily)))
    return day, out


# --- mobility ------------------------------------------------------------------------------


@dataclass
class MobilitySummary:
    profile: dict[str, float | None]
    growth: mobility.YearOverYear
    growth_label: str


def _two_period_totals(
    ids: list[int], mid: date, end: date, span: int
) -> tuple[dict[int, tuple[float, int]], dict[int, tuple[float, int]]]:
    """Per series, (total, days with data) over [mid − span, mid) and [mid, end): one scan
    of both periods with conditional sums (the cold path of the first view of the day)."""
    split = local_day_start(mid)
    rows = (
        Rollup.objects.filter(
            series_id__in=ids,
            period="day",
            start__gte=local_day_start(mid - timedelta(days=span)),
            start__lt=local_day_start(end),
        )
        .values("series_id")
        .annotate(
            before_total=Sum("total", filter=Q(start__lt=split)),
            before_days=Count("pk", filter=Q(start__lt=split)),
            now_total=Sum("total", filter=Q(start__gte=split)),
            now_days=Count("pk", filter=Q(start__gte=split)),
        )
        .values_list("series_id", "before_total", "before_days", "now_total", "now_days")
    )
    before: dict[int, tuple[float, int]] = {}
    now: dict[int, tuple[float, int]] = {}
    for sid, b_total, b_days, n_total, n_days in rows:
        if b_days:
            before[sid] = (b_total or 0.0, b_days)
        if n_days:
            now[sid] = (n_total or 0.0, n_days)
    return before, now


def mobility_summary(scope: Scope, refresh: bool = False) -> MobilitySummary:
    return cached("mobility", scope, lambda: _mobility_summary(scope), refresh)


def _mobility_summary(scope: Scope) -> MobilitySummary:
    """Profile by day type over the last 365 days, and the change on the same counters:
    year over year when a year of data exists, else the last 28 days against the 28
    before (said so in the label)."""
    series = _series(scope, PASSAGES)
    ids = [r["pk"] for r in series]
    end = today()
    daily = _daily(series, {}, end - timedelta(days=365), end)
    prof = mobility.profile(daily)
    span = 365 if daily and min(daily) <= end - timedelta(days=364) else 28
    label = "sur un an" if span == 365 else "sur les 28 derniers jours"
    # A counter counts in a period only if it reported on at least 90 % of its days.
    before, now = _two_period_totals(ids, end - timedelta(days=span), end, span)
    full = 0.9 * span
    growth = mobility.year_over_year(
        {str(k): v for k, (v, d) in before.items() if d >= full},
        {str(k): v for k, (v, d) in now.items() if d >= full},
    )
    return MobilitySummary(prof, growth, label)


# --- parking -------------------------------------------------------------------------------


@dataclass
class CarPark:
    tag: str
    name: str
    commune: str
    spaces: int
    occupied: int
    latitude: float | None
    longitude: float | None

    @property
    def rate(self) -> float | None:
        return parking.occupancy(self.occupied, self.spaces)

    @property
    def band(self) -> str | None:
        return parking.band(self.rate)

    @property
    def band_label(self) -> str:
        return parking.BAND_LABELS.get(self.band or "", "inconnu")


def car_parks(scope: Scope) -> list[CarPark]:
    """Car parks = the "parking-…" tag shared by their spaces; current state of each."""
    parks: dict[str, CarPark] = {}
    for r in _series(scope, ["occupation"], tag="stationnement"):
        tag = next((t for t in r["device__tags"] if t.startswith("parking-")), "parking")
        park = parks.get(tag)
        if park is None:
            name = tag.removeprefix("parking-").replace("-", " ").title()
            lat, lon = r["device__latitude"], r["device__longitude"]
            park = parks[tag] = CarPark(
                tag,
                f"Parking {name}",
                r["device__commune__name"],
                0,
                0,
                float(lat) if lat is not None else None,
                float(lon) if lon is not None else None,
            )
        park.spaces += 1
        park.occupied += 1 if (r["last_value"] or 0) >= 1 else 0
    return sorted(parks.values(), key=lambda p: p.name)


def occupancy_hours(scope: Scope, tag: str, hours: int = 24) -> Chart:
    """Mean occupancy of a car park per hour (share of the spaces' readings saying
    "occupied" in the hour) over the last ``hours``."""
    series = [
        r for r in _series(scope, ["occupation"], tag="stationnement") if tag in r["device__tags"]
    ]
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    since = end - timedelta(hours=hours)
    sums: dict[datetime, list[float]] = defaultdict(list)
    if series:
        for _, start, total, count in Rollup.objects.filter(
            series_id__in=[r["pk"] for r in series],
            period="hour",
            start__gte=since,
            start__lt=end,
        ).values_list("series_id", "start", "total", "count"):
            sums[start].append(total / count if count else 0)
    chart = Chart("Taux d'occupation par heure", "%", kind="line", column="Heure")
    for i in range(hours):
        at = since + timedelta(hours=i)
        values = sums.get(at)
        rate = sum(values) / len(series) * 100 if values else None
        chart.rows.append((at.astimezone(PARIS).strftime("%d/%m %Hh"), rate))
    return chart


# --- buildings -----------------------------------------------------------------------------


def building_series(building, quantities: Iterable[str]) -> list[Any]:
    ids = list(building.devices.values_list("pk", flat=True))
    rows = list(
        Series.objects.filter(device_id__in=ids, quantity__in=list(quantities)).values(
            "pk", "quantity", "device__tags"
        )
    )
    if set(quantities) & set(WATER):
        rows = [r for r in rows if r["quantity"] == "eau" or "eau" in (r["device__tags"] or [])]
    return rows


def building_monthly(building, months: int = 12) -> list[dict]:
    """Energy (kWh) and water (m³) per month over the last ``months`` months, from daily
    rollups (so months are local calendar months)."""
    end = today() + timedelta(days=1)
    first = date(end.year, end.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    energy = _daily(building_series(building, ENERGY), ENERGY, first, end)
    water_ = _daily(building_series(building, WATER), WATER, first, end)
    out: dict[tuple[int, int], dict] = {}
    cursor = first
    while cursor < end:
        out[(cursor.year, cursor.month)] = {"month": cursor, "kwh": 0.0, "m3": 0.0}
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    for totals, key in ((energy, "kwh"), (water_, "m3")):
        for day, value in totals.items():
            if (day.year, day.month) in out:
                out[(day.year, day.month)][key] += value
    return list(out.values())


def building_daily(building, days: int = 30) -> tuple[Chart, Chart]:
    return (
        daily_chart("Électricité par jour", "kWh", building_series(building, ENERGY), ENERGY, days),
        daily_chart("Eau par jour", "m³", building_series(building, WATER), WATER, days),
    )


def building_comfort(building) -> list[dict]:
    """Yesterday's and today's mean/max of temperature and CO2 in the building's rooms."""
    ids = list(building.devices.values_list("pk", flat=True))
    series = list(
        Series.objects.filter(device_id__in=ids, quantity__in=["temperature", "co2"])
        .select_related("device")
        .order_by("device__name", "quantity")
    )
    start = local_day_start(today() - timedelta(days=1))
    rollups = defaultdict(list)
    for r in Rollup.objects.filter(series__in=series, period="day", start__gte=start):
        rollups[r.series_id].append(r)
    out = []
    for s in series:
        rs = rollups.get(s.pk, [])
        count = sum(r.count for r in rs)
        out.append(
            {
                "room": s.device.name,
                "label": s.label,
                "unit": s.unit,
                "mean": sum(r.total for r in rs) / count if count else None,
                "maximum": max((r.maximum for r in rs), default=None),
                "last": s.last_value,
            }
        )
    return out


FULL_YEAR_DAYS = 330  # days with data needed in the last 365 to compare with a reference year


def buildings_last_year(buildings: list, refresh: bool = False) -> dict[int, tuple[float, int]]:
    return cached(
        "buildings", [b.pk for b in buildings], lambda: _buildings_last_year(buildings), refresh
    )


def _buildings_last_year(buildings: list) -> dict[int, tuple[float, int]]:
    """For each building: electricity (kWh) over the last 365 days and how many of those days
    have data (a comparison with the décret tertiaire reference needs nearly a full year).
    Three queries whatever the number of buildings."""
    if not buildings:
        return {}
    links = Building.devices.through.objects.filter(
        building_id__in=[b.pk for b in buildings]
    ).values_list("building_id", "device_id")
    building_of: dict[int, list[int]] = defaultdict(list)
    for building_id, device_id in links:
        building_of[device_id].append(building_id)
    series = dict(
        Series.objects.filter(
            device_id__in=list(building_of), quantity__in=list(ENERGY)
        ).values_list("pk", "device_id")
    )
    end = today()
    rows = (
        Rollup.objects.filter(
            series_id__in=list(series),
            period="day",
            start__gte=local_day_start(end - timedelta(days=365)),
            start__lt=local_day_start(end),
        )
        .values("series_id")
        .annotate(total=Sum("total"), days=Count("pk"))
        .values_list("series_id", "total", "days")
    )
    out: dict[int, tuple[float, int]] = {b.pk: (0.0, 0) for b in buildings}
    for series_id, total, days in rows:
        for building_id in building_of[series[series_id]]:
            kwh, covered = out[building_id]
            out[building_id] = (kwh + total * ENERGY["energie"], max(covered, days))
    return out


def building_last_year(building) -> tuple[float, int]:
    return buildings_last_year([building])[building.pk]


def warm(scopes: Iterable[Scope]) -> int:
    """Recompute the day-long figures of the pages for these scopes (the whole territory,
    each commune): the mobility summary, the buildings' last year with their DJU. Returns
    how many entries were written."""
    from territoire.insights import climate

    written = 0
    for scope in scopes:
        mobility_summary(scope, refresh=True)
        with_reference = Building.objects.filter(reference_kwh__isnull=False)
        if scope is not None:
            with_reference = with_reference.filter(commune_id__in=scope)
        buildings = list(with_reference.order_by("commune__name", "name"))
        buildings_last_year(buildings, refresh=True)
        written += 2
        for commune_id in {b.commune_id for b in buildings}:
            climate.dju_last_year(commune_id, refresh=True)
            written += 1
    return written
