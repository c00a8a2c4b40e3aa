"""The MQTT consumer: network-server events from the broker into ``ingest``.

It subscribes at QoS 1 with a persistent session (a stable client id, clean_session off), so
the broker keeps what arrives while the consumer is down. Acknowledgements are manual and are
sent only after the batch's transaction has committed: a consumer killed at any instant
leaves its unacknowledged messages with the broker, which delivers them again, and the
archive's (source, dedup_key) makes the redelivery harmless. Reconnection (with backoff) is
paho's own loop.
"""

from __future__ import annotations

import logging
import queue
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
    """Consume one integration's topic until ``stop()`` (or ``max_messages``)."""

    def __init__(
        self,
        integration: Integration,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        client_id: str | None = None,
        batch_size: int = 500,
        batch_wait: float = 0.05,
        username: str | None = None,
        password: str | None = None,
    ):
        self.integration = integration
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.stats = ConsumerStats()
        self._messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
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
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.host, self.port = host, port

    # paho callbacks run in its network thread: they only hand messages over.
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
        self._messages.put(message)

    def wait_subscribed(self, timeout: float = 10) -> bool:
        return self._subscribed.wait(timeout)

    def stop(self) -> None:
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
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        idle_since = time.monotonic()
        try:
            while not self._stop.is_set():
                batch = self._take_batch()
                if not batch:
                    if idle_timeout is not None and time.monotonic() - idle_since > idle_timeout:
                        break
                    continue
                idle_since = time.monotonic()
                self._handle(batch)
                if on_batch:
                    on_batch(self.stats)
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
        finally:
            self._stop.set()
            self.client.loop_stop()
            self.client.disconnect()
        return self.stats

    def _take_batch(self) -> list[mqtt.MQTTMessage]:
        try:
            first = self._messages.get(timeout=self.batch_wait)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._messages.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

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
