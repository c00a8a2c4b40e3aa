"""Bulk history: a series' past readings loaded in one set-based pass, for a backfill (the
simulator's year of data, the history exported from a previous platform) rather than event
by event.

``ingest`` handles what network servers deliver, one event at a time in batches, with the
archive that makes redeliveries harmless. A history is different: it arrives as long runs of
readings per series, where a per-event path would spend its time on lookups and small
statements. Here each series costs a couple of range checks, one bulk insert of its
readings (``executemany`` on SQLite, ``COPY`` on PostgreSQL) and one upsert of its rollups.

Exactly-once without an archive: a run is refused when its time range already holds
readings of that series, so loading the same history twice changes nothing the second time.
A counter's run is also refused when the series has readings both before and after it (the
first reading after a gap already counts the whole gap's increase). Rollups are merged
additively with what is already there, so a run that ends inside an hour that live data
has started adds to it instead of replacing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction

from territoire.sensors.codecs import get_codec
from territoire.sensors.codecs.base import Kind
from territoire.sensors.ingest import _counter_delta
from territoire.sensors.models import Device, Reading, Series
from territoire.sensors.rollups import add_to_buckets, roll_up_buckets
from territoire.sensors.sql import db_datetime_converter


@dataclass
class Run:
    """Readings of one series, in chronological order, instants aware."""

    series: Series
    instants: Sequence[datetime]
    values: Sequence[float]


@dataclass
class HistoryReport:
    series: int = 0
    readings: int = 0
    rollups: int = 0
    refused: list[tuple[Series, str]] = field(default_factory=list)


def load_history(runs: Iterable[Run]) -> HistoryReport:
    """Store each run with its deltas and rollups, one transaction per run."""
    report = HistoryReport()
    for run in runs:
        if not run.instants:
            continue
        if len(run.instants) != len(run.values):
            raise ValueError("as many values as instants")
        with transaction.atomic():
            reason = _refusal(run)
            if reason:
                report.refused.append((run.series, reason))
                continue
            deltas = _deltas(run)
            report.readings += _insert_readings(run, deltas)
            report.rollups += _roll_up_run(run, deltas)
            _update_series(run)
            report.series += 1
    return report


def _refusal(run: Run) -> str | None:
    first, last = run.instants[0], run.instants[-1]
    if any(b <= a for a, b in zip(run.instants, run.instants[1:], strict=False)):
        return "Les relevés doivent être en ordre chronologique strict."
    readings = Reading.objects.filter(series=run.series)
    if readings.filter(at__gte=first, at__lte=last).exists():
        return "Cette période contient déjà des relevés de cette série."
    if (
        run.series.kind == Kind.COUNTER
        and readings.filter(at__lt=first).exists()
        and readings.filter(at__gt=last).exists()
    ):
        return "Compléter un trou dans l'historique d'un compteur n'est pas pris en charge."
    return None


def _deltas(run: Run) -> list[float | None]:
    if run.series.kind != Kind.COUNTER:
        return [None] * len(run.values)
    before = (
        Reading.objects.filter(series=run.series, at__lt=run.instants[0])
        .order_by("-at")
        .values_list("at", "value")
        .first()
    )
    previous_at, previous = before if before else (None, None)
    deltas: list[float | None] = []
    for at, value in zip(run.instants, run.values, strict=True):
        deltas.append(_counter_delta(previous, value, previous_at, at))
        previous_at, previous = at, value
    return deltas


def _insert_readings(run: Run, deltas: list[float | None]) -> int:
    table = Reading._meta.db_table
    instants = list(map(db_datetime_converter(), run.instants))
    series_id = run.series.pk
    rows = [
        (series_id, at, value, delta)
        for at, value, delta in zip(instants, run.values, deltas, strict=True)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = "series_id, at, value, delta"
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} (series_id, at, value, delta) VALUES (%s, %s, %s, %s)", rows
            )
    _complete_next_delta(run)
    return len(run.values)


def _complete_next_delta(run: Run) -> None:
    """A counter's reading right after the run had no delta (it was the first); now it has."""
    if run.series.kind != Kind.COUNTER:
        return
    following = (
        Reading.objects.filter(series=run.series, at__gt=run.instants[-1], delta__isnull=True)
        .order_by("at")
        .first()
    )
    if following is None:
        return
    before = Reading.objects.filter(series=run.series, at__lt=following.at).order_by("-at")
    previous = before.values_list("at", "value").first()
    if previous is None:
        return
    delta = _counter_delta(previous[1], following.value, previous[0], following.at)
    if delta is None:
        return
    Reading.objects.filter(pk=following.pk).update(delta=delta)
    buckets: dict = {}
    add_to_buckets(buckets, run.series.pk, Kind.COUNTER, [(following.at, delta)])
    roll_up_buckets(buckets, _places(run))


def _roll_up_run(run: Run, deltas: list[float | None]) -> int:
    kind = run.series.kind
    if kind == Kind.COUNTER:
        points = [(at, d) for at, d in zip(run.instants, deltas, strict=True) if d is not None]
    else:
        points = list(zip(run.instants, run.values, strict=True))
    buckets: dict = {}
    add_to_buckets(buckets, run.series.pk, kind, points)
    roll_up_buckets(buckets, _places(run))
    return len(buckets)


def _places(run: Run) -> dict[int, tuple[int, str]]:
    commune_id = Device.objects.filter(pk=run.series.device_id).values_list("commune_id", flat=True)
    return {run.series.pk: (commune_id.get(), run.series.quantity)}


def _update_series(run: Run) -> None:
    at, value = run.instants[-1], run.values[-1]
    series = run.series
    if series.last_at is None or at > series.last_at:
        series.last_at, series.last_value = at, float(value)
        Series.objects.filter(pk=series.pk).update(last_at=at, last_value=series.last_value)


def series_of(device: Device, quantity: str) -> Series:
    """The device's series for a quantity its codec declares, created when missing."""
    declared = {q.name: q for q in get_codec(device.model).quantities}
    if quantity not in declared:
        raise ValueError(f"{device.model} ne mesure pas « {quantity} »")
    q = declared[quantity]
    series, _ = Series.objects.get_or_create(
        device=device,
        quantity=q.name,
        defaults={"label": q.label, "unit": q.unit, "kind": str(q.kind)},
    )
    return series


def grid(start: datetime, count: int, step: timedelta) -> list[datetime]:
    """``count`` instants from ``start`` every ``step`` (a backfill's regular time grid)."""
    return [start + i * step for i in range(count)]


__all__ = ["HistoryReport", "Run", "grid", "load_history", "series_of"]
