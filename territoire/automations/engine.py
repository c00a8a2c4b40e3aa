"""Evaluating rules: conditions on readings, the periodic schedule sweep, the readings
listener, and the dry run (what a rule would have done, nothing sent).

Conditions are evaluated in memory over the readings of their window (one query per
condition), so the dry run of N days costs one query per condition, not one per instant."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from territoire.automations.models import (
    Aggregate,
    Booking,
    Condition,
    Operator,
    Rule,
    Trigger,
)
from territoire.automations.sun import PARIS, fire_time
from territoire.sensors.codecs import get_codec
from territoire.sensors.downlinks import DOWNLINK_MIN_INTERVAL
from territoire.sensors.listeners import StoredReading
from territoire.sensors.models import Reading

log = logging.getLogger("territoire.automations.engine")

SCHEDULE_TRIGGERS = (Trigger.TIME, Trigger.SUNRISE, Trigger.SUNSET)
# A schedule rule missed by more than this (worker down) is not caught up: lighting switched
# on three hours late is worse than not at all.
GRACE = timedelta(minutes=30)
MAX_DRY_RUN_DAYS = 31
MAX_DRY_RUN_ROWS = 1000
NOTHING = "Rien (conditions non remplies)"


class SeriesWindow:
    """Sorted readings of one series over a period, for aggregates over sub-windows."""

    def __init__(self, counter: bool, rows: Sequence[tuple[datetime, float, float | None]]):
        self.times = [at for at, _, _ in rows]
        self.values = [(delta or 0.0) if counter else value for _, value, delta in rows]
        self.last_values = [value for _, value, _ in rows]

    def aggregate(self, aggregate: str, start: datetime, end: datetime) -> float | None:
        """``aggregate`` over readings in (start, end]; None when there are none."""
        lo, hi = bisect_right(self.times, start), bisect_right(self.times, end)
        if lo >= hi:
            return None
        if aggregate == Aggregate.LAST:
            return self.last_values[hi - 1]
        chunk = self.values[lo:hi]
        if aggregate == Aggregate.SUM:
            return sum(chunk)
        return max(chunk) if aggregate == Aggregate.MAX else min(chunk)

    def instants(self, start: datetime, end: datetime) -> list[datetime]:
        return self.times[bisect_left(self.times, start) : bisect_right(self.times, end)]


def load_window(series, start: datetime, end: datetime) -> SeriesWindow:
    rows = Reading.objects.filter(series=series, at__gt=start, at__lte=end).order_by("at")
    return SeriesWindow(series.kind == "counter", list(rows.values_list("at", "value", "delta")))


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reason: str  # French, shown to agents


def check(condition: Condition, window: SeriesWindow, at: datetime) -> Verdict:
    value = window.aggregate(condition.aggregate, at - timedelta(hours=condition.window_hours), at)
    label = f"{condition.series.label} ({condition.series.device.name})"
    if value is None:
        return Verdict(False, f"aucune mesure de {label} sur {condition.window_hours} h")
    holds = (
        value < condition.threshold
        if condition.operator == Operator.BELOW
        else (value > condition.threshold)
    )
    shown = f"{condition.get_aggregate_display()} de {label} : {value:g} {condition.series.unit}"
    wanted = f"{condition.get_operator_display()} {condition.threshold:g}"
    return Verdict(holds, f"{shown} ({'' if holds else 'non '}{wanted})")


def evaluate(rule: Rule, at: datetime, windows: dict[int, SeriesWindow] | None = None) -> Verdict:
    """Do all the rule's conditions hold at ``at``? ``windows``: preloaded readings by
    condition id (the dry run); otherwise each condition reads its own window."""
    reasons = []
    for condition in rule.conditions.select_related("series__device"):
        window = (windows or {}).get(condition.pk) or load_window(
            condition.series, at - timedelta(hours=condition.window_hours), at
        )
        verdict = check(condition, window, at)
        if not verdict.holds:
            return verdict
        reasons.append(verdict.reason)
    return Verdict(True, " ; ".join(reasons) or "sans condition")


# --- live: schedule sweep and readings listener ---------------------------------------------


def due_instant(rule: Rule, now: datetime) -> datetime | None:
    """The schedule instant to act on now, if it has come and was not acted on yet."""
    today = now.astimezone(PARIS).date()
    for day in (today, today - timedelta(days=1)):  # just after midnight: yesterday's late one
        due = fire_time(rule.trigger, day, rule.at_time, rule.offset_minutes)
        if due is None or due > now or now - due > GRACE:
            continue
        if rule.last_fired_at is None or rule.last_fired_at < due:
            return due
    return None


def run_schedules(now: datetime | None = None) -> int:
    """Fire every due schedule rule (the periodic task). Returns how many fired."""
    from territoire.automations.services import rule_fire

    now = now or timezone.now()
    fired = 0
    rules = Rule.objects.filter(is_active=True, trigger__in=SCHEDULE_TRIGGERS).select_related(
        "created_by"
    )
    for rule in rules:
        due = due_instant(rule, now)
        if due is None:
            continue
        try:
            rule_fire(rule=rule, at=due, now=now)
            fired += 1
        except Exception:  # one broken rule must not stop the others
            log.exception("automation rule %s failed", rule.pk)
    return fired + run_bookings(now)


def run_bookings(now: datetime) -> int:
    """Open the doors of booking slots starting now, relock those ending now (booking-trigger
    rules). A slot start missed by more than GRACE is not caught up; a missed end still
    relocks (a door left open is worse than a late lock)."""
    from territoire.automations.services import LOCK, booking_fire

    fired = 0
    rules = Rule.objects.filter(is_active=True, trigger=Trigger.BOOKING).select_related(
        "created_by"
    )
    for rule in rules:
        device_ids = list(rule.devices.values_list("pk", flat=True))
        slots = Booking.objects.filter(
            device_id__in=device_ids, commune_id=rule.commune_id, cancelled_at__isnull=True
        ).select_related("device")
        openings = slots.filter(opened_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        openings = openings.filter(starts_at__gte=now - GRACE)
        closings = slots.filter(opened_at__isnull=False, closed_at__isnull=True, ends_at__lte=now)
        for booking, opening in [(b, True) for b in openings] + [(b, False) for b in closings]:
            if not opening and LOCK not in _commands(booking.device.model):
                Booking.objects.filter(pk=booking.pk).update(closed_at=now)
                continue
            try:
                if booking_fire(rule=rule, booking=booking, opening=opening, now=now):
                    fired += 1
            except Exception:
                log.exception("automation rule %s, booking %s failed", rule.pk, booking.pk)
    return fired


def readings_stored(readings: Sequence[StoredReading]) -> None:
    """The listener registered in AutomationsConfig.ready(): fire reading-triggered rules
    once per batch, at the latest reading of their series."""
    from territoire.automations.services import rule_fire

    latest: dict[int, datetime] = {}
    for reading in readings:
        if reading.series_id not in latest or reading.at > latest[reading.series_id]:
            latest[reading.series_id] = reading.at
    rules = Rule.objects.filter(
        is_active=True, trigger=Trigger.READING, trigger_series_id__in=list(latest)
    ).select_related("created_by")
    now = timezone.now()
    for rule in rules:
        assert rule.trigger_series_id is not None
        if rule.suspended_until and rule.suspended_until > now:
            continue
        try:
            rule_fire(rule=rule, at=latest[rule.trigger_series_id], now=now)
        except Exception:
            log.exception("automation rule %s failed", rule.pk)


# --- dry run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DryRow:
    at: datetime
    device: str
    outcome: str  # French
    reason: str


def dry_run(rule: Rule, days: int, now: datetime | None = None) -> list[DryRow]:
    """What the rule would have done over the last ``days`` days, from stored readings and
    its schedule; the per-device minimum interval between commands is applied as the hub
    would. Nothing is written or sent."""
    now = now or timezone.now()
    days = max(1, min(days, MAX_DRY_RUN_DAYS))
    start = now - timedelta(days=days)
    if rule.trigger == Trigger.BOOKING:
        return _dry_run_bookings(rule, start, now)
    if rule.trigger == Trigger.READING:
        if rule.trigger_series is None:
            return []
        instants = load_window(rule.trigger_series, start, now).instants(start, now)
    else:
        first = start.astimezone(PARIS).date()
        instants = []
        for n in range(days + 2):
            due = fire_time(
                rule.trigger, first + timedelta(days=n), rule.at_time, rule.offset_minutes
            )
            if due is not None and start < due <= now:
                instants.append(due)
    conditions = list(rule.conditions.select_related("series__device"))
    longest = max((c.window_hours for c in conditions), default=0)
    windows = {
        c.pk: load_window(c.series, start - timedelta(hours=longest), now) for c in conditions
    }
    devices = list(rule.devices.order_by("name"))
    accepts = {d.pk: _accepts(d.model, rule.command) for d in devices}
    last_sent: dict[int, datetime] = defaultdict(lambda: datetime.min.replace(tzinfo=PARIS))
    rows: list[DryRow] = []
    for at in instants[-MAX_DRY_RUN_ROWS:]:
        verdict = evaluate(rule, at, windows) if conditions else Verdict(True, "sans condition")
        for device in devices:
            if not verdict.holds:
                rows.append(
                    DryRow(at, device.name, "Rien (conditions non remplies)", verdict.reason)
                )
            elif not accepts[device.pk]:
                rows.append(DryRow(at, device.name, "Refusée", "commande inconnue de ce modèle"))
            elif at - last_sent[device.pk] < DOWNLINK_MIN_INTERVAL:
                rows.append(
                    DryRow(at, device.name, "Refusée", "moins de 10 minutes après la précédente")
                )
            else:
                last_sent[device.pk] = at
                rows.append(DryRow(at, device.name, "Commande envoyée", verdict.reason))
    return rows


def _commands(model: str) -> tuple[str, ...]:
    try:
        return get_codec(model).commands
    except KeyError:
        return ()


def _accepts(model: str, command: str) -> bool:
    return command in _commands(model)


def _dry_run_bookings(rule: Rule, start: datetime, now: datetime) -> list[DryRow]:
    """Booking rules: an opening at each slot start of the rule's doors in the period, and a
    relock at each slot end when the door knows "lock"; conditions as for the others."""
    conditions = list(rule.conditions.select_related("series__device"))
    longest = max((c.window_hours for c in conditions), default=0)
    windows = {
        c.pk: load_window(c.series, start - timedelta(hours=longest), now) for c in conditions
    }
    slots = Booking.objects.filter(
        device__in=rule.devices.all(),
        commune_id=rule.commune_id,
        cancelled_at__isnull=True,
        ends_at__gt=start,
        starts_at__lte=now,
    ).select_related("device")
    events: list[tuple[datetime, Booking, bool]] = []
    for booking in slots:
        if start < booking.starts_at <= now:
            events.append((booking.starts_at, booking, True))
        if start < booking.ends_at <= now and "lock" in _commands(booking.device.model):
            events.append((booking.ends_at, booking, False))
    events.sort(key=lambda event: (event[0], event[1].pk))
    last_sent: dict[int, datetime] = defaultdict(lambda: datetime.min.replace(tzinfo=PARIS))
    rows: list[DryRow] = []
    for at, booking, opening in events[-MAX_DRY_RUN_ROWS:]:
        verdict = evaluate(rule, at, windows) if conditions else Verdict(True, "sans condition")
        what = (
            f"ouverture pour le créneau de {booking.booked_by}"
            if opening
            else f"verrouillage à la fin du créneau de {booking.booked_by}"
        )
        if not verdict.holds:
            rows.append(DryRow(at, booking.device.name, NOTHING, verdict.reason))
        elif at - last_sent[booking.device_id] < DOWNLINK_MIN_INTERVAL:
            rows.append(
                DryRow(
                    at,
                    booking.device.name,
                    "Refusée",
                    f"{what} : moins de 10 minutes après la précédente",
                )
            )
        else:
            last_sent[booking.device_id] = at
            rows.append(DryRow(at, booking.device.name, "Commande envoyée", what))
    return rows
