"""A commune agent, two devices that accept commands and have spoken through an integration
with a (fake) network server, and a rain gauge series with readings."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

import pytest

from territoire.core.models import Role
from territoire.core.testing import person_with_role
from territoire.sensors import services as sensor_services
from territoire.sensors.models import Device, Reading, Series
from territoire.sensors.tests.fake_network_server import FakeNetworkServer

EUIS = ("0101010101010101", "0202020202020202")


@dataclass
class World:
    agent: object
    devices: list[Device]
    rain: Series
    lns: FakeNetworkServer


def add_readings(series: Series, rows: list[tuple[datetime, float]]) -> None:
    Reading.objects.bulk_create(Reading(series=series, at=at, value=v) for at, v in rows)


@pytest.fixture
def world(arras, client) -> World:
    with FakeNetworkServer(chirpstack_devices=set(EUIS)) as lns:
        admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
        integration, secret = sensor_services.integration_create(
            actor=admin,
            name="ChirpStack",
            source="chirpstack",
            commune=arras,
            downlink_url=lns.url,
            downlink_token=lns.chirpstack_token,
        )
        devices = []
        for n, eui in enumerate(EUIS):
            devices.append(
                sensor_services.device_register(
                    actor=admin,
                    commune=arras,
                    data=sensor_services.DeviceData(
                        dev_eui=eui, name=f"Sonde {n + 1}", model="milesight-em300-th"
                    ),
                )
            )
            frame = base64.b64encode(bytes([0x01, 0x75, 80])).decode()
            client.post(
                "/api/v1/sensors/ingest/chirpstack?event=up",
                json.dumps(
                    {
                        "deduplicationId": f"d{n}",
                        "deviceInfo": {"devEui": eui},
                        "fPort": 85,
                        "data": frame,
                    }
                ),
                content_type="application/json",
                headers={"Authorization": f"Bearer {secret}"},
            )
        rain = Series.objects.create(
            device=devices[0], quantity="pluie", label="Pluie", unit="mm", kind="gauge"
        )
        agent = person_with_role(Role.AGENT, arras, module="automations", email="agent@arras.fr")
        # Commanding devices is the sensor hub's right: the agent also holds it.
        from territoire.core.models import Membership

        Membership.objects.create(user=agent, role=Role.AGENT, commune=arras, module="sensors")
        yield World(agent, devices, rain, lns)
