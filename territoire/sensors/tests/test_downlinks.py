"""Downlinks through a local fake network server that speaks the documented APIs: queued →
sent → acknowledged / failed / expired, with the per-device rate limit."""

import base64
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from territoire.core.models import AuditEntry, Role
from territoire.core.testing import person_with_role
from territoire.sensors import downlinks, services
from territoire.sensors.models import Downlink, DownlinkState
from territoire.sensors.tests.fake_network_server import FakeNetworkServer

pytestmark = pytest.mark.django_db

EUI = "0101010101010101"


@pytest.fixture
def lns():
    with FakeNetworkServer(chirpstack_devices={EUI}) as server:
        yield server


@pytest.fixture
def setup(arras, lns, client, django_capture_on_commit_callbacks):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
    integration, secret = services.integration_create(
        actor=admin,
        name="ChirpStack",
        source="chirpstack",
        commune=arras,
        downlink_url=lns.url,
        downlink_token=lns.chirpstack_token,
    )
    device = services.device_register(
        actor=admin,
        commune=arras,
        data=services.DeviceData(dev_eui=EUI, name="Sonde salle", model="milesight-em300-th"),
    )
    frame = base64.b64encode(bytes([0x01, 0x75, 80])).decode()
    client.post(
        "/api/v1/sensors/ingest/chirpstack?event=up",
        json.dumps(
            {"deduplicationId": "d1", "deviceInfo": {"devEui": EUI}, "fPort": 85, "data": frame}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    return admin, device, secret


def test_a_command_is_encoded_sent_and_acknowledged(
    setup, lns, client, django_capture_on_commit_callbacks
):
    admin, device, secret = setup
    with django_capture_on_commit_callbacks(execute=True):
        downlink = downlinks.downlink_request(
            actor=admin, device=device, command="set_interval", params={"seconds": 1200}
        )
    downlink.refresh_from_db()
    assert downlink.state == DownlinkState.SENT and downlink.lns_id
    item = lns.chirpstack_queue[0]
    assert item["fPort"] == 85 and base64.b64decode(item["data"]) == bytes.fromhex("ff03b004")
    assert AuditEntry.objects.filter(action="sensors.downlink_request").count() == 1
    ack = {
        "deviceInfo": {"devEui": EUI},
        "queueItemId": downlink.lns_id,
        "acknowledged": True,
        "time": timezone.now().isoformat(),
    }
    response = client.post(
        "/api/v1/sensors/ingest/chirpstack?event=ack",
        json.dumps(ack),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.content
    downlink.refresh_from_db()
    assert downlink.state == DownlinkState.ACKNOWLEDGED and downlink.acknowledged_at


def test_a_second_command_within_the_duty_cycle_window_is_refused(setup):
    admin, device, _ = setup
    downlinks.downlink_request(
        actor=admin, device=device, command="set_interval", params={"seconds": 600}
    )
    with pytest.raises(ValidationError, match="moins de 10 minutes"):
        downlinks.downlink_request(
            actor=admin, device=device, command="set_interval", params={"seconds": 900}
        )
    assert Downlink.objects.count() == 1


def test_an_unknown_command_is_a_clear_error(setup):
    admin, device, _ = setup
    with pytest.raises(ValidationError, match="Commande impossible"):
        downlinks.downlink_request(actor=admin, device=device, command="self_destruct", params={})


def test_a_server_error_marks_the_downlink_failed(setup, lns):
    admin, device, _ = setup
    downlink = downlinks.downlink_request(
        actor=admin, device=device, command="set_interval", params={"seconds": 1200}
    )
    lns.fail_next(401)
    result = downlinks.downlink_send(downlink.pk)
    assert result.state == DownlinkState.FAILED and result.error


def test_an_expired_downlink_is_not_sent(setup, lns):
    admin, device, _ = setup
    downlink = downlinks.downlink_request(
        actor=admin,
        device=device,
        command="set_interval",
        params={"seconds": 1200},
        expires_in=timedelta(seconds=-1),
    )
    assert downlinks.downlink_send(downlink.pk).state == DownlinkState.EXPIRED
    assert lns.chirpstack_queue == []


def test_a_device_that_never_spoke_through_a_configured_server_cannot_be_commanded(arras):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    device = services.device_register(
        actor=admin,
        commune=arras,
        data=services.DeviceData(
            dev_eui="0202020202020202", name="Muet", model="milesight-em300-th"
        ),
    )
    with pytest.raises(ValidationError, match="impossible de lui en envoyer"):
        downlinks.downlink_request(
            actor=admin, device=device, command="set_interval", params={"seconds": 1200}
        )
