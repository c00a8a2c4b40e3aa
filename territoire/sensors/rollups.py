"""Rollups: a series' points aggregated into hourly (UTC) and daily (local, Europe/Paris)
buckets, and the buckets merged into the rollups and the communes' days by additive upserts.
Shared by live ingestion (``ingest``) and the bulk history loader (``history``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.db import connection

from territoire.sensors.codecs.base import Kind
from territoire.sensors.models import CommuneDay, Rollup
from territoire.sensors.sql import db_datetime_converter

PARIS = ZoneInfo("Europe/Paris")


def add_to_buckets(
    buckets: dict[tuple[int, str, datetime], list[float]],
    series_id: int,
    kind: str,
    points: Iterable[tuple[datetime, float]],
) -> None:
    """Aggregate a series' points into (series, "hour"|"day", start) buckets: count, total,
    minimum, maximum, energy. Hours are UTC hours; days are local (Paris) days, given by
    their start in UTC."""
    sound = kind == Kind.SOUND_LEVEL
    # Keyed by the hour's number since the epoch: one time-zone conversion per hour, not per
    # point (a year of 15-minute data is 35,040 points and 8,760 hours). Points come in
    # chronological order, so most fall in the previous point's hour: its two buckets are
    # kept at hand rather than looked up again.
    periods: dict[int, tuple[datetime, datetime]] = {}
    last_number = None
    hourly: list[float] = []
    daily: list[float] = []
    for at, value in points:
        number = int(at.timestamp()) // 3600
        energy = 10 ** (value / 10) if sound else 0.0
        if number != last_number:
            found = periods.get(number)
            if found is None:
                hour = datetime.fromtimestamp(number * 3600, UTC)
                local = hour.astimezone(PARIS).replace(hour=0, minute=0)
                found = periods[number] = (hour, local.astimezone(UTC))
            last_number = number
            hourly = buckets.setdefault((series_id, "hour", found[0]), [])
            daily = buckets.setdefault((series_id, "day", found[1]), [])
        _add(hourly, value, energy)
        _add(daily, value, energy)


def _add(bucket: list[float], value: float, energy: float) -> None:
    """Count a point in a bucket: count, total, minimum, maximum, energy."""
    if not bucket:
        bucket.extend((1, value, value, value, energy))
        return
    bucket[0] += 1
    bucket[1] += value
    if value < bucket[2]:
        bucket[2] = value
    if value > bucket[3]:
        bucket[3] = value
    bucket[4] += energy


Buckets = dict[tuple[int, str, datetime], list[float]]
# Where each series' readings are counted for their commune: series id → (commune, quantity).
Places = dict[int, tuple[int, str]]


def roll_up_buckets(buckets: Buckets, places: Places) -> None:
    """Merge buckets into the series rollups, and their daily buckets into the communes' days:
    counts and sums add up, extremes widen."""
    if not buckets:
        return
    to_db = db_datetime_converter()
    _upsert_aggregates(
        Rollup._meta.db_table,
        ("series_id", "period", "start"),
        [
            (series_id, period, to_db(start), *v)
            for (series_id, period, start), v in buckets.items()
        ],
    )
    days: dict[tuple[int, str, datetime], list[float]] = {}
    for (series_id, period, start), values in buckets.items():
        if period != "day":
            continue
        commune_id, quantity = places[series_id]
        merged = days.get((commune_id, quantity, start))
        if merged is None:
            days[(commune_id, quantity, start)] = list(values)
        else:
            merged[0] += values[0]
            merged[1] += values[1]
            merged[2] = min(merged[2], values[2])
            merged[3] = max(merged[3], values[3])
            merged[4] += values[4]
    _upsert_aggregates(
        CommuneDay._meta.db_table,
        ("commune_id", "quantity", "start"),
        [(commune_id, q, to_db(start), *v) for (commune_id, q, start), v in days.items()],
    )


def _upsert_aggregates(table: str, keys: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    least, greatest = ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")
    columns = (*keys, "count", "total", "minimum", "maximum", "energy")
    # Table, column and function names come from the code, never from input.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        f"count = {table}.count + excluded.count, "
        f"total = {table}.total + excluded.total, "
        f"minimum = {least}({table}.minimum, excluded.minimum), "
        f"maximum = {greatest}({table}.maximum, excluded.maximum), "
        f"energy = {table}.energy + excluded.energy"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
