"""Ingestion: the write path of machine data, from network-server events to readings and
rollups. It is the service behind the HTTP integrations, the MQTT consumer, the simulator and
replays, and it works in batches: one transaction and a handful of statements for hundreds
of uplinks, which is what makes thousands of uplinks per second possible on SQLite.

Readings are data, not changes made by a person: they are not written to the audit log
(registering a device, configuring an integration or replaying the quarantine are).

Exactly-once: the raw archive has a unique (source, dedup_key); an event whose key is already
there changes nothing. Readings have a unique (series, at), and rollups only count readings
that were actually inserted, so a redelivered message never counts twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from territoire.sensors import listeners
from territoire.sensors.codecs import get_codec
from territoire.sensors.codecs.base import DecodeError, Kind
from territoire.sensors.downlinks import downlink_feedback
from territoire.sensors.integrations.chirpstack import parse_chirpstack
from territoire.sensors.integrations.events import OtherEvent, StatusEvent, Uplink
from territoire.sensors.integrations.tts import parse_tts
from territoire.sensors.models import (
    Device,
    Integration,
    RawUplink,
    Reading,
    Series,
    Source,
    UplinkState,
)
from territoire.sensors.rollups import Places, add_to_buckets, roll_up_buckets
from territoire.sensors.sql import (
    aware,
    db_datetime_converter,
    insert_returning,
    select_rows,
    update_rows,
)

# Device counters are unsigned 32-bit: a drop from near the top is a rollover, any other
# drop is a reset (rejoin, battery change) and the new value is what was counted since.
COUNTER_WRAP = 2**32

Event = Uplink | StatusEvent | OtherEvent


# What ingestion reads and updates of devices and series, as plain objects: model instances
# cost more to build and to read than the SELECT that fetches them (docs/benchmarks.md).
@dataclass(slots=True)
class DeviceState:
    id: int
    dev_eui: str
    tts_device_id: str
    commune_id: int
    model: str
    last_seen_at: datetime | None
    battery: float | None
    rssi: float | None
    snr: float | None
    gateway_id: str


@dataclass(slots=True)
class SeriesState:
    id: int
    device_id: int
    quantity: str
    kind: str
    last_at: datetime | None
    last_value: float | None


_DEVICE_COLUMNS = ", ".join(f.name for f in fields(DeviceState))
_SERIES_COLUMNS = ", ".join(f.name for f in fields(SeriesState))


@dataclass
class BatchReport:
    received: int = 0
    duplicates: int = 0
    stored: int = 0
    quarantined: int = 0
    unregistered: int = 0
    ignored: int = 0
    readings: int = 0

    def add(self, other: BatchReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Item:
    """One event on its way through the pipeline."""

    event: Event
    body: dict | str  # as parsed, or its JSON text as received
    raw_id: int | None = None  # set when replaying an archived uplink
    device: DeviceState | None = None
    state: str = UplinkState.STORED
    reason: str = ""
    new: bool = False  # archived now (not a redelivery)
    at_db: Any = None  # the event's instant as handed to the database, once converted
    readings: int = 0
    values: dict[str, float] = field(default_factory=dict)


def ingest(integration: Integration, events: Sequence[tuple[Event, dict | str]]) -> BatchReport:
    """Archive, decode and store a batch of (event, body) from one integration; the body is
    the parsed JSON or, better, its text as received (archived as is)."""
    job = _Job(integration, [_Item(event, body) for event, body in events])
    if job.items:
        _run([job])
    return job.report


def ingest_shared(
    integration: Integration, events: Sequence[tuple[Event, dict | str]]
) -> BatchReport:
    """Like ``ingest``, for callers that each bring a few events at the same time (the HTTP
    integration's concurrent requests): their events are committed together in one
    transaction, which costs little more than one alone (group commit)."""
    job = _Job(integration, [_Item(event, body) for event, body in events])
    if job.items:
        _GROUP.submit(job)
    return job.report


@dataclass
class _Job:
    integration: Integration
    items: list[_Item]
    report: BatchReport = field(default_factory=BatchReport)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def _run(jobs: list[_Job]) -> None:
    """One transaction for the jobs' events: archive each job's, then store them all."""
    with _writer(), transaction.atomic():
        new: list[_Item] = []
        for job in jobs:
            _resolve(job.integration, job.items)
            job_new = _archive(job.integration, job.items)
            job.report.received = len(job.items)
            job.report.duplicates = len(job.items) - len(job_new)
            new.extend(job_new)
        _store(new)
    for job in jobs:
        job.report.add(_counts(job.items))


class _GroupCommit:
    """Leader/follower group commit. Each caller queues its job; whoever gets the leader lock
    runs every queued job in one transaction and wakes their callers."""

    def __init__(self) -> None:
        self._queue: list[_Job] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

    def submit(self, job: _Job) -> None:
        with self._queue_lock:
            self._queue.append(job)
        while not job.done.is_set():
            if not self._leader.acquire(timeout=0.005):
                continue
            try:
                with self._queue_lock:
                    jobs, self._queue = self._queue, []
                if jobs:
                    try:
                        _run(jobs)
                    except BaseException as exc:  # each caller gets the batch's failure
                        for other in jobs:
                            other.error = exc
                    for other in jobs:
                        other.done.set()
            finally:
                self._leader.release()
        if job.error is not None:
            raise job.error


_GROUP = _GroupCommit()


# SQLite has one writer at a time and makes the others sleep and retry (sleeps of up to
# 100 ms). Writers queue instead: threads of a process on a lock, processes (several web
# workers, a consumer) on an advisory lock on a file beside the database, which wakes the
# next writer as soon as the previous one commits.
_SQLITE_WRITER = threading.Lock()


@contextmanager
def _sqlite_writer() -> Iterator[None]:
    with _SQLITE_WRITER:
        path = f"{connection.settings_dict['NAME']}.writer-lock"
        with open(path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def _writer():
    return _sqlite_writer() if connection.vendor == "sqlite" else nullcontext()


def parse_archived(raw: RawUplink) -> Event:
    """The event of an archived message, parsed again from the body as received."""
    if raw.source == Source.CHIRPSTACK:
        return parse_chirpstack(raw.kind, raw.body, now=raw.received_at)
    return parse_tts(raw.body, now=raw.received_at)


def replay(raw_uplinks: Iterable[RawUplink], parse=parse_archived) -> BatchReport:
    """Process archived uplinks again (after a device is registered or a codec fixed)."""
    report = BatchReport()
    by_integration: dict[int, list[_Item]] = defaultdict(list)
    integrations: dict[int, Integration] = {}
    for raw in raw_uplinks:
        if raw.kind == "unreadable":
            continue  # kept as received for people to read; there is nothing to parse again
        item = _Item(parse(raw), raw.body, raw_id=raw.pk, new=True)
        by_integration[raw.integration_id].append(item)
        integrations[raw.integration_id] = raw.integration
    with _writer(), transaction.atomic():
        for integration_id, items in by_integration.items():
            report.received += len(items)
            _resolve(integrations[integration_id], items)
            for item in items:
                RawUplink.objects.filter(pk=item.raw_id or 0).update(
                    state=item.state,
                    reason=item.reason[:255],
                    device_id=item.device.id if item.device else None,
                )
            _store(items)
            report.add(_counts(items))
    return report


MAX_KEPT_BYTES = 65536


def quarantine_unreadable(integration: Integration, raw: bytes, reason: str) -> None:
    """Keep a body that could not even be parsed, so that nothing received is lost."""
    digest = hashlib.sha256(raw).hexdigest()
    RawUplink.objects.get_or_create(
        source=integration.source,
        dedup_key=f"unreadable:{digest}",
        defaults={
            "integration": integration,
            "dev_eui": "",
            "kind": "unreadable",
            "received_at": timezone.now(),
            "payload": raw[:MAX_KEPT_BYTES],
            "body": {},
            "state": UplinkState.QUARANTINED,
            "reason": reason[:255],
        },
    )


# --- the steps --------------------------------------------------------------------------


def _resolve(integration: Integration, items: list[_Item]) -> None:
    """Find each event's device and decode its payload; set the state it will be kept in."""
    eui = list({item.event.dev_eui for item in items if item.event.dev_eui})
    devices = {d.dev_eui: d for d in devices_by("dev_eui", eui)}
    # TTS names some events by device_id only (no DevEUI).
    names = list({getattr(i.event, "device_id", "") for i in items if not i.event.dev_eui} - {""})
    by_name = {d.tts_device_id: d for d in devices_by("tts_device_id", names)}
    for item in items:
        device = devices.get(item.event.dev_eui) or by_name.get(
            getattr(item.event, "device_id", "")
        )
        if device is None:
            item.state = UplinkState.UNREGISTERED
            item.reason = "Capteur inconnu : à enregistrer"
            continue
        if integration.commune_id and device.commune_id != integration.commune_id:
            item.state = UplinkState.QUARANTINED
            item.reason = "Ce capteur appartient à une autre commune que cette intégration"
            continue
        item.device = device
        event = item.event
        if not isinstance(event, Uplink):
            item.state = UplinkState.IGNORED
            continue
        try:
            item.values = {
                k: float(v)
                for k, v in get_codec(device.model).decode(event.f_port, event.payload).items()
            }
        except KeyError:
            item.state = UplinkState.QUARANTINED
            item.reason = f"Modèle de capteur sans décodeur : {device.model}"
        except DecodeError as exc:
            item.state = UplinkState.QUARANTINED
            item.reason = f"Décodage impossible : {exc}"[:255]
        else:
            bad = [k for k, v in item.values.items() if not math.isfinite(v)]
            if bad:
                item.state = UplinkState.QUARANTINED
                item.reason = f"Valeur non finie : {', '.join(bad)}"
            elif not item.values:
                item.state = UplinkState.IGNORED


def _archive(integration: Integration, items: list[_Item]) -> list[_Item]:
    """Insert the raw events; return the items that were new (the others are redeliveries)."""
    # Here and below, "id" rather than "pk": "pk" is a property that looks the primary key's
    # name up at every access, a dozen times per uplink.
    rows = []
    to_db = db_datetime_converter()
    for item in items:
        event = item.event
        item.at_db = to_db(event.received_at)  # its readings' instant too (_store)
        rows.append(
            (
                event.source,
                _dedup_key(event),
                integration.id,
                event.dev_eui,
                item.device.id if item.device else None,
                _kind(event),
                item.at_db,
                getattr(event, "f_port", 0),
                getattr(event, "f_cnt", 0),
                getattr(event, "payload", b""),
                # The body as received when we have its text: no second serialisation.
                item.body if isinstance(item.body, str) else json.dumps(item.body),
                item.state,
                item.reason[:255],
            )
        )
    inserted = set(
        insert_returning(
            RawUplink,
            [
                "source",
                "dedup_key",
                "integration_id",
                "dev_eui",
                "device_id",
                "kind",
                "received_at",
                "f_port",
                "f_cnt",
                "payload",
                "body",
                "state",
                "reason",
            ],
            rows,
            conflict=["source", "dedup_key"],
            returning="dedup_key",
            casts={"body": "::jsonb"} if connection.vendor == "postgresql" else None,
            adapted=True,
        )
    )
    new = [item for item in items if _dedup_key(item.event) in inserted]
    for item in new:
        item.new = True
    return new


def _counts(items: list[_Item]) -> BatchReport:
    """States of the items that were new, and the readings they added."""
    report = BatchReport()
    for item in items:
        if item.new:
            setattr(report, _COUNTERS[item.state], getattr(report, _COUNTERS[item.state]) + 1)
            report.readings += item.readings
    return report


def _store(items: list[_Item]) -> None:
    """Readings, rollups, series and device health for the items that carry measurements."""
    for item in items:
        if isinstance(item.event, OtherEvent) and item.device:
            downlink_feedback(item.event.kind, item.event.data, item.event.received_at)
    measured = [item for item in items if item.state == UplinkState.STORED and item.device]
    _update_health([item for item in items if item.device])
    if not measured:
        return
    series = _series_for(measured)
    # Chronological order per series, so that counter deltas follow the device's count.
    pending: dict[int, list[tuple[datetime, float, _Item]]] = defaultdict(list)
    for item in sorted(measured, key=lambda i: i.event.received_at):
        for quantity, value in item.values.items():
            key = (item.device.id, quantity)  # type: ignore[union-attr]
            if key in series:
                pending[series[key].id].append((item.event.received_at, value, item))
    by_id = {s.id: s for s in series.values()}
    rows = []
    # What each row means, by (series, instant as the database returns it): RETURNING then
    # only says which rows were new, and nothing has to be parsed back.
    candidates: dict[tuple[int, Any], tuple[int, datetime, float, float | None]] = {}
    owner: dict[tuple[int, Any], _Item] = {}
    to_db = db_datetime_converter()
    for series_id, points in pending.items():
        current = by_id[series_id]
        for at, value, item in points:
            delta = None
            if current.kind == Kind.COUNTER:
                delta = _counter_delta(current.last_value, value, current.last_at, at)
            at_db = item.at_db if item.at_db is not None else to_db(at)
            rows.append((series_id, at_db, value, delta))
            candidates[(series_id, at_db)] = (series_id, at, value, delta)
            owner[(series_id, at_db)] = item
            if current.last_at is None or at >= current.last_at:
                current.last_at, current.last_value = at, value
    inserted = insert_returning(
        Reading,
        ["series_id", "at", "value", "delta"],
        rows,
        conflict=["series_id", "at"],
        # As stored text on SQLite (no datetime converter), as is on PostgreSQL.
        returning=("series_id", "CAST(at AS TEXT)" if connection.vendor == "sqlite" else "at"),
        adapted=True,
    )
    for key in inserted:
        owner[key].readings += 1
    stored = [candidates[(series_id, at)] for series_id, at in inserted]
    communes = {item.device.id: item.device.commune_id for item in measured if item.device}
    places = {s.id: (communes[s.device_id], s.quantity) for s in by_id.values()}
    _roll_up(stored, by_id, places)
    if listeners.has_listeners() and stored:
        news = [listeners.StoredReading(*row) for row in stored]
        transaction.on_commit(lambda: listeners.notify(news))
    update_rows(
        Series,
        ["last_at", "last_value"],
        [(s.last_at, s.last_value, s.id) for s in by_id.values() if s.id in pending],
    )


_COUNTERS: dict[str, str] = {
    UplinkState.STORED: "stored",
    UplinkState.QUARANTINED: "quarantined",
    UplinkState.UNREGISTERED: "unregistered",
    UplinkState.IGNORED: "ignored",
}


def _counter_delta(
    previous: float | None, value: float, previous_at: datetime | None, at: datetime
) -> float | None:
    """Increase of a cumulative counter since the previous reading. None for the first
    reading and for a late reading older than the last one (its increase is unknown)."""
    if previous is None or previous_at is None or at <= previous_at:
        return None
    if value >= previous:
        return value - previous
    if previous > COUNTER_WRAP * 0.9:
        return value + COUNTER_WRAP - previous  # rollover of a 32-bit counter
    return value  # reset: counting started again from zero


def devices_by(column: str, values: list[str]) -> list[DeviceState]:
    """The devices whose ``column`` (dev_eui or tts_device_id) is one of ``values``."""
    if not values:
        return []
    rows = select_rows(
        f"SELECT {_DEVICE_COLUMNS} FROM {Device._meta.db_table} WHERE {column} IN ({{}})", values
    )
    return [
        DeviceState(
            id=row[0],
            dev_eui=row[1],
            tts_device_id=row[2],
            commune_id=row[3],
            model=row[4],
            last_seen_at=aware(row[5]),
            battery=row[6],
            rssi=row[7],
            snr=row[8],
            gateway_id=row[9],
        )
        for row in rows
    ]


def _series_for(items: list[_Item]) -> dict[tuple[int, str], SeriesState]:
    """The series of every (device, quantity) in the batch, created when new."""
    devices = {item.device.id: item.device for item in items if item.device}
    ids = list(devices)

    def load() -> dict[tuple[int, str], SeriesState]:
        rows = select_rows(
            f"SELECT {_SERIES_COLUMNS} FROM {Series._meta.db_table} WHERE device_id IN ({{}})",
            ids,
        )
        return {
            (row[1], row[2]): SeriesState(
                id=row[0],
                device_id=row[1],
                quantity=row[2],
                kind=row[3],
                last_at=aware(row[4]),
                last_value=row[5],
            )
            for row in rows
        }

    existing = load()
    missing = []
    wanted = {(item.device.id, q) for item in items if item.device for q in item.values}
    for device_id, quantity in wanted - existing.keys():
        codec = get_codec(devices[device_id].model)
        declared = {q.name: q for q in codec.quantities}
        if quantity not in declared:
            continue  # a codec returning an undeclared name is a codec bug; tests prevent it
        q = declared[quantity]
        missing.append(
            Series(
                device_id=device_id, quantity=q.name, label=q.label, unit=q.unit, kind=str(q.kind)
            )
        )
    if missing:
        Series.objects.bulk_create(missing, ignore_conflicts=True)
        existing = load()
    return existing


def _roll_up(
    inserted: list[tuple[Any, ...]], series: dict[int, SeriesState], places: Places
) -> None:
    """Add the inserted readings to their hourly and daily rollups (additive upsert)."""
    points: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for series_id, at, value, delta in inserted:
        if series[series_id].kind == Kind.COUNTER:
            if delta is None:
                continue
            value = delta
        points[series_id].append((at, value))
    buckets: dict[tuple[int, str, datetime], list[float]] = {}
    for series_id, run in points.items():
        add_to_buckets(buckets, series_id, series[series_id].kind, run)
    roll_up_buckets(buckets, places)


def _update_health(items: list[_Item]) -> None:
    """Last seen, battery and radio quality of each device, from its latest event."""
    latest: dict[int, _Item] = {}
    for item in items:
        device = item.device
        assert device is not None
        if device.id not in latest or item.event.received_at > latest[device.id].event.received_at:
            latest[device.id] = item
    changed = []
    for item in latest.values():
        device, event = item.device, item.event
        assert device is not None
        if device.last_seen_at and event.received_at < device.last_seen_at:
            continue
        device.last_seen_at = event.received_at
        if "battery" in item.values:
            device.battery = item.values["battery"]
        if isinstance(event, StatusEvent) and event.battery_level is not None:
            device.battery = event.battery_level
        radio = getattr(event, "radio", ())
        if radio:
            best = max(radio, key=lambda r: r.rssi if r.rssi is not None else -1e9)
            device.rssi, device.snr, device.gateway_id = best.rssi, best.snr, best.gateway_id
        changed.append(device)
    update_rows(
        Device,
        ["last_seen_at", "battery", "rssi", "snr", "gateway_id"],
        [(d.last_seen_at, d.battery, d.rssi, d.snr, d.gateway_id, d.id) for d in changed],
    )


def _dedup_key(event: Event) -> str:
    key = getattr(event, "dedup_key", None)
    if key:
        return str(key)[:120]
    # Events without a key of their own (status, join…) are kept once per device and instant.
    return f"{_kind(event)}:{event.dev_eui}:{event.received_at.isoformat()}"[:120]


def _kind(event: Event) -> str:
    if isinstance(event, Uplink):
        return "up"
    if isinstance(event, StatusEvent):
        return "status"
    return event.kind[:16]


__all__ = ["BatchReport", "ingest", "replay", "timedelta"]
