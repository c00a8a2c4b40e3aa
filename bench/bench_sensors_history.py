"""Sensor history at scale: the backfill of one year of 15-minute data for 1,000 sensors
(bulk path, territoire/sensors/history.py), then the reads agents make on it — a device's
one-year chart page and a commune's daily totals — and the same reads after the history has
grown tenfold.

Run with `.venv/bin/python bench/bench_sensors_history.py` (part of `make bench`). A fresh
SQLite file in a temporary directory, or TERRITOIRE_DATABASE_URL. Sizes:
BENCH_HISTORY_DEVICES (1,000), BENCH_HISTORY_DAYS (365), BENCH_HISTORY_GROWTH (10: how many
years of rollups the table holds for the second measurement).

References measured in the same run: a bare executemany of the same number of rows into an
unindexed table (what the database can take at all), and a bare indexed query for the reads.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="territoire-bench-")
os.environ.setdefault("TERRITOIRE_DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("TERRITOIRE_VAR_DIR", TMP)
os.environ["TERRITOIRE_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from territoire.core.models import Commune, Membership, Role, User  # noqa: E402
from territoire.core.services import territory_load  # noqa: E402
from territoire.sensors.history import Run, grid, load_history, series_of  # noqa: E402
from territoire.sensors.models import CommuneDay, Device, Reading, Rollup  # noqa: E402
from territoire.sensors.selectors import commune_daily_totals  # noqa: E402
from territoire.sensors.sql import db_datetime_converter  # noqa: E402

DEVICES = int(os.environ.get("BENCH_HISTORY_DEVICES", "1000"))
DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "365"))
GROWTH = int(os.environ.get("BENCH_HISTORY_GROWTH", "10"))
STEP = timedelta(minutes=15)
END = datetime(2026, 11, 1, tzinfo=UTC)
RUNS = 20


def to_db(at: datetime):
    return db_datetime_converter()(at)


def median_ms(fn, runs: int = RUNS) -> float:
    fn()  # warm caches and connections
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def fleet(commune: Commune) -> list[Device]:
    """Half water meters (a counter), half thermometers (a gauge), all in one commune: the
    worst case for a commune's totals."""
    models = ("milesight-em300-di", "milesight-em300-th")
    Device.objects.bulk_create(
        Device(
            commune=commune,
            dev_eui=f"70b3d5e75f{n:06x}",
            name=f"Capteur {n:04d}",
            model=models[n % 2],
            reporting_interval_s=900,
        )
        for n in range(DEVICES)
    )
    return list(Device.objects.order_by("pk"))


def runs_of(devices: list[Device], instants: list[datetime]):
    """A year of plausible readings per device, generated cheaply: the figure is the store."""
    count = len(instants)
    for n, device in enumerate(devices):
        if device.model == "milesight-em300-di":
            series = series_of(device, "impulsions")
            values = [float(1000 + n + 3 * i + (i % 96 > 28) * (i % 7)) for i in range(count)]
        else:
            series = series_of(device, "temperature")
            values = [round(19 + 2 * math.sin(i / 15.3) + (n % 5) / 10, 1) for i in range(count)]
        yield Run(series, instants, values)


def bare_insert_seconds(rows: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bare (series_id integer, at text, value real)")
        start = time.perf_counter()
        with transaction.atomic():
            batch = [(1, "2026-01-01 00:00:00", 1.0)] * 50_000
            for _ in range(rows // len(batch)):
                cursor.executemany("INSERT INTO bench_bare VALUES (%s, %s, %s)", batch)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_bare")
    return elapsed


def grow_rollups(years: int) -> int:
    """Copy the rollups (of series and of communes' days) back in time, one year per copy:
    the tables then hold ``years`` of history (what the reads would meet after ``years`` of
    operation)."""
    tables = (
        (Rollup, "series_id, period, start, count, total, minimum, maximum, energy"),
        (CommuneDay, "commune_id, quantity, start, count, total, minimum, maximum, energy"),
    )
    with connection.cursor() as cursor:
        for model, columns in tables:
            table = model._meta.db_table
            for k in range(1, years):
                if connection.vendor == "sqlite":
                    shifted = f"datetime(start, '-{371 * k} days')"
                else:
                    shifted = f"start - interval '{371 * k} days'"
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "  # noqa: S608
                    f"SELECT {columns.replace('start', shifted)} FROM {table} WHERE start >= %s",
                    [to_db(END - timedelta(days=DAYS + 1))],
                )
    return Rollup.objects.count()


def reads(client: Client, meter: Device, commune: Commune, admin: User) -> dict[str, float]:
    since, until = END - timedelta(days=365), END
    page = f"/capteurs/{meter.dev_eui}/?serie=impulsions&periode=jours"
    assert client.get(page).status_code == 200
    year_series = series_of(meter, "impulsions")

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT start, total FROM {Rollup._meta.db_table} "  # noqa: S608
                "WHERE series_id = %s AND period = 'day' AND start >= %s ORDER BY start",
                [year_series.pk, to_db(since)],
            )
            cursor.fetchall()

    return {
        "chart": median_ms(lambda: client.get(page)),
        "totals": median_ms(
            lambda: commune_daily_totals(
                admin, commune=commune, quantity="impulsions", since=since, until=until
            )
        ),
        "bare": median_ms(bare),
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    territory_load(actor=None)
    arras = Commune.objects.get(insee_code="62041")
    admin = User.objects.create_user(email="admin@cua.fr", password="x")
    Membership.objects.create(user=admin, role=Role.CUA_ADMIN)
    devices = fleet(arras)
    instants = grid(END - timedelta(days=DAYS), DAYS * 96, STEP)

    start, cpu = time.perf_counter(), time.process_time()
    report = load_history(runs_of(devices, instants))
    load_s, load_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not report.refused, report.refused[:3]
    readings = Reading.objects.count()
    rollups_1 = Rollup.objects.count()
    bare_s = bare_insert_seconds(readings)

    client = Client()
    client.force_login(admin)
    meter = next(d for d in devices if d.model == "milesight-em300-di")
    one_year = reads(client, meter, arras, admin)
    rollups_n = grow_rollups(GROWTH)
    grown = reads(client, meter, arras, admin)

    print(f"database: {connection.vendor}; {DEVICES:,} sensors x {DAYS} days of 15-minute data")
    print(
        f"backfill (bulk path): {readings:,} readings + {rollups_1:,} rollups in {load_s:,.1f} s "
        f"({readings / load_s:,.0f} readings/s; {load_cpu:,.1f} s of CPU in this process, "
        "which the database's own work is part of); bare unindexed insert of as many rows: "
        f"{bare_s:,.1f} s; ratio {bare_s / load_s:.2f}"
    )
    for label, key in (
        ("device page, one-year daily chart (server time)", "chart"),
        ("commune daily totals over one year (selector)", "totals"),
        ("bare indexed query of one series' year", "bare"),
    ):
        print(
            f"{label}: {one_year[key]:.1f} ms at {rollups_1:,} rollups; "
            f"{grown[key]:.1f} ms at {rollups_n:,} ({rollups_n / rollups_1:.1f}x history)"
        )


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)  # gigabytes at full size
