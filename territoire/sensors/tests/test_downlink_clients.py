"""Downlink clients (ChirpStack, TTS) against the fake network server, and the fake server
itself (no database)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from territoire.sensors.integrations import (
    ChirpStackClient,
    DownlinkError,
    DownlinkRequest,
    TtsClient,
)
from territoire.sensors.tests.fake_network_server import FakeNetworkServer

# --- downlinks ------------------------------------------------------------------------------

CS_DEVICE = "0101010101010101"
TTS_DEVICE = "sonometre-place-heros"


@pytest.fixture
def network_server() -> Iterator[FakeNetworkServer]:
    with FakeNetworkServer(chirpstack_devices={CS_DEVICE}, tts_devices={TTS_DEVICE}) as server:
        yield server


def test_downlink_request_validation() -> None:
    """Ports outside 1..223, oversized payloads, bad DevEUIs and naive expiries are refused."""
    assert DownlinkRequest("0101010101010ABC", 85, b"\x01").dev_eui == "0101010101010abc"
    with pytest.raises(ValueError, match="entre 1 et 223"):
        DownlinkRequest(CS_DEVICE, 0, b"")
    with pytest.raises(ValueError, match="entre 1 et 223"):
        DownlinkRequest(CS_DEVICE, 224, b"")
    with pytest.raises(ValueError, match="242 octets"):
        DownlinkRequest(CS_DEVICE, 85, bytes(243))
    with pytest.raises(ValueError, match="DevEUI"):
        DownlinkRequest("0101", 85, b"")
    with pytest.raises(ValueError, match="fuseau"):
        DownlinkRequest(CS_DEVICE, 85, b"", expires_at=datetime(2025, 1, 1))


def test_client_base_url_must_be_http() -> None:
    """A mistyped server address is caught at configuration time."""
    with pytest.raises(ValueError, match="http"):
        ChirpStackClient("file:///etc/passwd", "t")
    with pytest.raises(ValueError, match="http"):
        TtsClient("eu1.cloud.thethings.network", "app", "hook", "key")


def test_chirpstack_enqueue(network_server: FakeNetworkServer) -> None:
    """The queue item follows the REST shape; the returned id is ChirpStack's."""
    client = ChirpStackClient(network_server.url + "/", network_server.chirpstack_token)
    expires = datetime(2025, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    request = DownlinkRequest(CS_DEVICE, 85, bytes.fromhex("ff03b004"), True, expires)
    item_id = client.enqueue(request)
    [item] = network_server.chirpstack_queue
    assert item["id"] == item_id
    assert item == {
        "id": item_id,
        "devEui": CS_DEVICE,
        "confirmed": True,
        "fPort": 85,
        "data": "/wOwBA==",
        "expiresAt": "2025-06-01T12:00:00.000Z",
    }
    headers = network_server.requests[0].headers
    assert headers["grpc-metadata-authorization"] == f"Bearer {network_server.chirpstack_token}"
    assert headers["authorization"] == f"Bearer {network_server.chirpstack_token}"


def test_chirpstack_enqueue_without_expiry(network_server: FakeNetworkServer) -> None:
    """expiresAt is only sent when set."""
    client = ChirpStackClient(network_server.url, network_server.chirpstack_token)
    client.enqueue(DownlinkRequest(CS_DEVICE, 10, b""))
    assert "expiresAt" not in network_server.chirpstack_queue[0]


@pytest.mark.parametrize(
    ("token", "dev_eui", "status"),
    [("wrong-token", CS_DEVICE, 401), (None, "0202020202020202", 404)],
)
def test_chirpstack_enqueue_refused(
    network_server: FakeNetworkServer, token: str | None, dev_eui: str, status: int
) -> None:
    """A bad token or an unknown device: DownlinkError with the status, not retryable."""
    client = ChirpStackClient(network_server.url, token or network_server.chirpstack_token)
    with pytest.raises(DownlinkError) as caught:
        client.enqueue(DownlinkRequest(dev_eui, 85, b"\x01"))
    assert caught.value.status == status
    assert f"HTTP {status}" in caught.value.message
    assert "a refusé le downlink" in caught.value.message
    assert caught.value.retryable is False
    assert "wrong-token" not in caught.value.message
    assert network_server.chirpstack_queue == []


def test_chirpstack_enqueue_server_error(network_server: FakeNetworkServer) -> None:
    """A 500 is reported once, marked retryable, and the next call goes through."""
    client = ChirpStackClient(network_server.url, network_server.chirpstack_token)
    network_server.fail_next(500)
    with pytest.raises(DownlinkError) as caught:
        client.enqueue(DownlinkRequest(CS_DEVICE, 85, b"\x01"))
    assert caught.value.status == 500
    assert caught.value.retryable is True
    assert "HTTP 500" in str(caught.value)
    assert len(network_server.requests) == 1  # no retry inside the client
    assert client.enqueue(DownlinkRequest(CS_DEVICE, 85, b"\x01"))


def test_chirpstack_enqueue_timeout(network_server: FakeNetworkServer) -> None:
    """A server that does not answer in time gives a retryable DownlinkError."""
    client = ChirpStackClient(network_server.url, network_server.chirpstack_token, timeout=0.2)
    network_server.hang_next(3)
    with pytest.raises(DownlinkError) as caught:
        client.enqueue(DownlinkRequest(CS_DEVICE, 85, b"\x01"))
    assert caught.value.status is None
    assert caught.value.retryable is True
    assert "délai" in caught.value.message


def test_chirpstack_enqueue_connection_refused() -> None:
    """No server listening: a retryable DownlinkError in French."""
    with FakeNetworkServer() as server:
        url = server.url
    client = ChirpStackClient(url, "token", timeout=1)
    with pytest.raises(DownlinkError) as caught:
        client.enqueue(DownlinkRequest(CS_DEVICE, 85, b"\x01"))
    assert caught.value.retryable is True
    assert "ChirpStack" in caught.value.message


def test_tts_push(network_server: FakeNetworkServer) -> None:
    """The push body follows the webhook API; the correlation id is ours and is sent along."""
    client = TtsClient(
        network_server.url,
        network_server.tts_application,
        network_server.tts_webhook,
        network_server.tts_api_key,
    )
    correlation_id = client.push(
        DownlinkRequest("24E124743C001122", 85, b"\xff\x03\xb0\x04", confirmed=True),
        device_id=TTS_DEVICE,
    )
    assert correlation_id.startswith("territoire:downlink:")
    assert network_server.tts_queue == [
        {
            "device_id": TTS_DEVICE,
            "f_port": 85,
            "frm_payload": "/wOwBA==",
            "confirmed": True,
            "priority": "NORMAL",
            "correlation_ids": [correlation_id],
        }
    ]
    request = network_server.requests[0]
    assert request.headers["authorization"] == f"Bearer {network_server.tts_api_key}"
    assert request.path.endswith(f"/devices/{TTS_DEVICE}/down/push")
    assert client.push(DownlinkRequest(CS_DEVICE, 1, b""), device_id=TTS_DEVICE) != correlation_id


@pytest.mark.parametrize(
    ("key", "device_id", "webhook", "status"),
    [
        ("NNSXS.WRONG", TTS_DEVICE, "territoire", 401),
        (None, "inconnu", "territoire", 404),
        (None, TTS_DEVICE, "autre-webhook", 404),
    ],
)
def test_tts_push_refused(
    network_server: FakeNetworkServer,
    key: str | None,
    device_id: str,
    webhook: str,
    status: int,
) -> None:
    """Bad key, unknown device or webhook: DownlinkError carrying the HTTP status."""
    client = TtsClient(
        network_server.url,
        network_server.tts_application,
        webhook,
        key or network_server.tts_api_key,
    )
    with pytest.raises(DownlinkError) as caught:
        client.push(DownlinkRequest(CS_DEVICE, 85, b"\x01"), device_id=device_id)
    assert caught.value.status == status
    assert f"HTTP {status}" in caught.value.message
    assert "The Things Stack" in caught.value.message
    assert network_server.tts_queue == []


def test_tts_push_server_error_and_timeout(network_server: FakeNetworkServer) -> None:
    """500 and time-out both become retryable DownlinkErrors."""
    client = TtsClient(
        network_server.url,
        network_server.tts_application,
        network_server.tts_webhook,
        network_server.tts_api_key,
        timeout=0.2,
    )
    request = DownlinkRequest(CS_DEVICE, 85, b"\x01")
    network_server.fail_next(503)
    with pytest.raises(DownlinkError) as caught:
        client.push(request, device_id=TTS_DEVICE)
    assert (caught.value.status, caught.value.retryable) == (503, True)
    network_server.hang_next(3)
    with pytest.raises(DownlinkError) as caught:
        client.push(request, device_id=TTS_DEVICE)
    assert "délai de 0.2 s" in caught.value.message
    with pytest.raises(ValueError):
        client.push(request, device_id="")


# --- the fake server itself -----------------------------------------------------------------


def _raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"queueItem": {"fPort": 0, "data": "AA=="}}',
        b'{"queueItem": {"fPort": 85, "data": "!!"}}',
        b'{"queueItem": {"fPort": 85, "data": "AA==", "devEui": "0202020202020202"}}',
        b'{"queueItem": {"fPort": 85, "data": "AA==", "expiresAt": "demain"}}',
        b'{"queueItem": {"fPort": 85, "data": "AA==", "fport": 1}}',
        b'{"item": {}}',
    ],
)
def test_fake_chirpstack_rejects_bad_bodies(network_server: FakeNetworkServer, body: bytes) -> None:
    """The fake is strict, so client mistakes show up in tests rather than in production."""
    status, answer = _raw_post(
        f"{network_server.url}/api/devices/{CS_DEVICE}/queue",
        body,
        {
            "Content-Type": "application/json",
            "Grpc-Metadata-Authorization": f"Bearer {network_server.chirpstack_token}",
        },
    )
    assert status == 400
    assert answer["code"] == 3


@pytest.mark.parametrize(
    "body",
    [
        b'{"downlinks": {}}',
        b'{"downlinks": [{"f_port": 300, "frm_payload": "AA=="}]}',
        b'{"downlinks": [{"f_port": 1, "frm_payload": "AA==", "priority": "URGENT"}]}',
        b'{"downlinks": [{"f_port": 1, "frm_payload": "AA==", "correlation_ids": "x"}]}',
        b'{"downlinks": [{"f_port": 1, "frm_payload": "AA==", "port": 1}]}',
    ],
)
def test_fake_tts_rejects_bad_bodies(network_server: FakeNetworkServer, body: bytes) -> None:
    """Same strictness for the TTS webhook downlink endpoint."""
    url = (
        f"{network_server.url}/api/v3/as/applications/{network_server.tts_application}"
        f"/webhooks/{network_server.tts_webhook}/devices/{TTS_DEVICE}/down/push"
    )
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {network_server.tts_api_key}",
    }
    assert _raw_post(url, body, headers)[0] == 400


def test_fake_server_unknown_route_and_missing_auth(network_server: FakeNetworkServer) -> None:
    """Unknown paths are 404; a request without token is 401 even with a good body."""
    headers = {"Content-Type": "application/json"}
    assert _raw_post(f"{network_server.url}/api/nothing", b"{}", headers)[0] == 404
    good = b'{"queueItem": {"fPort": 85, "data": "AA=="}}'
    url = f"{network_server.url}/api/devices/{CS_DEVICE}/queue"
    assert _raw_post(url, good, headers)[0] == 401
    assert [record.status for record in network_server.requests] == [404, 401]
