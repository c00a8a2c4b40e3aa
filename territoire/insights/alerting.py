"""Rules evaluated on the readings the hub has just stored (the ``on_readings_stored``
seam, after commit, in the ingesting process: an alert exists as soon as the uplink is
stored), plus the periodic silent-device sweep.

Cost per batch: one query for the active rules, one for the series of the communes that have
some, then only what a matching rule needs (a water meter's last 25 hourly rollups, a car
park's spaces)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
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
    # Rules first (a short table): the series of a batch are only loaded for the communes
    # that have an active rule, so a commune without rules costs the hub one small query.
    rules: dict[int, list[AlertRule]] = defaultdict(list)
    for rule in AlertRule.objects.filter(is_active=True):
        rules[rule.commune_id].append(rule)
    if not rules:
        return
    series = Series.objects.filter(pk__in=by_series, device__commune_id__in=rules).select_related(
        "device"
    )
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
    # Noise: not here (a day's Lden is known once the noise day has ended); see
    # check_noise_days, a periodic task.
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
    q3 = device_q3_lph(device) or (rule.params or {}).get("q3_lph")
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


Q3_TAG = "q3-"


def device_q3_lph(device: Device) -> float | None:
    """The meter's own rated flow Q3 in L/h, from a tag "q3-<L/h>" (e.g. "q3-2500" for a
    DN20 meter at Q3 = 2.5 m³/h), given at registration like the other tags (the CSV
    column "etiquettes"). Meters of one rule differ (DN15 to DN40): the rule's q3_lph is
    only the fallback for meters without the tag. A malformed tag is ignored."""
    for tag in device.tags or []:
        if isinstance(tag, str) and tag.lower().startswith(Q3_TAG):
            try:
                value = float(tag[len(Q3_TAG) :].replace(",", "."))
            except ValueError:
                continue
            if value > 0:
                return value
    return None


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


def last_noise_day(now: datetime) -> tuple[date, datetime]:
    """The last complete noise day at ``now`` (06:00 → 06:00 local) and the instant it
    ended: before 06:00 local, the day before yesterday's."""
    local = now.astimezone(PARIS)
    ended = local.replace(hour=6, minute=0, second=0, microsecond=0)
    if local < ended:
        ended -= timedelta(days=1)
    ended = datetime.combine(ended.date(), time(6), PARIS)  # a fresh wall time (DST-safe)
    return ended.date() - timedelta(days=1), ended


def check_noise_days(now: datetime | None = None) -> int:
    """Each active noise rule against the noise day that ended at the last 06:00 local.
    Runs every hour (a Huey periodic task) and is idempotent: a sensor already judged for
    that day (an alert whose last sighting is that day's end, whatever its state) is
    skipped, so the check acts once a day, catches up after a stopped worker, and a closed
    alert is not reopened for the same night. Returns how many alerts were opened."""
    from territoire.insights.dashboards import noise_day as noise_rows

    day, ended = last_noise_day(now or timezone.now())
    opened = 0
    for rule in AlertRule.objects.filter(kind=RuleKind.NOISE, is_active=True):
        limits = noise.LIMITS["road"] | {
            k: float(v) for k, v in (rule.params or {}).items() if k in ("lden", "lnight")
        }
        judged = set(
            rule.alerts.filter(last_seen_at__gte=ended).values_list("subject_key", flat=True)
        )
        _, rows = noise_rows({rule.commune_id}, day)
        over_by_device = {}
        for row in rows:
            if row.dev_eui in judged:
                continue
            result = row.result
            over = [
                f"{name.capitalize()} {value:.1f} dB(A) > {limits[name]:g}"
                for name, value in (("lden", result.lden), ("lnight", result.lnight))
                if value is not None and value > limits[name]
            ]
            if over:
                over_by_device[row.dev_eui] = (result, over)
        devices = {d.dev_eui: d for d in Device.objects.filter(dev_eui__in=over_by_device)}
        for dev_eui, (result, over) in over_by_device.items():
            device = devices[dev_eui]
            _, new = alert_raise(
                rule=rule,
                subject_key=dev_eui,
                subject=device.name,
                device=device,
                title="Bruit au-dessus de la valeur limite",
                detail=f"Nuit du {day:%d/%m/%Y} : " + "; ".join(over) + ".",
                value=result.lden,
                at=ended,
            )
            opened += new
    return opened


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
