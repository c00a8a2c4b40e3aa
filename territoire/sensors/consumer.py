"""The MQTT consumer: network-server events from the broker into ``ingest``.

It subscribes at QoS 1 with a persistent session (a stable client id, clean_session off), so
the broker keeps what arrives while the consumer is down. Acknowledgements are manual and are
sent only after the batch's transaction has committed: a consumer killed at any instant
leaves its unacknowledged messages with the broker, which delivers them again, and the
archive's (source, dedup_key) makes the redelivery harmless. When the broker goes away the
consumer reconnects with an exponential backoff, and the persistent session gives it back
whatever arrived meanwhile.

Two processes share the work, one per core (docs/sensors.md, "The MQTT consumer"): this one
reads the broker, parses and acknowledges; a writer process it starts (``writer.py``) stores
each batch in one transaction and says when it has committed. There is one writer and it
takes the batches in the order they arrived, so a device's uplinks are stored in order.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt

from territoire.sensors.integrations.chirpstack import chirpstack_topic, parse_chirpstack
from territoire.sensors.integrations.events import PayloadError
from territoire.sensors.integrations.tts import parse_tts
from territoire.sensors.models import Integration, Source
from territoire.sensors.writer import InlineWriter, WriterProcess

log = logging.getLogger("territoire.sensors.consumer")

_PUBACK = struct.Struct("!BBH")  # MQTT 3.1.1 PUBACK: type 4 (0x40), remaining length 2, id
ACK_TIMEOUT = 10.0  # seconds to write a batch's acknowledgements before giving the link up

TOPICS: dict[str, str] = {
    Source.CHIRPSTACK: "application/{app}/device/+/event/+",
    Source.TTS: "v3/{app}/devices/+/up",
}


def settle_memory() -> None:
    """Once a long-running process has started, tune the cyclic garbage collector for batches.

    What start-up created (Django, the apps) lives as long as the process: it is frozen, so
    that full collections stop scanning it. And a batch allocates tens of thousands of
    short-lived objects (messages, events, rows) that reference counting frees on its own:
    collecting the youngest generation every 50,000 allocations rather than every 700 stops
    the collector from walking them over and over. Measured: about a fifth of the writer's
    time and a third of the parsing (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def topic_of(integration: Integration) -> str:
    """The integration's topic filter: its own application when known, so that consumers of
    several integrations on one broker never take each other's messages."""
    return TOPICS[integration.source].format(app=integration.mqtt_application or "+")


@dataclass
class ConsumerStats:
    batches: int = 0
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    writer_cpu: float = 0.0  # CPU seconds the writer process spent storing


class Consumer:
    """Consume one integration's topic until ``stop()`` (or ``max_messages``).

    This process's one thread reads what the socket holds (up to a batch), parses it and hands
    it to the writer process; while the writer stores it, the thread reads and parses the
    next batch, and acknowledges the first one when the writer says it is committed. paho's
    own network thread would fight this one for the GIL on every message, so there is none:
    the kernel's socket buffer does the overlapping with the broker. A batch is as large as
    what has arrived meanwhile (one message when traffic is light, full batches while a
    backlog drains).

    Up to ``ahead`` batches are with the writer at once, oldest first: while it stores one,
    the next one already waits in the pipe, so that the writer never waits for this process
    to notice its answer and send more (a full batch is handed ahead; a partial one only to
    an idle writer). The broker's ``max_inflight_messages`` must allow ``ahead + 1`` batches
    for the reading to go on meanwhile."""

    def __init__(
        self,
        integration: Integration,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        client_id: str | None = None,
        batch_size: int = 500,
        username: str | None = None,
        password: str | None = None,
        reconnect_delays: tuple[float, float] = (1.0, 30.0),
        writer_process: bool = True,
        ahead: int = 2,
    ):
        self.integration = integration
        self.batch_size = batch_size
        self.ahead = ahead
        self.stats = ConsumerStats()
        # The batch being read: each message's (id, QoS), parsed as it arrives (while the
        # writer stores the previous batch), and the unparsable ones with their reason.
        self._pending: list[tuple[int, int]] = []
        self._events: list = []
        self._unreadable: list[tuple[bytes, str]] = []
        # The batches with the writer, oldest first: their message ids, and the connection
        # they were read on (after a reconnection the broker numbers its redeliveries anew).
        self._handed: deque[tuple[list[tuple[int, int]], int]] = deque()
        self._connection = 0
        self._now = datetime.now(UTC)  # arrival time of what is being read (see _read)
        self.writer: WriterProcess | InlineWriter = (
            WriterProcess(integration.pk) if writer_process else InlineWriter(integration)
        )
        self._stop = threading.Event()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"territoire-{integration.source}-{integration.pk}",
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.host, self.port = host, port
        self.min_delay, self.max_delay = reconnect_delays

    # paho callbacks, called from loop_read in the consumer's own thread.
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("MQTT connection refused: %s", reason_code)
            return
        client.subscribe(topic_of(self.integration), qos=1)
        self._subscribed.set()
        log.info("MQTT connected to %s:%s", self.host, self.port)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self._subscribed.clear()
        # However the connection ended (read error, keep-alive timeout), what was read on it
        # is neither handed over nor acknowledged: the broker delivers it again.
        self._forget_pending()
        self._connection += 1
        if not self._stop.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        self._pending.append((message.mid, message.qos))
        try:
            self._events.append(self._parse(message))
        except PayloadError as exc:
            self._unreadable.append((message.payload, f"Évènement invalide : {exc.message}"))

    def _forget_pending(self) -> None:
        self._pending, self._events, self._unreadable = [], [], []

    def wait_subscribed(self, timeout: float = 10) -> bool:
        return self._subscribed.wait(timeout)

    def stop(self) -> None:
        """Ask the loop to stop (from a signal handler or another thread)."""
        self._stop.set()

    def start_writer(self) -> None:
        """Start the writer process (a fresh interpreter: about a second). ``run`` does it
        when it was not done before; call it from the thread that will call ``run``, since
        the writer is bound to end with the thread that started it."""
        if self.writer.process is None:
            self.writer.start()

    def run(
        self,
        *,
        max_messages: int | None = None,
        idle_timeout: float | None = None,
        on_batch: Callable[[ConsumerStats], None] | None = None,
    ) -> ConsumerStats:
        """Consume until stopped, until ``max_messages`` were handled, or after
        ``idle_timeout`` seconds without a message."""
        delay = self.min_delay
        try:
            self.start_writer()
            idle_since = time.monotonic()
            while not self._stop.is_set():
                if (
                    idle_timeout is not None
                    and not self._handed
                    and time.monotonic() - idle_since > idle_timeout
                ):
                    break
                if self._handed and self.writer.ready():
                    self._committed()
                    idle_since = time.monotonic()
                    if on_batch:
                        on_batch(self.stats)
                    if max_messages is not None and self.stats.messages >= max_messages:
                        break
                    continue
                if self.client.socket() is None and not self._connect():
                    if self._handed:  # their answers first, then the back-off
                        self._committed()
                        continue
                    self._stop.wait(delay)  # back off before the next attempt
                    delay = min(delay * 2, self.max_delay)
                    continue
                delay = self.min_delay
                more = self._read(timeout=0.5)
                if more is None:  # connection lost: unacknowledged messages come back
                    self._forget_pending()
                    self._connection += 1
                    continue
                if self._may_hand_over(more):
                    self._hand_over()
                    idle_since = time.monotonic()
                self.client.loop_misc()  # keep-alive pings
            while self._handed:  # their commits are acknowledged before leaving
                self._committed()
        finally:
            self._stop.set()
            if self.client.socket() is not None:
                self.client.disconnect()
                self.client.loop_write()
            self.writer.close()
        return self.stats

    def _connect(self) -> bool:
        try:
            self.client.connect(self.host, self.port, keepalive=30)
        except OSError as exc:
            log.warning("MQTT broker %s:%s unreachable (%s)", self.host, self.port, exc)
            return False
        return True

    def _read(self, *, timeout: float) -> bool | None:
        """Send what is queued (acknowledgements), then read what the socket holds, up to a
        batch; while a batch is with the writer, wait for its answer too. Returns whether
        more is waiting, or None when the connection is lost."""
        sock = self.client.socket()
        if sock is None:
            return None
        if self.client.want_write() and self.client.loop_write() != mqtt.MQTT_ERR_SUCCESS:
            return None
        full = len(self._pending) >= self.batch_size
        watched: list[Any] = [] if full else [sock]
        if self._handed:
            watched.append(self.writer)
        waiting = self._pending and not self._handed
        readable, _, _ = select.select(watched, [], [], 0 if waiting else timeout)
        if full:
            return True
        if self._handed:
            readable = [ready for ready in readable if ready is sock]
        # One clock reading for what arrived together (the default time of events without
        # their own): the current time per message costs more than parsing the rest.
        self._now = datetime.now(UTC)
        while readable and len(self._pending) < self.batch_size:
            # Packet after packet while they bring messages; once one brings none (the socket
            # is empty, a packet is half-arrived, or it was an acknowledgement of ours), ask
            # the socket: one system call per burst rather than per message.
            before = len(self._pending)
            if self.client.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                return None
            sock = self.client.socket()
            if sock is None:
                return None
            if len(self._pending) == before:
                readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)

    def _may_hand_over(self, more: bool) -> bool:
        """Whether the batch read goes to the writer now: a full one while the writer has
        room ahead, a partial one (nothing more waiting) only when the writer is idle."""
        if not self._pending or self.client.socket() is None:
            return False
        if not self._handed:
            return len(self._pending) >= self.batch_size or not more
        return len(self._handed) < self.ahead and len(self._pending) >= self.batch_size

    def _hand_over(self) -> None:
        """Send the batch read (and already parsed) to the writer."""
        self.stats.rejected += len(self._unreadable)
        self.writer.submit(self._events, self._unreadable)
        self._handed.append((self._pending, self._connection))
        self._forget_pending()

    def _committed(self) -> None:
        """Wait for the writer's commit of the oldest batch handed over, hand it the next
        batch if it would otherwise wait for the acknowledgements, then acknowledge the
        committed one."""
        written = self.writer.result()
        mids, on = self._handed.popleft()
        if self._may_hand_over(more=False):
            self._hand_over()
        # Committed: now, and only now, the broker may forget these messages. Not if they
        # were read on a connection since lost: the broker delivers them again anyway, and
        # their ids may now name other messages.
        if on == self._connection and self.client.socket() is not None:
            self._acknowledge(mids)
        self.stats.batches += 1
        self.stats.messages += written.received
        self.stats.stored += written.stored
        self.stats.duplicates += written.duplicates
        self.stats.writer_cpu = written.cpu

    def _acknowledge(self, mids: list[tuple[int, int]]) -> None:
        """PUBACK the committed messages, all in one write: through paho, each acknowledgement
        costs two system calls and its own packet bookkeeping (with the socket check per
        burst, about 4 % of this process's time: docs/benchmarks.md). A PUBACK is four bytes
        (MQTT 3.1.1, 3.4): the packet type, its length 2, the message id. They go straight to
        the socket only when paho has nothing of its own waiting to be written, so that
        packets never interleave, and over a plain or TLS socket; otherwise through paho, one
        by one."""
        sock = self.client.socket()
        if sock is None:
            return
        if self.client.want_write() or not isinstance(sock, socket.socket):
            for mid, qos in mids:
                self.client.ack(mid, qos)
            self.client.loop_write()
            return
        data = b"".join(_PUBACK.pack(0x40, 2, mid) for mid, qos in mids if qos == 1)
        try:
            sock.settimeout(ACK_TIMEOUT)  # paho's socket is non-blocking: a whole write
            sock.sendall(data)
        except OSError as exc:
            # Part of a packet may have gone: this connection cannot carry another one. Its
            # end makes paho's next read report it lost; the broker delivers again what was
            # not acknowledged, and the archive makes that harmless.
            log.warning("MQTT acknowledgements could not be sent (%s); reconnecting", exc)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.setblocking(False)

    def _parse(self, message: mqtt.MQTTMessage):
        try:
            text = message.payload.decode()
            body = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayloadError("Le message n'est pas un JSON valide.", reason="not_json") from exc
        now = self._now
        if self.integration.source == Source.CHIRPSTACK:
            _app, _dev, event = chirpstack_topic(message.topic)
            return parse_chirpstack(event, body, now=now), text
        return parse_tts(body, now=now), text
