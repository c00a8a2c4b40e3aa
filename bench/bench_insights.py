"""Insights dashboards at one year of data from 1,000 sensors: p50/p95 server time of every
dashboard page (issue 4 target: p95 < 150 ms), and of the live feed.

Run with `.venv/bin/python bench/bench_insights.py` (part of `make bench`). A fresh SQLite
file in a temporary directory, or TERRITOIRE_DATABASE_URL. Sizes: BENCH_INSIGHTS_DEVICES
(1,000), BENCH_INSIGHTS_DAYS (365). Readings are hourly (the dashboards read only the
rollups, whose number does not depend on the reading interval), loaded with the hub's bulk
path (territoire.sensors.history.load_history).

Reference measured in the same run: a bare indexed query of one series' 30 daily rollups,
and the sensor hub's own device page (a page of the same stack that reads one series).
"""

from __future__ import annotations

import math
import os
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
from django.conf import settings  # noqa: E402

# The production cache (ADR 0007: files shared by the web and Huey workers), not the test
# settings' per-process memory.
settings.CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": f"{TMP}/cache",
    }
}
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from territoire.core.models import Commune, Membership, Role, User  # noqa: E402
from territoire.core.services import territory_load  # noqa: E402
from territoire.insights.models import Alert, AlertRule, Building  # noqa: E402
from territoire.insights.services import alert_raise  # noqa: E402
from territoire.sensors.history import Run, grid, load_history, series_of  # noqa: E402
from territoire.sensors.models import Device, Reading, Rollup  # noqa: E402
from territoire.sensors.sql import db_datetime_converter  # noqa: E402

DEVICES = int(os.environ.get("BENCH_INSIGHTS_DEVICES", "1000"))
DAYS = int(os.environ.get("BENCH_INSIGHTS_DAYS", "365"))
RUNS = int(os.environ.get("BENCH_INSIGHTS_RUNS", "40"))
END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

# (share of the fleet, model, quantities, tags)
MIX = [
    (0.40, "milesight-em300-di", ("impulsions",), ["eau"]),
    (0.20, "generic-electricity-pulse", ("energie",), ["électricité"]),
    (0.15, "generic-bidirectional-counter", ("passages_entree",), ["vélo"]),
    (0.10, "milesight-ws302", ("laeq",), ["bruit"]),
    (0.10, "bosch-tps110", ("occupation",), ["stationnement"]),
    (0.05, "milesight-am308", ("pm2_5", "pm10"), ["qualité de l'air"]),
]


def fleet(communes: list[Commune]) -> list[Device]:
    """Half of the devices in Arras, the rest spread over the other communes."""
    devices = []
    n = 0
    for share, model, _, tags in MIX:
        for k in range(int(DEVICES * share)):
            commune = communes[0] if n % 2 == 0 else communes[1 + n % (len(communes) - 1)]
            extra = [f"parking-p{k // 10}"] if model == "bosch-tps110" else []
            devices.append(
                Device(
                    commune=commune,
                    dev_eui=f"70b3d5e75f{n:06x}",
                    name=f"{model} {n:04d}",
                    model=model,
                    tags=tags + extra,
                    reporting_interval_s=3600,
                    latitude=50.29 + (n % 97) / 1000,
                    longitude=2.77 + (n % 89) / 1000,
                )
            )
            n += 1
    Device.objects.bulk_create(devices)
    return list(Device.objects.order_by("pk"))


def runs_of(devices: list[Device], instants: list[datetime]):
    count = len(instants)
    quantities = {model: q for _, model, q, _ in MIX}
    for n, device in enumerate(devices):
        for quantity in quantities[device.model]:
            series = series_of(device, quantity)
            if quantity in ("impulsions", "energie", "passages_entree"):
                values = [float(1000 + n + 7 * i + (i % 24 > 8) * 40) for i in range(count)]
            elif quantity == "laeq":
                values = [60 + 6 * math.sin(i / 3.8) for i in range(count)]
            elif quantity == "occupation":
                values = [float((i + n) % 3 != 0) for i in range(count)]
            else:
                values = [12 + 6 * math.sin(i / 11.0) for i in range(count)]
            yield Run(series, instants, values)


def timings(fn, runs: int = RUNS) -> tuple[float, float]:
    fn()  # warm caches and connections
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, math.ceil(0.95 * len(times)) - 1)]


def uplink_to_alert(admin: User, commune: Commune) -> str:
    """Median time from handing a leak detector's uplink to ingestion until its alert row
    exists (the listener runs after the commit, in the ingesting process). A page sees it
    at its next poll: add at most the 2 s polling period."""
    import base64

    from territoire.sensors import ingest
    from territoire.sensors import services as sensor_services
    from territoire.sensors.integrations.chirpstack import parse_chirpstack

    integration, _ = sensor_services.integration_create(
        actor=admin, name="Banc", source="chirpstack", commune=commune
    )
    detectors = Device.objects.bulk_create(
        Device(
            commune=commune,
            dev_eui=f"a84041ffff{n:06x}",
            name=f"Fuite {n}",
            model="dragino-lwl02",
            reporting_interval_s=7200,
        )
        for n in range(20)
    )
    frame = base64.b64encode((1 << 14 | 3000).to_bytes(2, "big") + bytes([2]) + bytes(7)).decode()
    times = []
    for n, d in enumerate(detectors):
        now = datetime.now(UTC)
        body = {
            "deduplicationId": f"bench-{n}",
            "time": now.isoformat(),
            "deviceInfo": {"devEui": d.dev_eui, "applicationId": "bench"},
            "fCnt": n,
            "fPort": 10,
            "data": frame,
            "rxInfo": [],
        }
        start = time.perf_counter()
        ingest.ingest(integration, [(parse_chirpstack("up", body, now=now), body)])
        assert Alert.objects.filter(device=d).exists()
        times.append((time.perf_counter() - start) * 1000)
    return f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)}"


def main() -> None:
    call_command("migrate", verbosity=0)
    territory_load(actor=None)
    communes = list(Commune.objects.order_by("insee_code"))
    arras = next(c for c in communes if c.insee_code == "62041")
    communes.remove(arras)
    communes.insert(0, arras)
    admin = User.objects.create_user(email="admin@cua.fr", password="x")
    Membership.objects.create(user=admin, role=Role.CUA_ADMIN)
    elected = User.objects.create_user(email="elu@arras.fr", password="x")
    Membership.objects.create(user=elected, role=Role.ELECTED, commune=arras)
    devices = fleet(communes)
    instants = grid(END - timedelta(days=DAYS), DAYS * 24, timedelta(hours=1))
    # The outdoor reference of the climate correction (DJU), in Arras.
    station = Device.objects.create(
        commune=arras, dev_eui="24e124ffff000001", name="Station météo", model="milesight-em300-th",
        tags=["temperature-exterieure"], reporting_interval_s=3600,
    )  # fmt: skip
    outdoor = Run(
        series_of(station, "temperature"),
        instants,
        [11 + 7.5 * math.cos(2 * math.pi * (i / 24 - 15) / 365) + 4 * math.sin(i / 3.8)
         for i in range(len(instants))],
    )  # fmt: skip
    start = time.perf_counter()
    report = load_history([outdoor, *runs_of(devices, instants)])
    load_s = time.perf_counter() - start
    assert not report.refused, report.refused[:3]
    meters = [d for d in devices if d.model == "milesight-em300-di"]
    for b in range(min(50, DEVICES // 20)):  # buildings of 4 meters (2 water, 2 electricity)
        building = Building.objects.create(
            commune=meters[2 * b].commune,
            name=f"Bâtiment {b}",
            reference_year=2019,
            reference_kwh=500_000,
        )
        elec = [d for d in devices if d.model == "generic-electricity-pulse"][2 * b : 2 * b + 2]
        building.devices.add(*meters[2 * b : 2 * b + 2], *elec)
    rule = AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    for d in meters[:200]:
        alert_raise(
            rule=rule, subject_key=d.dev_eui, subject=d.name, device=d, title="Fuite", rate_lph=10
        )
    readings, rollups = Reading.objects.count(), Rollup.objects.count()
    building = Building.objects.filter(commune=arras).first()
    alert = Alert.objects.first()

    client = Client()
    client.force_login(admin)
    pages = [
        ("tableau de bord CUA", "/indicateurs/"),
        ("tableau de bord Arras", "/indicateurs/?commune=arras"),
        *[
            (f"domaine {d}", f"/indicateurs/domaine/{d}/")
            for d in ("eau", "energie", "bruit", "air", "mobilite", "stationnement")
        ],
        ("synthèse élus", "/indicateurs/synthese/"),
        ("carte", "/indicateurs/carte/"),
        ("bâtiments", "/indicateurs/batiments/"),
        ("bâtiment", f"/indicateurs/batiments/{building.pk}/"),
        ("alertes", "/indicateurs/alertes/"),
        ("alerte", f"/indicateurs/alertes/{alert.pk}/"),
        ("flux en direct", f"/indicateurs/alertes/direct.json?apres={alert.pk}"),
    ]
    series = series_of(meters[0], "impulsions")

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT start, total FROM {Rollup._meta.db_table} "  # noqa: S608
                "WHERE series_id = %s AND period = 'day' AND start >= %s ORDER BY start",
                [series.pk, db_datetime_converter()(END - timedelta(days=30))],
            )
            cursor.fetchall()

    device_page = f"/capteurs/{meters[0].dev_eui}/?serie=impulsions&periode=jours"
    print(f"database: {connection.vendor}; {len(devices):,} sensors x {DAYS} days, hourly")
    print(f"history: {readings:,} readings, {rollups:,} rollups, loaded in {load_s:,.0f} s")
    bare_p50, bare_p95 = timings(bare)
    ref_p50, ref_p95 = timings(lambda: client.get(device_page))
    print(
        f"reference: bare indexed query p50 {bare_p50:.1f} ms; device page p50 {ref_p50:.1f} "
        f"ms, p95 {ref_p95:.1f} ms"
    )
    worst = 0.0
    for label, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        p50, p95 = timings(lambda url=url: client.get(url))
        worst = max(worst, p95)
        print(
            f"{label:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (p95 / device page "
            f"{p95 / ref_p95:.1f})"
        )
    from django.core.cache import cache

    for label, url in (
        ("tableau de bord CUA", "/indicateurs/"),
        ("synthèse élus", "/indicateurs/synthese/"),
    ):
        p50, p95 = timings(lambda url=url: (cache.clear(), client.get(url)), runs=RUNS // 4)
        print(
            f"{label + ', cache vide':<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
            "  (first view of the day, no worker)"
        )
    from territoire.insights import dashboards

    scopes = [None, *({c.pk} for c in communes)]
    start = time.perf_counter()
    dashboards.warm(scopes)
    warm_s = time.perf_counter() - start
    print(f"worker's hourly warm-up, {len(scopes)} scopes: {warm_s * 1000:.0f} ms")
    for label, url in (
        ("tableau de bord CUA", "/indicateurs/"),
        ("synthèse élus", "/indicateurs/synthese/"),
    ):
        p50, p95 = timings(lambda url=url: client.get(url), runs=RUNS // 4)
        print(f"{label + ', réchauffé':<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (after warm-up)")
    if os.environ.get("BENCH_INSIGHTS_PROFILE"):
        import cProfile
        import pstats

        for state in ("cold", "warm"):
            if state == "cold":
                cache.clear()
            profile = cProfile.Profile()
            profile.runcall(client.get, "/indicateurs/synthese/")
            print(f"--- summary, {state} cache")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    elected_client = Client()
    elected_client.force_login(elected)
    p50, p95 = timings(lambda: elected_client.get("/indicateurs/synthese/"))
    worst = max(worst, p95)
    print(f"{'synthèse (élu d Arras)':<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    print(f"worst p95: {worst:.1f} ms (target < 150 ms)")
    print(
        f"uplink -> alert stored (ingest + listener, in process): {uplink_to_alert(admin, arras)}"
    )


if __name__ == "__main__":
    main()
