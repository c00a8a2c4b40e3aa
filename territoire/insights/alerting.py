"""Rules evaluated on the readings the hub has just stored (the ``on_readings_stored``
seam, after commit, in the ingesting process: an alert exists as soon as the uplink is
stored), plus the periodic silent-device sweep.

Cost per batch: one query for the series, one for the rules, then only what a matching
rule needs (a water meter's last 25 hourly rollups, a car park's spaces)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from territoire.insights.indicators import noise, parking, water
from territoire.insights.models import AlertRule, RuleKind
from territoire.insights.services import alert_raise
from territoire.sensors.listeners import StoredReading
from territoire.sensors.models import Device, Reading, Rollup, Series

log = logging.getLogger("territoire.insights.alerting")
PARIS = ZoneInfo("Europe/Paris")

LEAK_FLAGS = {"fuite", "alarme_debit"}
SOUND = "laeq"
OCCUPIED = "occupation"
DEFAULT_BATTERY = 20.0


def water_litres_per_unit(series: Series) -> float | None:
    """Litres per unit of a water series: ``eau`` is in m³; a pulse counter of a device
    tagged "eau" counts litres (the demo's and the usual 1 L/pulse setting)."""
    if series.quantity == "eau":
        return 1000.0
    if series.quantity == "impulsions" and "eau" in (series.device.tags or []):
        return 1.0
    return None


def readings_stored(readings: Sequence[StoredReading]) -> None:
    """The listener registered in InsightsConfig.ready()."""
    by_series: dict[int, list[StoredReading]] = defaultdict(list)
    for reading in readings:
        by_series[reading.series_id].append(reading)
    series = list(Series.objects.filter(pk__in=by_series).select_related("device"))
    if not series:
        return
    communes = {s.device.commune_id for s in series}
    rules: dict[int, list[AlertRule]] = defaultdict(list)
    for rule in AlertRule.objects.filter(commune_id__in=communes, is_active=True):
        rules[rule.commune_id].append(rule)
    if not rules:
        return
    for s in series:
        for rule in rules.get(s.device.commune_id, ()):
            try:
                _evaluate(rule, s, by_series[s.pk])
            except Exception:  # one rule's failure must not hide the others
                log.exception("rule %s failed on series %s", rule.pk, s.pk)


def _evaluate(rule: AlertRule, series: Series, readings: list[StoredReading]) -> None:
    device = series.device
    last = max(readings, key=lambda r: r.at)
    p = rule.params or {}
    if rule.kind == RuleKind.THRESHOLD and series.quantity == p.get("quantity"):
        for reading in sorted(readings, key=lambda r: r.at):
            if _threshold(rule, series, reading):
                break
    elif rule.kind == RuleKind.LOW_BATTERY and series.quantity == "battery":
        limit = float(p.get("percent", DEFAULT_BATTERY))
        if last.value < limit:
            alert_raise(
                rule=rule,
                subject_key=device.dev_eui,
                subject=device.name,
                device=device,
                title=f"Batterie faible ({last.value:.0f} %)",
                value=last.value,
                severity="info",
                detail=f"Batterie à {last.value:.0f} %, sous le seuil de {limit:.0f} %.",
                at=last.at,
            )
    elif rule.kind == RuleKind.LEAK:
        # A batch (a backfill) may hold the detection and its release: any raised flag counts.
        raised = [r for r in readings if r.value >= 1] if series.quantity in LEAK_FLAGS else []
        if raised:
            alert_raise(
                rule=rule,
                subject_key=device.dev_eui,
                subject=device.name,
                device=device,
                title="Fuite d'eau signalée par le capteur",
                severity="critical",
                value=1,
                detail=f"{series.label} : alarme levée.",
                at=min(r.at for r in raised),
            )
        elif water_litres_per_unit(series) is not None:
            _water(rule, series, last.at)
    elif rule.kind == RuleKind.NOISE and series.quantity == SOUND:
        _noise(rule, series, last.at)
    elif rule.kind == RuleKind.OCCUPANCY and series.quantity == OCCUPIED:
        tag = p.get("tag", "")
        if tag and tag in (device.tags or []):
            _occupancy(rule, tag, last.at)


def _threshold(rule: AlertRule, series: Series, last: StoredReading) -> bool:
    p = rule.params
    above, below = p.get("above"), p.get("below")
    if series.kind == "counter" and last.delta is None:
        return False  # a counter's first reading says nothing about its flow
    value = last.delta if series.kind == "counter" and last.delta is not None else last.value
    crossed = (above is not None and value > float(above)) or (
        below is not None and value < float(below)
    )
    if crossed:
        limit = f"> {above}" if above is not None and value > float(above) else f"< {below}"
        alert_raise(
            rule=rule,
            subject_key=series.device.dev_eui,
            subject=series.device.name,
            device=series.device,
            title=f"{series.label} : {value:g} {series.unit} ({limit})",
            value=value,
            detail=f"Règle « {rule.name} » : {series.label} {limit} {series.unit}.",
            at=last.at,
        )
    return crossed


def hourly_litres(series: Series, *, since: datetime, until: datetime) -> list[water.HourVolume]:
    """Complete hours (local time) of a water series from its hourly rollups, zero-filled
    where the meter sent nothing (a counter's next delta covers the gap)."""
    factor = water_litres_per_unit(series) or 1.0
    totals = dict(
        Rollup.objects.filter(
            series=series, period="hour", start__gte=since, start__lt=until
        ).values_list("start", "total")
    )
    hours = []
    at = since
    while at < until:
        hours.append(water.HourVolume(at.astimezone(PARIS), (totals.get(at) or 0.0) * factor))
        at += timedelta(hours=1)
    return hours


def _water(rule: AlertRule, series: Series, at: datetime) -> None:
    device = series.device
    end = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)  # current hour open
    if device.installed_on and end - timedelta(hours=24) < datetime.combine(
        device.installed_on, datetime.min.time(), UTC
    ):
        return
    q3 = (rule.params or {}).get("q3_lph")
    if q3 and _burst(rule, series, at, float(q3)):
        return
    hours = hourly_litres(series, since=end - timedelta(hours=24), until=end)
    flow = water.continuous_flow(hours)
    night_limit = float((rule.params or {}).get("night_lph", water.DEFAULT_NIGHT_THRESHOLD_LPH))
    nights = [n for n in water.night_flows(hours, night_limit) if n.over]
    if flow and flow.leaking:
        alert_raise(
            rule=rule,
            subject_key=device.dev_eui,
            subject=device.name,
            device=device,
            title=f"Fuite probable : débit continu de {flow.rate_lph:.0f} L/h",
            detail=(
                f"Aucune heure sans consommation sur 24 h. Débit minimal {flow.rate_lph:.0f}"
                f" L/h, soit environ {flow.litres_per_day:.0f} L perdus par jour."
            ),
            value=flow.rate_lph,
            rate_lph=flow.rate_lph,
            severity="critical",
            at=at,
        )
    elif nights:
        n = nights[-1]
        alert_raise(
            rule=rule,
            subject_key=device.dev_eui,
            subject=device.name,
            device=device,
            title=f"Consommation nocturne : {n.minimum_lph:.0f} L/h entre 2 h et 5 h",
            detail=f"Débit minimal de nuit au-dessus de {night_limit:g} L/h.",
            value=n.minimum_lph,
            rate_lph=n.minimum_lph,
            severity="warning",
            at=at,
        )


def _burst(rule: AlertRule, series: Series, at: datetime, q3_lph: float) -> bool:
    """Flow above a share of the meter's rated flow Q3 for 30 minutes, from the raw readings
    of the last 45 minutes (the intervals between consecutive readings)."""
    factor = water_litres_per_unit(series) or 1.0
    recent = list(
        Reading.objects.filter(series=series, at__gt=at - timedelta(minutes=45), at__lte=at)
        .order_by("at")
        .values_list("at", "delta")
    )
    intervals = [
        water.Interval(a_at, b_at, (b_delta or 0.0) * factor)
        for (a_at, _), (b_at, b_delta) in zip(recent, recent[1:], strict=False)
    ]
    share = float((rule.params or {}).get("burst_share", water.DEFAULT_BURST_SHARE))
    since = water.burst(intervals, q3_lph, share=share)
    if since is None:
        return False
    device = series.device
    flow = max(i.lph for i in intervals)
    alert_raise(
        rule=rule,
        subject_key=device.dev_eui,
        subject=device.name,
        device=device,
        title=f"Rupture probable : {flow:.0f} L/h depuis 30 minutes",
        detail=f"Débit au-dessus de {share:.0%} du débit nominal ({q3_lph:g} L/h) pendant 30 min.",
        value=flow,
        rate_lph=flow,
        severity="critical",
        at=at,
    )
    return True


def noise_day(series: Series, day_start_local: datetime) -> noise.Den:
    """Lden of the noise day that starts at 06:00 local on ``day_start_local``'s date
    (06:00 → 06:00: one contiguous night) from hourly rollups' energy."""
    start = day_start_local.replace(hour=6, minute=0, second=0, microsecond=0)
    rows = Rollup.objects.filter(
        series=series,
        period="hour",
        start__gte=start.astimezone(UTC),
        start__lt=(start + timedelta(days=1)).astimezone(UTC),
    ).values_list("start", "energy", "count")
    hourly = {}
    for at, energy, count in rows:
        level = noise.laeq_from_energy(energy, count)
        if level is not None:
            hourly[at.astimezone(PARIS).hour] = level
    return noise.den(hourly)


def _noise(rule: AlertRule, series: Series, at: datetime) -> None:
    local = at.astimezone(PARIS)
    if local.hour != 6:  # the previous noise day has just ended; once per day is enough
        return
    result = noise_day(series, local - timedelta(days=1))
    limits = noise.LIMITS["road"] | {k: float(v) for k, v in (rule.params or {}).items()}
    over = [
        f"{name.capitalize()} {value:.1f} dB(A) > {limits[name]:g}"
        for name, value in (("lden", result.lden), ("lnight", result.lnight))
        if value is not None and value > limits[name]
    ]
    if over:
        device = series.device
        alert_raise(
            rule=rule,
            subject_key=device.dev_eui,
            subject=device.name,
            device=device,
            title="Bruit au-dessus de la valeur limite",
            detail="; ".join(over) + ".",
            value=result.lden,
            at=at,
        )


def car_park_occupancy(tag: str, commune_id: int) -> tuple[float | None, int]:
    """Current occupancy of the spaces tagged ``tag``: the last state of each space (tags
    are a JSON list; filtered here so that SQLite and PostgreSQL agree)."""
    rows = Series.objects.filter(quantity=OCCUPIED, device__commune_id=commune_id).values_list(
        "last_value", "device__tags"
    )
    states = [value for value, tags in rows if tag in (tags or [])]
    occupied = sum(1 for v in states if v is not None and v >= 1)
    return parking.occupancy(occupied, len(states)), len(states)


def _occupancy(rule: AlertRule, tag: str, at: datetime) -> None:
    rate, spaces = car_park_occupancy(tag, rule.commune_id)
    limit = float((rule.params or {}).get("rate", parking.TARGET))
    if rate is not None and rate > limit:
        alert_raise(
            rule=rule,
            subject_key=f"parking:{tag}",
            subject=rule.params.get("label", tag),
            title=f"Stationnement saturé : {rate * 100:.0f} % des {spaces} places occupées",
            detail=f"Occupation au-dessus de {limit * 100:.0f} %.",
            value=rate,
            at=at,
        )


def check_silent_devices(now: datetime | None = None) -> int:
    """Open a "silent device" alert for each device quiet for more than ``factor`` (3 by
    default) times its reporting interval. Returns how many alerts were opened."""
    now = now or timezone.now()
    opened = 0
    for rule in AlertRule.objects.filter(kind=RuleKind.SILENT, is_active=True):
        factor = float((rule.params or {}).get("factor", 3))
        for device in Device.objects.filter(
            commune_id=rule.commune_id, status="active", last_seen_at__isnull=False
        ):
            if device.last_seen_at is None:
                continue
            silence = now - device.last_seen_at
            if silence > timedelta(seconds=factor * device.reporting_interval_s):
                hours = silence.total_seconds() / 3600
                _, new = alert_raise(
                    rule=rule,
                    subject_key=device.dev_eui,
                    subject=device.name,
                    device=device,
                    title=f"Capteur muet depuis {hours:.1f} h",
                    value=hours,
                    severity="info",
                    detail=f"Aucun message depuis le {device.last_seen_at:%d/%m/%Y %H:%M} UTC.",
                    at=now,
                )
                opened += new
    return opened
