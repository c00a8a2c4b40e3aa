"""Simulated LoRaWAN traffic of the demo devices (see territoire/sensors/simulator/).

``--backfill-days N`` fills the last N days fast, straight into ``ingest`` in batches (the
part already simulated is skipped unless ``--full``); ``--realtime`` then keeps sending the
current readings, in-process by default, or like a network server would: through the HTTP
integration (``--http``) or an MQTT broker (``--mqtt``). SIGINT and SIGTERM stop it between
two batches, so everything sent is stored completely.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.db.models import Min
from django.utils import timezone

from territoire.sensors import ingest
from territoire.sensors.integrations.chirpstack import parse_chirpstack
from territoire.sensors.management.commands.seed_sensors_demo import (
    demo_file_path,
    demo_integrations,
    read_demo_file,
)
from territoire.sensors.models import Device, DeviceStatus, Integration, RawUplink, Source
from territoire.sensors.simulator import (
    DEFAULT_SEED,
    DEMO_DEVICES,
    LEAK_METER,
    PARIS,
    Scenario,
    SimDevice,
    Simulator,
    application_id,
    demo_sim_devices,
    leak_start_for,
)

Uplinks = Sequence[tuple[str, dict[str, Any]]]
INGEST_PATH = "/api/v1/sensors/ingest/chirpstack"
# Devices that only speak on change: their last message says nothing about how far the
# previous run went, so they are left out when finding where to resume.
EVENT_PROFILES = frozenset({"parking", "leak_detector"})
RESUME_MARGIN = timedelta(hours=1)


class Sender(Protocol):
    def push(self, uplinks: Uplinks) -> str:
        """Send; a line saying what happened."""

    def waiting(self) -> int:
        """Messages kept for a later attempt."""

    def close(self) -> None: ...


class InProcessSender:
    """Straight into ``ingest``, one call per integration, as the HTTP endpoint would."""

    def __init__(self, integrations: dict[str, Integration]):
        self.integrations = integrations  # by DevEUI

    def send(self, uplinks: Uplinks) -> ingest.BatchReport:
        now = timezone.now()
        groups: dict[int, list[tuple[Any, dict[str, Any]]]] = defaultdict(list)
        by_id: dict[int, Integration] = {}
        for dev_eui, body in uplinks:
            integration = self.integrations[dev_eui]
            by_id[integration.pk] = integration
            groups[integration.pk].append((parse_chirpstack("up", body, now=now), body))
        report = ingest.BatchReport()
        # One commit for the whole batch rather than one per integration: on SQLite the
        # commit is a good part of the cost of a batch.
        with transaction.atomic():
            for integration_id, events in groups.items():
                report.add(ingest.ingest(by_id[integration_id], events))
        # With DEBUG on (make run), Django keeps the text of the last 9,000 queries, and a
        # batch insert carries whole message bodies: tens of MB held for nothing in a backfill.
        reset_queries()
        return report

    def push(self, uplinks: Uplinks) -> str:
        report = self.send(uplinks)
        return f"{report.received} message(s), {report.stored} enregistré(s)"

    def waiting(self) -> int:
        return 0

    def close(self) -> None:
        pass


Post = Callable[[str, str, bytes], int]


def urllib_post(url: str, token: str, payload: bytes, timeout: float = 10) -> int:
    """POST a JSON body with a bearer token; the HTTP status (errors included)."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked at start-up
        url,
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class HttpSender:
    """Through the platform's ChirpStack HTTP integration, one POST per event, with the
    secret of the device's commune. Messages the server cannot take yet (not started,
    restarting, 5xx) wait for the next cycle; a refused message (4xx) is reported and dropped."""

    MAX_PENDING = 20_000

    def __init__(
        self,
        url: str,
        secrets: dict[str, str],
        *,
        post: Post = urllib_post,
        warn: Callable[[str], None] = print,
    ):
        self.url = url
        self.secrets = secrets  # by DevEUI
        self.post = post
        self.warn = warn
        self.pending: deque[tuple[str, dict[str, Any]]] = deque(maxlen=self.MAX_PENDING)
        self.refused = 0

    def send(self, uplinks: Uplinks) -> int:
        self.pending.extend(uplinks)
        sent = 0
        while self.pending:
            dev_eui, body = self.pending[0]
            payload = json.dumps(body).encode()
            try:
                status = self.post(self.url, self.secrets[dev_eui], payload)
            except OSError as exc:
                self.warn(
                    f"Serveur injoignable ({exc}) : {len(self.pending)} message(s) en attente."
                )
                break
            if status >= 500:
                self.warn(
                    f"Erreur {status} du serveur : {len(self.pending)} message(s) en attente."
                )
                break
            self.pending.popleft()
            if status >= 400:
                self.refused += 1
                self.warn(f"Message de {dev_eui} refusé (HTTP {status}).")
            else:
                sent += 1
        return sent

    def push(self, uplinks: Uplinks) -> str:
        sent = self.send(uplinks)
        waiting = f", {len(self.pending)} en attente" if self.pending else ""
        return f"{sent} message(s) envoyé(s) en HTTP{waiting}"

    def waiting(self) -> int:
        return len(self.pending)

    def close(self) -> None:
        if self.pending:
            self.warn(f"{len(self.pending)} message(s) non envoyé(s) à l'arrêt.")


class MqttSender:
    """Published like ChirpStack's MQTT integration does, on
    ``application/{APPLICATION_ID}/device/{DEV_EUI}/event/up`` at QoS 1."""

    def __init__(self, host: str, port: int, applications: dict[str, str]):
        self.applications = applications  # by DevEUI
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"territoire-simulateur-{os.getpid()}",
            protocol=mqtt.MQTTv311,
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()
        self.last: mqtt.MQTTMessageInfo | None = None

    def send(self, uplinks: Uplinks) -> int:
        for dev_eui, body in uplinks:
            topic = f"application/{self.applications[dev_eui]}/device/{dev_eui}/event/up"
            # QoS 1 messages published while disconnected are queued by paho and sent on
            # (re)connection, so a broker started after the simulator loses nothing.
            self.last = self.client.publish(topic, json.dumps(body), qos=1)
        return len(uplinks)

    def push(self, uplinks: Uplinks) -> str:
        return f"{self.send(uplinks)} message(s) publié(s) en MQTT"

    def waiting(self) -> int:
        return 0

    def close(self) -> None:
        if self.last is not None and self.client.is_connected():
            self.last.wait_for_publish(timeout=10)
        self.client.loop_stop()
        self.client.disconnect()


class Command(BaseCommand):
    help = (
        "Simulate the demo devices' LoRaWAN traffic: --backfill-days N (fast, in-process) "
        "and/or --realtime (in-process, --http URL or --mqtt HOST:PORT). Needs "
        "seed_sensors_demo first. Stops cleanly on SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backfill-days", type=float, default=0, help="Simulate the last N days first."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Backfill the whole window, even the part already simulated.",
        )
        parser.add_argument("--realtime", action="store_true", help="Keep sending readings.")
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="Realtime acceleration (simulated seconds per second); above 1 the simulated "
            "clock runs ahead of the real one.",
        )
        parser.add_argument(
            "--http", default=None, metavar="URL", help="Realtime through the HTTP integration"
        )
        parser.add_argument(
            "--mqtt", default=None, metavar="HOST:PORT", help="Realtime through an MQTT broker"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--duration", type=float, default=None, help="Stop realtime after N real seconds."
        )
        parser.add_argument("--demo-file", default=None, help="Secrets (var/sensors-demo.json).")

    def handle(self, *args, **options):
        if not options["backfill_days"] and not options["realtime"]:
            raise CommandError("Précisez --backfill-days N, --realtime, ou les deux.")
        if options["http"] and options["mqtt"]:
            raise CommandError("Choisissez --http ou --mqtt, pas les deux.")
        if options["speed"] <= 0 or options["batch_size"] < 1 or options["backfill_days"] < 0:
            raise CommandError("--speed, --batch-size et --backfill-days doivent être positifs.")
        devices = list(
            Device.objects.filter(dev_eui__in=[d.dev_eui for d in DEMO_DEVICES])
            .exclude(status=DeviceStatus.RETIRED)
            .select_related("commune")
        )
        if not devices:
            raise CommandError(
                "Aucun capteur de démonstration enregistré. Lancez d'abord : "
                "manage.py seed_sensors_demo"
            )
        integrations = self._integrations(devices)
        simulated = demo_sim_devices({d.dev_eui: d.reporting_interval_s for d in devices})
        present = {d.dev_eui for d in devices}
        simulated = [d for d in simulated if d.dev_eui in present]
        leak_meter = next((d for d in devices if d.dev_eui == LEAK_METER), None)
        scenario = Scenario(
            seed=options["seed"],
            leak_start=leak_start_for(leak_meter.created_at) if leak_meter else None,
        )
        simulator = Simulator(simulated, scenario)

        # Before the backfill: a missing secret or a bad address must not wait for it.
        sender = self._sender(options, integrations, simulated) if options["realtime"] else None
        stop = threading.Event()
        previous = self._trap_signals(stop)
        try:
            end = timezone.now().replace(microsecond=0)
            if options["backfill_days"]:
                start = end - timedelta(days=options["backfill_days"])
                if not options["full"]:
                    start = self._resume_point(devices, simulated, start)
                self._backfill(simulator, integrations, start, end, options["batch_size"], stop)
            if sender is not None and not stop.is_set():
                self._realtime(simulator, sender, end, options, stop)
            if stop.is_set():
                self.stdout.write("Arrêt demandé : la simulation s'est arrêtée proprement.")
        finally:
            if sender is not None:
                sender.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    # --- set-up ---------------------------------------------------------------------------

    def _integrations(self, devices: list[Device]) -> dict[str, Integration]:
        """The demo integration of each device's commune, by DevEUI."""
        communes = {d.commune_id: d.commune for d in devices}
        found = demo_integrations(list(communes.values()))
        missing = [c.name for pk, c in communes.items() if pk not in found]
        if missing:
            raise CommandError(
                f"Intégration de démonstration absente pour {', '.join(missing)}. "
                "Lancez : manage.py seed_sensors_demo"
            )
        return {d.dev_eui: found[d.commune_id] for d in devices}

    def _trap_signals(self, stop: threading.Event) -> dict[int, Any]:
        def request_stop(signum, frame):
            stop.set()

        previous: dict[int, Any] = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Only the main thread may install handlers (a test may call from another one).
            with contextlib.suppress(ValueError):
                previous[signum] = signal.signal(signum, request_stop)
        return previous

    def _resume_point(
        self, devices: list[Device], simulated: list[SimDevice], start: datetime
    ) -> datetime:
        """Where a backfill can start without redoing what a previous run stored: after the
        last message of the periodic devices, if the stored history already reaches `start`."""
        periodic = {d.dev_eui for d in simulated if d.profile not in EVENT_PROFILES}
        seen = [d.last_seen_at for d in devices if d.dev_eui in periodic]
        if not seen or any(at is None for at in seen):
            return start
        # By device, not DevEUI: (device, received_at) is the index messages are read by.
        earliest = RawUplink.objects.filter(
            source=Source.CHIRPSTACK,
            device__in=[d for d in devices if d.dev_eui in periodic],
            kind="up",
        ).aggregate(first=Min("received_at"))["first"]
        if earliest is None or earliest > start + RESUME_MARGIN:
            return start
        resume = min(at for at in seen if at is not None) - RESUME_MARGIN
        if resume > start:
            self.stdout.write(f"Déjà simulé jusqu'au {_local(resume)} : reprise à partir de là.")
            return resume
        return start

    def _sender(
        self,
        options: dict[str, Any],
        integrations: dict[str, Integration],
        simulated: list[SimDevice],
    ) -> Sender:
        if options["http"]:
            url = _ingest_url(options["http"])
            path = demo_file_path(options["demo_file"])
            stored = read_demo_file(path)["integrations"]
            secrets: dict[str, str] = {}
            for device in simulated:
                entry = stored.get(device.commune) or {}
                if not entry.get("secret") or entry.get("id") != integrations[device.dev_eui].pk:
                    raise CommandError(
                        f"Secret de l'intégration de démo de {device.commune} introuvable dans "
                        f"{path}. Sans lui, utilisez l'envoi direct (sans --http) ou --mqtt ; "
                        "ou supprimez les intégrations de démo et relancez seed_sensors_demo."
                    )
                secrets[device.dev_eui] = entry["secret"]
            return HttpSender(url, secrets, warn=self.stderr.write)
        if options["mqtt"]:
            host, _, port = options["mqtt"].rpartition(":")
            if not host or not port.isdigit():
                raise CommandError("--mqtt attend HOTE:PORT, par exemple 127.0.0.1:1883.")
            return MqttSender(
                host, int(port), {d.dev_eui: application_id(d.commune) for d in simulated}
            )
        return InProcessSender(integrations)

    # --- the two modes --------------------------------------------------------------------

    def _backfill(
        self,
        simulator: Simulator,
        integrations: dict[str, Integration],
        start: datetime,
        end: datetime,
        batch_size: int,
        stop: threading.Event,
    ) -> None:
        if start >= end:
            self.stdout.write("Rien à rattraper.")
            return
        self.stdout.write(
            f"Rattrapage du {_local(start)} au {_local(end)} "
            f"({len(simulator.devices)} capteurs, lots de {batch_size})…"
        )
        sender = InProcessSender(integrations)
        total = ingest.BatchReport()
        began = time.monotonic()
        span = (end - start).total_seconds()
        next_step = 10
        batch: list[tuple[str, dict[str, Any]]] = []

        def flush() -> None:
            nonlocal next_step
            total.add(sender.send(batch))
            done = (batch[-1][1]["time"], len(batch))
            batch.clear()
            at = datetime.fromisoformat(done[0])
            percent = 100 * (at - start).total_seconds() / span
            if percent >= next_step:
                rate = total.received / max(time.monotonic() - began, 1e-6)
                self.stdout.write(
                    f"  {int(percent):3d} % — {total.received} messages ({rate:.0f}/s)"
                )
                next_step = (int(percent) // 10 + 1) * 10

        for uplink in simulator.uplinks(start, end):
            batch.append(uplink)
            if len(batch) >= batch_size:
                flush()
                if stop.is_set():
                    break
        if batch and not stop.is_set():
            flush()
        elapsed = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Rattrapage : {total.received} messages en {elapsed:.1f} s "
                f"({total.received / max(elapsed, 1e-6):.0f}/s) — {total.stored} enregistrés, "
                f"{total.duplicates} déjà reçus, {total.quarantined} en quarantaine, "
                f"{total.readings} mesures."
            )
        )

    def _realtime(
        self,
        simulator: Simulator,
        sender: Sender,
        cursor: datetime,
        options: dict[str, Any],
        stop: threading.Event,
    ) -> None:
        speed = options["speed"]
        duration = options["duration"]
        sim_start = timezone.now()
        real_start = time.monotonic()
        self.stdout.write(
            f"Temps réel{f' (x{speed:g})' if speed != 1 else ''} à partir du "
            f"{_local(sim_start)} : Ctrl+C pour arrêter."
        )
        # Poll often enough that a device's slot is never late by more than a fraction of
        # its interval, even when accelerated.
        tick = max(0.05, min(1.0, 30 / speed))
        while not stop.is_set():
            elapsed = time.monotonic() - real_start
            now = sim_start + timedelta(seconds=elapsed * speed)
            uplinks = list(simulator.uplinks(cursor, now))
            cursor = now
            if uplinks or sender.waiting():
                self.stdout.write(f"[{_local(now)}] {sender.push(uplinks)}")
            if duration is not None and elapsed >= duration:
                break
            stop.wait(tick)


def _ingest_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommandError("--http attend une adresse http(s)://, par ex. http://127.0.0.1:8000")
    path = parts.path.rstrip("/")
    if not path.endswith("/ingest/chirpstack"):
        path += INGEST_PATH
    return f"{parts.scheme}://{parts.netloc}{path}?event=up"


def _local(at: datetime) -> str:
    return f"{at.astimezone(PARIS):%d/%m/%Y %H:%M:%S}"
