"""The MQTT consumer: network-server events from the broker into ``ingest``.

It subscribes at QoS 1 with a persistent session (a stable client id, clean_session off), so
the broker keeps what arrives while the consumer is down. Acknowledgements are manual and are
sent only after the batch's transaction has committed: a consumer killed at any instant
leaves its unacknowledged messages with the broker, which delivers them again, and the
archive's (source, dedup_key) makes the redelivery harmless. When the broker goes away the
consumer reconnects with an exponential backoff, and the persistent session gives it back
whatever arrived meanwhile.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from django.utils import timezone

from territoire.sensors import ingest
from territoire.sensors.integrations.chirpstack import chirpstack_topic, parse_chirpstack
from territoire.sensors.integrations.events import PayloadError
from territoire.sensors.integrations.tts import parse_tts
from territoire.sensors.models import Integration, Source

log = logging.getLogger("territoire.sensors.consumer")

TOPICS: dict[str, str] = {
    Source.CHIRPSTACK: "application/{app}/device/+/event/+",
    Source.TTS: "v3/{app}/devices/+/up",
}


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


class Consumer:
    """Consume one integration's topic until ``stop()`` (or ``max_messages``).

    One thread does everything: it reads what the socket holds (up to a batch), stores the
    batch, acknowledges it, and reads again. paho's own network thread would fight this one
    for the GIL on every message; here the kernel's socket buffer does the overlapping, and a
    batch is as large as what has arrived meanwhile (one message when traffic is light, full
    batches while a backlog drains)."""

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
    ):
        self.integration = integration
        self.batch_size = batch_size
        self.stats = ConsumerStats()
        self._pending: list[mqtt.MQTTMessage] = []
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
        if not self._stop.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        self._pending.append(message)

    def wait_subscribed(self, timeout: float = 10) -> bool:
        return self._subscribed.wait(timeout)

    def stop(self) -> None:
        """Ask the loop to stop (from a signal handler or another thread)."""
        self._stop.set()

    def run(
        self,
        *,
        max_messages: int | None = None,
        idle_timeout: float | None = None,
        on_batch: Callable[[ConsumerStats], None] | None = None,
    ) -> ConsumerStats:
        """Consume until stopped, until ``max_messages`` were handled, or after
        ``idle_timeout`` seconds without a message."""
        idle_since = time.monotonic()
        delay = self.min_delay
        try:
            while not self._stop.is_set():
                if idle_timeout is not None and time.monotonic() - idle_since > idle_timeout:
                    break
                if self.client.socket() is None and not self._connect():
                    self._stop.wait(delay)  # back off before the next attempt
                    delay = min(delay * 2, self.max_delay)
                    continue
                delay = self.min_delay
                more = self._read(timeout=0.5)
                if more is None:  # connection lost: unacknowledged messages come back
                    self._pending = []
                    continue
                if self._pending and (len(self._pending) >= self.batch_size or not more):
                    batch, self._pending = self._pending, []
                    self._handle(batch)
                    idle_since = time.monotonic()
                    if on_batch:
                        on_batch(self.stats)
                    if max_messages is not None and self.stats.messages >= max_messages:
                        break
                self.client.loop_misc()  # keep-alive pings
        finally:
            self._stop.set()
            if self.client.socket() is not None:
                self.client.disconnect()
                self.client.loop_write()
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
        batch. Returns whether more is waiting, or None when the connection is lost."""
        sock = self.client.socket()
        if sock is None:
            return None
        if self.client.want_write() and self.client.loop_write() != mqtt.MQTT_ERR_SUCCESS:
            return None
        readable, _, _ = select.select([sock], [], [], 0 if self._pending else timeout)
        while readable and len(self._pending) < self.batch_size:
            if self.client.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                return None
            sock = self.client.socket()
            if sock is None:
                return None
            readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)

    def _handle(self, batch: list[mqtt.MQTTMessage]) -> None:
        events = []
        for message in batch:
            try:
                events.append(self._parse(message))
            except PayloadError as exc:
                self.stats.rejected += 1
                ingest.quarantine_unreadable(
                    self.integration, message.payload, f"Évènement invalide : {exc.message}"
                )
        report = ingest.ingest(self.integration, events)
        # Committed: now, and only now, the broker may forget these messages.
        for message in batch:
            self.client.ack(message.mid, message.qos)
        self.client.loop_write()
        self.stats.batches += 1
        self.stats.messages += len(batch)
        self.stats.stored += report.stored
        self.stats.duplicates += report.duplicates

    def _parse(self, message: mqtt.MQTTMessage):
        import json

        try:
            text = message.payload.decode()
            body = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayloadError("Le message n'est pas un JSON valide.", reason="not_json") from exc
        now = timezone.now()
        if self.integration.source == Source.CHIRPSTACK:
            _app, _dev, event = chirpstack_topic(message.topic)
            return parse_chirpstack(event, body, now=now), text
        return parse_tts(body, now=now), text
