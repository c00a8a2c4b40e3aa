"""Sensor hub benchmarks: MQTT end-to-end ingestion against a bare subscriber on the same
broker, and the HTTP integration under concurrent clients.

Run with `make bench` (or `.venv/bin/python bench/bench_sensors.py`). A private Mosquitto
(territoire.sensors.testing.mosquitto) and a fresh SQLite file are used, or
TERRITOIRE_DATABASE_URL if set. Both measurements drain messages the broker already holds
for a persistent session, so the publisher's own speed does not enter the figures.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="territoire-bench-")
os.environ.setdefault("TERRITOIRE_DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("TERRITOIRE_VAR_DIR", TMP)
os.environ["TERRITOIRE_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

import paho.mqtt.client as mqtt  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from territoire.core.models import Commune, Membership, Role, User  # noqa: E402
from territoire.core.services import territory_load  # noqa: E402
from territoire.sensors import services  # noqa: E402
from territoire.sensors.consumer import Consumer, settle_memory, topic_of  # noqa: E402
from territoire.sensors.models import RawUplink  # noqa: E402
from territoire.sensors.testing import Broker, free_port  # noqa: E402

# Per round. Enough messages for a sustained rate: with batches of 2,000, filling and draining
# the pipeline (the first batch read with nothing stored meanwhile, the last stored with
# nothing read) is a few percent of the round, not a quarter of it as with 30,000 in all.
MESSAGES = int(os.environ.get("BENCH_MQTT_MESSAGES", "50000"))
HTTP_REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "3000"))
HTTP_CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "8"))
HTTP_WORKERS = os.environ.get("BENCH_HTTP_WORKERS", "2")
DEVICES = 100
# The consumer's batch and the broker's in-flight window, as docs/sensors.md advises for a
# backlog: the window holds three batches (two with the writer, one being read;
# territoire.sensors.consumer), and the broker, with this window, is the bare subscriber's
# too. What a batch costs grows with the devices and series it touches (lookups, rollups,
# health), here all 100 devices whatever its size: larger batches spread that cost.
CONSUMER_BATCH = int(os.environ.get("BENCH_CONSUMER_BATCH", "2000"))
BROKER_INFLIGHT = int(os.environ.get("BENCH_BROKER_INFLIGHT", str(3 * CONSUMER_BATCH)))
MQTT_ONLY = os.environ.get("BENCH_MQTT_ONLY") == "1"  # skip the HTTP part
ROUNDS = int(os.environ.get("BENCH_MQTT_ROUNDS", "5"))
PROFILE = os.environ.get("BENCH_PROFILE")  # file to write a cProfile of the consumer to


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) another process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def frame(pulses: int) -> str:
    payload = bytes([0x01, 0x75, 90, 0x05, 0xC8]) + struct.pack("<I", pulses)
    return base64.b64encode(payload).decode()


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def uplink(dev_eui: str, n: int, tag: str) -> dict:
    return {
        "deduplicationId": f"{tag}-{dev_eui}-{n}",
        "time": (T0 + timedelta(minutes=15 * n)).isoformat().replace("+00:00", "Z"),
        "deviceInfo": {"devEui": dev_eui, "applicationId": "bench"},
        "fCnt": n,
        "fPort": 85,
        "data": frame(1000 + 7 * n),
    }


def open_session(host, port, client_id, topic):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.connect(host, port)
    client.loop_start()
    client.subscribe(topic, qos=1)
    time.sleep(0.3)
    client.loop_stop()
    client.disconnect()


def publish(host, port, messages):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{time.time()}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    # In chunks: paho's message ids wrap at 65,535, so no more may be outstanding at once.
    for start in range(0, len(messages), 5000):
        infos = [client.publish(t, p, qos=1) for t, p in messages[start : start + 5000]]
        for info in infos:
            info.wait_for_publish(timeout=120)
    client.loop_stop()
    client.disconnect()


def bare_subscriber_rate(host, port, count, *, client_id: str) -> float:
    """Messages per second the broker delivers to a subscriber that does nothing."""
    received = threading.Event()
    state = {"n": 0, "first": 0.0, "last": 0.0}

    def on_message(client, userdata, message):
        if state["n"] == 0:
            state["first"] = time.perf_counter()
        state["n"] += 1
        if state["n"] == count:
            state["last"] = time.perf_counter()
            received.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.on_message = on_message
    start = time.perf_counter()
    client.connect(host, port)
    client.loop_start()
    received.wait(timeout=300)
    client.loop_stop()
    client.disconnect()
    return count / (state["last"] - start)


WRK_CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "16"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
# Each wrk thread numbers its requests; the body is a ChirpStack uplink of one of the bench
# devices with a unique deduplicationId and its own 15-minute slot.
WRK_SCRIPT = """
local devices = {%(devices)s}
local counter = 0
thread_id = 0  -- a global: setup() gives each thread its own
local base = %(base)d
function setup(thread) thread:set("thread_id", %(next_id)s) end
function request()
  counter = counter + 1
  local device = devices[(counter %% #devices) + 1]
  local n = 100000 + thread_id * 1000000 + math.floor(counter / #devices)
  local body = string.format('{"deduplicationId": "wrk-%%d-%%d", "time": "%%s", '
    .. '"deviceInfo": {"devEui": "%%s", "applicationId": "bench"}, "fCnt": %%d, '
    .. '"fPort": 85, "data": "%(data)s"}',
    thread_id, counter, os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", base + n * 900), device, n %% 65536)
  return wrk.format("POST", nil, nil, body)
end
"""


def wrk_rate(port: int, secret: str, euis: list[str]) -> tuple[float, int, int, int]:
    """Uplinks per second through the HTTP integration under wrk, a load generator in C, so
    that the clients do not take the server's CPU; checked against what was archived."""
    script = Path(TMP) / "uplinks.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "devices": ", ".join(f'"{eui}"' for eui in euis),
            "base": int(T0.timestamp()),
            "next_id": "(function() _G.ids = (_G.ids or 0) + 1; return _G.ids end)()",
            "data": frame(1000),
        }
    )
    before = RawUplink.objects.count()
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{WRK_CONNECTIONS}",
            f"-d{WRK_SECONDS}s",
            "-s",
            str(script),
            "-H",
            "Content-Type: application/json",
            "-H",
            f"Authorization: Bearer {secret}",
            f"http://127.0.0.1:{port}/api/v1/sensors/ingest/chirpstack?event=up",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    failures_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    stored = RawUplink.objects.count() - before
    return rate, requests, stored, int(failures_match.group(1)) if failures_match else 0


def main() -> None:
    call_command("migrate", verbosity=0)
    territory_load(actor=None)
    arras = Commune.objects.get(insee_code="62041")
    admin = User.objects.create_user(email="admin@arras.fr", password="x")
    Membership.objects.create(user=admin, role=Role.COMMUNE_ADMIN, commune=arras)
    euis = [f"70b3d5e75e{n:06x}" for n in range(DEVICES)]
    for eui in euis:
        services.device_register(
            actor=admin,
            commune=arras,
            data=services.DeviceData(dev_eui=eui, name=eui, model="milesight-em300-di"),
        )
    per_device = MESSAGES // DEVICES

    def integration_for(application: str):
        """An integration of its own topic (ChirpStack's application), and its secret."""
        found, secret = services.integration_create(
            actor=admin, name=application, source="chirpstack", commune=arras
        )
        found.mqtt_application = application
        found.save(update_fields=["mqtt_application"])
        return found, secret

    def messages_of(application: str, first: int) -> list[tuple[str, bytes]]:
        return [
            (
                f"application/{application}/device/{eui}/event/up",
                json.dumps(uplink(eui, n, application)).encode(),
            )
            for n in range(first, first + per_device)
            for eui in euis
        ]

    # Each round: a bare subscriber drains the round's messages, the consumer drains the same
    # messages from its own session, then a second bare subscriber from a third: the
    # consumer is compared with the mean of the two bare rates around it, and the figure is
    # the median of the rounds' ratios. This virtual machine's speed drifts by tens of
    # percent within a minute (the bare subscriber's own CPU per message varies from 34 to 50
    # µs in one run): bracketing each consumer run in time keeps the drift out of the ratio.
    # Each round has its own topic and later uplinks of the same devices, as a live network
    # would send them.
    rounds = [integration_for(f"bench-{k}") for k in range(ROUNDS)]
    secret = rounds[0][1]
    round_messages = [messages_of(f"bench-{k}", k * per_device) for k in range(ROUNDS)]
    # The same consumer storing in its own process (one core, `writer_process=False`), once:
    # what the writer process brings.
    inline = integration_for("bench-inline")[0]
    inline_messages = messages_of("bench-inline", ROUNDS * per_device)
    broker = Broker(inflight=BROKER_INFLIGHT)
    broker.start()
    assert broker.process is not None
    broker_pid, host, port = broker.process.pid, broker.host, broker.port
    results = []
    try:
        for k, (integration, _) in enumerate(rounds):
            for client_id in (f"bare-{k}", f"consumer-{k}", f"bare-after-{k}"):
                open_session(host, port, client_id, topic_of(integration))
        open_session(host, port, "consumer-inline", topic_of(inline))
        # Queued for the persistent sessions: the publisher's speed is not measured.
        publish(host, port, [m for batch in round_messages for m in batch] + inline_messages)
        # As the sensors_consume command does once started; before all measurements, so that
        # the bare subscriber, in this same process, has the same garbage collection.
        settle_memory()
        load_before = os.getloadavg()[0]
        profiler = None
        for k, (integration, _) in enumerate(rounds):
            count = len(round_messages[k])
            cpu, broker_cpu = time.process_time(), process_cpu(broker_pid)
            bare = bare_subscriber_rate(host, port, count, client_id=f"bare-{k}")
            bare_cpu = time.process_time() - cpu
            bare_broker_cpu = process_cpu(broker_pid) - broker_cpu
            consumer = Consumer(
                integration,
                host=host,
                port=port,
                client_id=f"consumer-{k}",
                batch_size=CONSUMER_BATCH,
            )
            # Its writer process's start-up (a fresh interpreter importing Django, about a
            # second) is not counted, as the bare subscriber's interpreter start-up is not.
            consumer.start_writer()
            if PROFILE and k == 0:  # a cProfile of one consumer run (slower: not a figure)
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            start = time.perf_counter()
            cpu, broker_cpu = time.process_time(), process_cpu(broker_pid)
            stats = consumer.run(max_messages=count, idle_timeout=30)
            rate = stats.messages / (time.perf_counter() - start)
            reader_cpu, writer_cpu = time.process_time() - cpu, stats.writer_cpu
            consumer_broker_cpu = process_cpu(broker_pid) - broker_cpu
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(PROFILE)
                profiler = None
            after = bare_subscriber_rate(host, port, count, client_id=f"bare-after-{k}")
            results.append(
                {
                    "bare": (bare + after) / 2,
                    "bare_before": bare,
                    "bare_after": after,
                    "rate": rate,
                    "batches": stats.batches,
                    "per": 1e6 / count,
                    "bare_cpu": bare_cpu,
                    "reader_cpu": reader_cpu,
                    "writer_cpu": writer_cpu,
                    "bare_broker_cpu": bare_broker_cpu,
                    "consumer_broker_cpu": consumer_broker_cpu,
                }
            )
        single = Consumer(
            inline,
            host=host,
            port=port,
            client_id="consumer-inline",
            batch_size=CONSUMER_BATCH,
            writer_process=False,
        )
        start, cpu = time.perf_counter(), time.process_time()
        single_stats = single.run(max_messages=len(inline_messages), idle_timeout=30)
        single_rate = single_stats.messages / (time.perf_counter() - start)
        single_cpu = time.process_time() - cpu
        load_after = os.getloadavg()[0]
    finally:
        broker.remove()
    stored = RawUplink.objects.count()
    assert stored == (ROUNDS + 1) * per_device * DEVICES, "every message stored"
    print(
        f"database: {connection.vendor}; {ROUNDS} rounds of {MESSAGES:,} MQTT messages, "
        f"{DEVICES} devices, batches of {CONSUMER_BATCH:,}, broker window {BROKER_INFLIGHT:,}"
    )
    for k, r in enumerate(results, 1):
        per = r["per"]
        print(
            f"round {k}: bare subscriber (same broker, QoS 1) {r['bare']:,.0f} msg/s (before "
            f"{r['bare_before']:,.0f}, after {r['bare_after']:,.0f}); consumer end to end "
            f"(decode, store, rollups, commit, ack) {r['rate']:,.0f} uplinks/s; "
            f"ratio {r['rate'] / r['bare']:.2f} ({r['batches']} batches). CPU per message: bare "
            f"subscriber {r['bare_cpu'] * per:.0f} µs; consumer process "
            f"{r['reader_cpu'] * per:.0f} µs + writer process {r['writer_cpu'] * per:.0f} µs; "
            f"broker {r['bare_broker_cpu'] * per:.0f} µs to the bare subscriber, "
            f"{r['consumer_broker_cpu'] * per:.0f} µs to the consumer"
        )
    ratios = sorted(r["rate"] / r["bare"] for r in results)
    median = ratios[len(ratios) // 2]
    middle = next(r for r in results if r["rate"] / r["bare"] == median)
    print(
        f"median round: bare subscriber {middle['bare']:,.0f} msg/s, consumer end to end "
        f"{middle['rate']:,.0f} uplinks/s; ratio {median:.2f} (rounds: "
        f"{', '.join(f'{x:.2f}' for x in ratios)})"
    )
    print(
        f"same, storing in the consumer's own process (no writer process), once: "
        f"{single_rate:,.0f} uplinks/s; {single_cpu * 1e6 / len(inline_messages):.0f} µs CPU "
        f"per message; ratio {single_rate / middle['bare']:.2f} against the median round's "
        "bare subscriber"
    )
    print(f"load average (1 min) before/after the MQTT part: {load_before:.1f}/{load_after:.1f}")
    sys.stdout.flush()
    if MQTT_ONLY:
        return

    # HTTP integration: a granian server on the same database, concurrent keep-alive clients.
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            HTTP_WORKERS,
            "--blocking-threads",
            "8",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import http.client

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        bodies = [
            json.dumps(uplink(euis[n % DEVICES], 10_000 + n // DEVICES, "http"))
            for n in range(HTTP_REQUESTS)
        ]
        errors: list[int] = []

        def client(part: list[str]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for body in part:
                conn.request(
                    "POST",
                    "/api/v1/sensors/ingest/chirpstack?event=up",
                    body,
                    {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
                )
                response = conn.getresponse()
                if response.status == 200:
                    response.read()
                if response.status != 200:
                    errors.append(response.status)
                    if len(errors) == 1:
                        print("first HTTP error:", response.status, response.read()[:300])

        threads = [
            threading.Thread(target=client, args=(bodies[i::HTTP_CLIENTS],))
            for i in range(HTTP_CLIENTS)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        http_rate = HTTP_REQUESTS / (time.perf_counter() - start)
        wrk_result = wrk_rate(port, secret, euis) if shutil.which("wrk") else None
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(
        f"HTTP integration, granian {HTTP_WORKERS} worker(s), {HTTP_CLIENTS} concurrent clients, "
        f"{HTTP_REQUESTS:,} requests: {http_rate:,.0f} uplinks/s ({len(errors)} errors); "
        "the clients are Python threads on the same two cores"
    )
    if wrk_result:
        rate, requests, stored, failures = wrk_result
        print(
            f"HTTP integration under wrk ({WRK_CONNECTIONS} connections, C load generator): "
            f"{rate:,.0f} uplinks/s; {requests:,} requests, {stored:,} archived, "
            f"{failures} non-2xx"
        )
    else:
        print("wrk not installed (apt-get install wrk): the C load generator was skipped")


if __name__ == "__main__":
    main()
