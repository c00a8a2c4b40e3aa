"""The MQTT consumer against a real Mosquitto: persistent QoS 1 session, exactly-once storage,
and survival of SIGKILL during a replay (commit before acknowledge)."""

import base64
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db.models import Sum

from territoire.core.models import Role
from territoire.core.testing import person_with_role
from territoire.sensors import services
from territoire.sensors.consumer import Consumer
from territoire.sensors.models import RawUplink, Rollup, Series
from territoire.sensors.testing import Broker, database_url_of_this_process, mosquitto

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


def frame(pulses: int) -> str:
    return base64.b64encode(
        bytes([0x01, 0x75, 90, 0x05, 0xC8]) + struct.pack("<I", pulses)
    ).decode()


def chirpstack_up(dev_eui: str, n: int, pulses: int) -> tuple[str, bytes]:
    at = T0 + timedelta(minutes=15 * n)
    body = {
        "deduplicationId": f"{dev_eui}-{n}",
        "time": at.isoformat().replace("+00:00", "Z"),
        "deviceInfo": {"devEui": dev_eui, "applicationId": "app-eau"},
        "fCnt": n,
        "fPort": 85,
        "data": frame(pulses),
    }
    return f"application/app-eau/device/{dev_eui}/event/up", json.dumps(body).encode()


def publish_all(host: str, port: int, messages: list[tuple[str, bytes]]) -> None:
    """Publish at QoS 1 and wait until the broker has acknowledged every message."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.max_inflight_messages_set(500)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    # In chunks: paho's message ids wrap at 65,535, so no more may be outstanding at once.
    for start in range(0, len(messages), 5000):
        infos = [client.publish(t, p, qos=1) for t, p in messages[start : start + 5000]]
        for info in infos:
            info.wait_for_publish(timeout=60)
    client.loop_stop()
    client.disconnect()


@pytest.fixture
def broker():
    with mosquitto() as address:
        yield address


@pytest.fixture
def water_network(arras):
    """An MQTT integration and ten water meters in Arras."""
    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    integration, _ = services.integration_create(
        actor=admin, name="ChirpStack MQTT", source="chirpstack", commune=arras
    )
    devices = [
        services.device_register(
            actor=admin,
            commune=arras,
            data=services.DeviceData(
                dev_eui=f"70b3d5e75e{n:06x}", name=f"Compteur {n}", model="milesight-em300-di"
            ),
        )
        for n in range(10)
    ]
    return integration, devices


def traffic(devices, per_device: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """Uplinks of growing pulse counters, interleaved across devices as a network would."""
    rng = random.Random(seed)
    counts = {device.dev_eui: rng.randrange(1000) for device in devices}
    messages = []
    for n in range(per_device):
        for device in devices:
            messages.append(chirpstack_up(device.dev_eui, n, counts[device.dev_eui]))
            counts[device.dev_eui] += rng.randrange(0, 30)
    return messages


def exact_totals(messages):
    """Sum of increases per device, computed from the messages themselves."""
    last, totals = {}, {}
    for _topic, payload in messages:
        body = json.loads(payload)
        eui = body["deviceInfo"]["devEui"]
        pulses = struct.unpack("<I", base64.b64decode(body["data"])[5:9])[0]
        if eui in last:
            totals[eui] = totals.get(eui, 0) + pulses - last[eui]
        last[eui] = pulses
    return totals


def assert_stored_exactly_once(messages, devices):
    assert RawUplink.objects.count() == len(messages)
    totals = exact_totals(messages)
    for device in devices:
        series = Series.objects.get(device=device, quantity="impulsions")
        assert series.readings.count() == len(messages) // len(devices)
        summed = series.readings.aggregate(total=Sum("delta"))["total"]
        assert summed == totals[device.dev_eui]
        hourly = Rollup.objects.filter(series=series, period="hour").aggregate(t=Sum("total"))
        daily = Rollup.objects.filter(series=series, period="day").aggregate(t=Sum("total"))
        assert hourly["t"] == daily["t"] == totals[device.dev_eui]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer_process", [True, False], ids=["writer-process", "one-process"])
def test_the_consumer_stores_every_message_exactly_once(broker, water_network, writer_process):
    host, port = broker
    integration, devices = water_network
    messages = traffic(devices, per_device=50)
    consumer = Consumer(
        integration,
        host=host,
        port=port,
        client_id="test-consumer",
        batch_size=100,  # several batches, one with the writer while the next is read
        writer_process=writer_process,
    )
    worker = threading.Thread(target=consumer.run, kwargs={"idle_timeout": 3})
    worker.start()
    assert consumer.wait_subscribed()
    publish_all(host, port, messages)
    publish_all(host, port, messages[:100])  # the network server redelivers some
    worker.join(timeout=60)
    assert consumer.stats.messages == len(messages) + 100
    assert consumer.stats.duplicates == 100
    assert_stored_exactly_once(messages, devices)


@pytest.mark.django_db(transaction=True)
def test_the_broker_goes_away_and_comes_back_and_nothing_is_lost(water_network):
    """Mosquitto stops (cleanly, keeping its sessions on disk) in the middle of the traffic;
    the consumer keeps trying, reconnects when it is back, and gets what was queued."""
    integration, devices = water_network
    messages = traffic(devices, per_device=60)
    half = len(messages) // 2
    broker = Broker()
    broker.start()
    try:
        consumer = Consumer(
            integration,
            host=broker.host,
            port=broker.port,
            client_id="restart-consumer",
            reconnect_delays=(0.2, 1.0),
        )
        worker = threading.Thread(target=consumer.run, kwargs={"idle_timeout": 8})
        worker.start()
        assert consumer.wait_subscribed()
        publish_all(broker.host, broker.port, messages[:half])
        broker.stop()
        time.sleep(1.5)  # the consumer fails to reconnect a few times
        assert not consumer.wait_subscribed(timeout=0)
        broker.start()
        publish_all(broker.host, broker.port, messages[half:])
        worker.join(timeout=60)
        assert not worker.is_alive()
    finally:
        broker.remove()
    assert consumer.stats.messages >= len(messages)  # redeliveries of unacknowledged ones
    assert_stored_exactly_once(messages, devices)


def open_session(host: str, port: int, client_id: str) -> None:
    """Create the consumer's persistent session, as a first run of it would: from then on the
    broker keeps every message for it, whether a consumer process is alive or not."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.connect(host, port)
    client.loop_start()
    client.subscribe("application/+/device/+/event/+", qos=1)[1]
    time.sleep(0.3)
    client.loop_stop()
    client.disconnect()


def _consumer_process(integration, host, port):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TERRITOIRE_DATABASE_URL": database_url_of_this_process(),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "sensors_consume",
            str(integration.pk),
            "--host",
            host,
            "--port",
            str(port),
            "--client-id",
            "killed-consumer",
            "--idle-timeout",
            "5",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_sigkill_during_a_replay_loses_nothing_and_counts_nothing_twice(broker, water_network):
    host, port = broker
    integration, devices = water_network
    # 10 devices x 10,000 uplinks = the 100,000-uplink replay of the issue.
    messages = traffic(devices, per_device=int(os.environ.get("KILL_TEST_PER_DEVICE", "10000")))
    open_session(host, port, "killed-consumer")
    process = _consumer_process(integration, host, port)
    deadline = time.monotonic() + 30
    publisher = threading.Thread(target=publish_all, args=(host, port, messages))
    publisher.start()
    kills = 0
    rng = random.Random(3)
    while kills < 3 and time.monotonic() < deadline + 120:
        time.sleep(rng.uniform(1.5, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        process = _consumer_process(integration, host, port)
    publisher.join(timeout=300)
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()[-2000:]
    assert kills == 3
    assert_stored_exactly_once(messages, devices)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def _is_writer(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"spawn_main" in cmdline.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.django_db(transaction=True)
def test_the_writer_process_does_not_outlive_a_killed_consumer(broker, water_network):
    """A writer outliving its consumer could commit a batch that the next consumer is storing
    again from the broker's redelivery, with counter deltas computed from stale values."""
    host, port = broker
    integration, _devices = water_network
    process = _consumer_process(integration, host, port)
    children: list[int] = []
    deadline = time.monotonic() + 60
    while not children and time.monotonic() < deadline:
        time.sleep(0.2)
        with open(f"/proc/{process.pid}/task/{process.pid}/children") as found:
            # The writer, not multiprocessing's resource tracker (which leaves at end of pipe).
            children = [int(pid) for pid in found.read().split() if _is_writer(int(pid))]
    assert children, "the consumer started its writer process"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_each_integration_listens_to_its_own_application_only(arras):
    from territoire.sensors.consumer import topic_of
    from territoire.sensors.models import Integration

    assert topic_of(Integration(source="chirpstack", mqtt_application="a1b2")) == (
        "application/a1b2/device/+/event/+"
    )
    assert topic_of(Integration(source="chirpstack")) == "application/+/device/+/event/+"
    assert topic_of(Integration(source="tts", mqtt_application="cua@ttn")) == (
        "v3/cua@ttn/devices/+/up"
    )


@pytest.mark.django_db
def test_a_full_batch_goes_ahead_to_a_busy_writer_a_partial_one_waits_for_an_idle_one(
    water_network, monkeypatch
):
    """The writer always has the next full batch waiting in its pipe while it stores one, so
    it never waits for the consumer; a partial batch (nothing more to read) goes only to an
    idle writer, so that a trickle is not split into many small transactions."""
    integration, _ = water_network
    consumer = Consumer(integration, batch_size=3, ahead=2)
    monkeypatch.setattr(consumer.client, "socket", lambda: object())  # as if connected

    def read(count: int) -> None:
        consumer._pending = [(mid, 1) for mid in range(count)]

    read(2)
    assert consumer._may_hand_over(more=False)  # an idle writer takes what there is
    assert not consumer._may_hand_over(more=True)  # unless more is waiting to be read
    consumer._handed.append(([(1, 1)], 0))  # one batch with the writer
    assert not consumer._may_hand_over(more=False)
    read(3)
    assert consumer._may_hand_over(more=True)  # a full batch goes ahead
    consumer._handed.append(([(2, 1)], 0))  # two batches with the writer: none more
    assert not consumer._may_hand_over(more=True)
    monkeypatch.setattr(consumer.client, "socket", lambda: None)
    consumer._handed.clear()
    assert not consumer._may_hand_over(more=False)  # nothing goes while disconnected


class _UnwritableSocket(socket.socket):
    """A socket whose writes time out; it records its shutdown."""

    shut = False

    def sendall(self, data, flags=0):
        raise TimeoutError("timed out")

    def shutdown(self, how):
        self.shut = True


@pytest.mark.django_db
def test_a_batchs_acknowledgements_are_one_write_of_mqtt_pubacks(water_network, monkeypatch):
    integration, _ = water_network
    consumer = Consumer(integration)
    ours, broker_side = socket.socketpair()
    with ours, broker_side:
        ours.setblocking(False)  # as paho keeps it
        monkeypatch.setattr(consumer.client, "socket", lambda: ours)
        consumer._acknowledge([(1, 1), (258, 1), (7, 0)])  # a QoS 0 message has none
        assert broker_side.recv(100) == bytes([0x40, 2, 0, 1, 0x40, 2, 1, 2])
        assert ours.gettimeout() == 0.0  # left non-blocking for paho


@pytest.mark.django_db
def test_acknowledgements_that_cannot_be_written_end_the_connection(water_network, monkeypatch):
    """Part of a PUBACK may have gone: the connection is ended, so that paho's next read
    reports it lost; the broker will deliver the batch again (harmless: the archive)."""
    integration, _ = water_network
    consumer = Consumer(integration)
    with _UnwritableSocket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        monkeypatch.setattr(consumer.client, "socket", lambda: sock)
        consumer._acknowledge([(1, 1)])
        assert sock.shut and sock.gettimeout() == 0.0


@pytest.mark.django_db
def test_acknowledgements_go_through_paho_when_it_has_a_packet_of_its_own_to_write(
    water_network, monkeypatch
):
    integration, _ = water_network
    consumer = Consumer(integration)
    acked = []
    ours, broker_side = socket.socketpair()
    with ours, broker_side:
        ours.setblocking(False)
        monkeypatch.setattr(consumer.client, "socket", lambda: ours)
        monkeypatch.setattr(consumer.client, "want_write", lambda: True)
        monkeypatch.setattr(consumer.client, "ack", lambda mid, qos: acked.append((mid, qos)))
        monkeypatch.setattr(consumer.client, "loop_write", lambda: 0)
        consumer._acknowledge([(1, 1), (2, 1)])
        assert acked == [(1, 1), (2, 1)]
        broker_side.setblocking(False)
        with pytest.raises(BlockingIOError):
            broker_side.recv(100)  # nothing written behind paho's back
