"""Ingestion through the HTTP integrations: exactly once, counters and rollups exact,
nothing lost (unknown devices wait, bad messages are quarantined), never a 500."""

import base64
import json
import struct
from datetime import UTC, datetime, timedelta

import pytest

from territoire.core.models import Role
from territoire.core.testing import person_with_role
from territoire.sensors import services
from territoire.sensors.models import Device, RawUplink, Reading, Rollup, Series, UplinkState

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 4, 2, 15, tzinfo=UTC)


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="sensors", email="agent@arras.fr")


@pytest.fixture
def chirpstack(arras):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
    integration, secret = services.integration_create(
        actor=admin, name="ChirpStack Arras", source="chirpstack", commune=arras
    )
    return integration, secret


@pytest.fixture
def meter(agent, arras):
    return services.device_register(
        actor=agent,
        commune=arras,
        data=services.DeviceData(
            dev_eui="24E124136B123456", name="Compteur gymnase", model="milesight-em300-di"
        ),
    )


def em300_di(pulses: int, battery: int = 92) -> str:
    frame = bytes([0x01, 0x75, battery, 0x05, 0xC8]) + struct.pack("<I", pulses)
    return base64.b64encode(frame).decode()


def up(dev_eui="24e124136b123456", *, data, at=T0, dedup=None, f_cnt=1):
    return {
        "deduplicationId": dedup or f"dedup-{dev_eui}-{at.isoformat()}",
        "time": at.isoformat().replace("+00:00", "Z"),
        "deviceInfo": {"devEui": dev_eui, "deviceName": "x", "applicationId": "app"},
        "fCnt": f_cnt,
        "fPort": 85,
        "data": data,
        "rxInfo": [{"gatewayId": "00800000a0001234", "rssi": -97, "snr": 6.5}],
    }


def post(client, secret, body, event="up"):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        f"/api/v1/sensors/ingest/chirpstack?event={event}",
        raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_an_uplink_is_stored_with_its_readings_rollups_and_health(client, chirpstack, meter):
    _, secret = chirpstack
    response = post(client, secret, up(data=em300_di(10000)))
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 1
    series = {s.quantity: s for s in Series.objects.filter(device=meter)}
    assert series["impulsions"].last_value == 10000 and series["impulsions"].unit == "impulsion"
    assert series["battery"].last_value == 92
    meter.refresh_from_db()
    assert meter.battery == 92 and meter.rssi == -97 and meter.gateway_id == "00800000a0001234"
    assert meter.last_seen_at == T0


def test_a_redelivered_uplink_changes_nothing(client, chirpstack, meter):
    _, secret = chirpstack
    body = up(data=em300_di(10000))
    post(client, secret, body)
    again = post(client, secret, body).json()
    assert again["duplicates"] == 1 and again["stored"] == 0
    assert RawUplink.objects.count() == 1 and Reading.objects.count() == 2


def test_counter_deltas_handle_resets_and_feed_rollups(client, chirpstack, meter):
    _, secret = chirpstack
    counts = [1000, 1010, 1025, 5, 20]  # a reset (rejoin) between 1025 and 5
    for n, count in enumerate(counts):
        post(client, secret, up(data=em300_di(count), at=T0 + timedelta(minutes=10 * n)))
    series = Series.objects.get(device=meter, quantity="impulsions")
    deltas = list(series.readings.order_by("at").values_list("delta", flat=True))
    assert deltas == [None, 10, 15, 5, 15]
    hour = Rollup.objects.get(series=series, period="hour")
    assert hour.total == 45 and hour.count == 4
    day = Rollup.objects.get(series=series, period="day")
    assert day.total == 45
    # The local day (Europe/Paris) starts at 23:00 UTC the day before in winter.
    assert day.start == datetime(2026, 3, 3, 23, 0, tzinfo=UTC)


def test_a_32_bit_rollover_is_not_a_reset(client, chirpstack, meter):
    _, secret = chirpstack
    post(client, secret, up(data=em300_di(2**32 - 10), at=T0))
    post(client, secret, up(data=em300_di(5), at=T0 + timedelta(minutes=10)))
    series = Series.objects.get(device=meter, quantity="impulsions")
    assert series.readings.order_by("at").last().delta == 15


def test_an_unknown_device_waits_and_its_backlog_is_decoded_at_registration(
    client, chirpstack, agent, arras
):
    _, secret = chirpstack
    for n in range(3):
        body = up("a84041000181c8f1", data=em300_di(100 + n), at=T0 + timedelta(minutes=n))
        assert post(client, secret, body).json()["unregistered"] == 1
    assert RawUplink.objects.filter(state=UplinkState.UNREGISTERED).count() == 3
    device = services.device_register(
        actor=agent,
        commune=arras,
        data=services.DeviceData(
            dev_eui="a84041000181c8f1", name="Nouveau", model="milesight-em300-di"
        ),
    )
    assert RawUplink.objects.filter(device=device, state=UplinkState.STORED).count() == 3
    series = Series.objects.get(device=device, quantity="impulsions")
    assert list(series.readings.order_by("at").values_list("delta", flat=True)) == [None, 1, 1]


def test_an_undecodable_uplink_is_quarantined_with_its_reason(client, chirpstack, meter):
    _, secret = chirpstack
    bad = base64.b64encode(b"\x05\xc8\x01").decode()  # counter record cut short
    response = post(client, secret, up(data=bad))
    assert response.status_code == 200 and response.json()["quarantined"] == 1
    raw = RawUplink.objects.get()
    assert raw.state == UplinkState.QUARANTINED and raw.reason.startswith("Décodage impossible")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{pas du json", 400),
        (json.dumps([1, 2]), 400),
        (json.dumps({"deviceInfo": {"devEui": "zz"}, "data": "AA=="}), 400),
        (json.dumps(up(data="%%%pas-base64%%%")), 400),
    ],
)
def test_bad_events_get_a_problem_and_are_kept(client, chirpstack, body, status):
    _, secret = chirpstack
    response = post(client, secret, body)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    assert RawUplink.objects.filter(state=UplinkState.QUARANTINED).count() == 1


def test_oversized_events_are_refused(client, chirpstack):
    _, secret = chirpstack
    response = post(client, secret, json.dumps({"x": "a" * 70000}))
    assert response.status_code == 413


@pytest.mark.parametrize("header", [None, "Bearer lns_faux", "Basic abc"])
def test_a_request_without_the_integration_secret_is_refused(client, chirpstack, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(
        "/api/v1/sensors/ingest/chirpstack?event=up",
        "{}",
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert RawUplink.objects.count() == 0


def test_an_integration_of_one_commune_cannot_feed_another_communes_device(
    client, beaurains, meter
):
    admin = person_with_role(Role.COMMUNE_ADMIN, beaurains)
    _, secret = services.integration_create(
        actor=admin, name="LNS Beaurains", source="chirpstack", commune=beaurains
    )
    response = post(client, secret, up(data=em300_di(1)))
    assert response.json()["quarantined"] == 1
    assert Reading.objects.count() == 0


def test_status_and_join_events_are_archived_without_readings(client, chirpstack, meter):
    _, secret = chirpstack
    status = {
        "deviceInfo": {"devEui": "24e124136b123456"},
        "time": "2026-03-04T02:20:00Z",
        "batteryLevel": 55.5,
        "margin": 7,
    }
    assert post(client, secret, status, event="status").json()["ignored"] == 1
    meter.refresh_from_db()
    assert meter.battery == 55.5
    join = {"deviceInfo": {"devEui": "24e124136b123456"}, "time": "2026-03-04T02:21:00Z"}
    assert post(client, secret, join, event="join").status_code == 200
    assert Reading.objects.count() == 0 and RawUplink.objects.count() == 2


def test_tts_webhook(client, arras, meter):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    _, secret = services.integration_create(actor=admin, name="TTS", source="tts", commune=arras)
    body = {
        "end_device_ids": {
            "device_id": "compteur",
            "dev_eui": "24E124136B123456",
            "application_ids": {"application_id": "cua"},
        },
        "correlation_ids": ["as:up:01HZX"],
        "received_at": "2026-03-04T02:15:00Z",
        "uplink_message": {"f_port": 85, "f_cnt": 3, "frm_payload": em300_di(42)},
    }
    response = client.post(
        "/api/v1/sensors/ingest/tts",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.json()["stored"] == 1
    assert Series.objects.get(device=meter, quantity="impulsions").last_value == 42
    assert Device.objects.get().battery == 92


def test_replaying_the_quarantine_skips_unreadable_bodies(client, chirpstack, meter, agent, arras):
    _, secret = chirpstack
    post(client, secret, "{pas du json")
    post(client, secret, up(data=base64.b64encode(b"\x05\xc8\x01").decode()))
    quarantined = list(RawUplink.objects.filter(state=UplinkState.QUARANTINED))
    assert len(quarantined) == 2
    report = services.uplinks_replay(actor=agent, commune=arras, uplinks=quarantined)
    assert report.received == 1 and report.quarantined == 1


def test_the_csv_import_reports_overlong_names_instead_of_failing(agent, arras):
    content = (
        "dev_eui;nom;modele\n"
        f"0102030405060708;{'n' * 120};milesight-em300-th\n"
        "0102030405060709;Sonde;milesight-em300-th\n"
    ).encode()
    report = services.devices_import(actor=agent, commune=arras, content=content)
    assert report.created == 1
    assert report.errors == [(2, "Le nom compte au plus 100 caractères.")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_share_commits_and_each_gets_its_own_report(arras):
    """The HTTP integration's group commit: 8 threads at once, each with its own events."""
    import threading

    from django.db import connection

    from territoire.sensors import ingest
    from territoire.sensors.integrations.chirpstack import parse_chirpstack

    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    integration, _ = services.integration_create(
        actor=admin, name="LNS", source="chirpstack", commune=arras
    )
    services.device_register(
        actor=admin,
        commune=arras,
        data=services.DeviceData(dev_eui="24e124136b123456", name="C", model="milesight-em300-di"),
    )
    reports, errors = {}, []

    def caller(n: int) -> None:
        try:
            for k in range(20):
                body = up(
                    data=em300_di(1000 + 20 * n + k),
                    at=T0 + timedelta(minutes=20 * n + k),
                    dedup=f"t{n}-{k}",
                )
                event = parse_chirpstack("up", body, now=T0)
                report = ingest.ingest_shared(integration, [(event, json.dumps(body))])
                reports[(n, k)] = report
            # Each thread's own connection; close it so the test database can be dropped.
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(reports) == 160
    assert all(r.received == 1 and r.stored == 1 and r.readings == 2 for r in reports.values())
    assert RawUplink.objects.count() == 160 and Reading.objects.count() == 320


def test_the_lean_lookup_gives_what_the_orm_gives(client, chirpstack, meter):
    """Ingestion reads devices with a plain SELECT into plain objects: the same values as
    the ORM's, datetimes aware."""
    from territoire.sensors.ingest import devices_by

    _, secret = chirpstack
    assert post(client, secret, up(data=em300_di(10000))).status_code == 200
    orm = Device.objects.get(pk=meter.pk)
    (lean,) = devices_by("dev_eui", [meter.dev_eui])
    assert lean.last_seen_at == orm.last_seen_at and lean.last_seen_at.tzinfo is not None
    assert (lean.id, lean.commune_id, lean.model, lean.battery) == (
        orm.pk,
        orm.commune_id,
        orm.model,
        92,
    )
    assert (lean.rssi, lean.snr, lean.gateway_id) == (orm.rssi, orm.snr, orm.gateway_id)
    assert devices_by("dev_eui", []) == [] and devices_by("dev_eui", ["0" * 16]) == []


def test_listeners_hear_of_new_readings_after_commit_only(
    client, chirpstack, meter, django_capture_on_commit_callbacks
):
    from territoire.sensors import listeners

    heard = []
    listener = listeners.on_readings_stored(heard.extend)
    try:
        _, secret = chirpstack
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            post(client, secret, up(data=em300_di(10000)))
        assert heard == [] and callbacks  # nothing before the commit
        for callback in callbacks:
            callback()
        assert {(r.value, r.delta) for r in heard} == {(10000, None), (92, None)}
        heard.clear()
        with django_capture_on_commit_callbacks(execute=True):
            post(client, secret, up(data=em300_di(10000)))  # a redelivery: nothing new
        assert heard == []
    finally:
        listeners._LISTENERS.remove(listener)
