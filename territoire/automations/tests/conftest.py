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
# Actuators of the same commune, registered and heard like the probes.
ACTUATORS = {
    "0303030303030303": ("Porte de la salle", "milesight-ws558-door", "08310000"),
    "0404040404040404": ("Éclairage du hall", "milesight-ws558", "08310000"),
}


@dataclass
class World:
    agent: object
    devices: list[Device]
    rain: Series
    lns: FakeNetworkServer
    door: Device
    lamp: Device


def add_readings(series: Series, rows: list[tuple[datetime, float]]) -> None:
    Reading.objects.bulk_create(Reading(series=series, at=at, value=v) for at, v in rows)


@pytest.fixture
def world(arras, client) -> World:
    with FakeNetworkServer(chirpstack_devices=set(EUIS) | set(ACTUATORS)) as lns:
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
        registered = [
            (eui, f"Sonde {n + 1}", "milesight-em300-th", "017550") for n, eui in enumerate(EUIS)
        ]
        registered += [(eui, *rest) for eui, rest in ACTUATORS.items()]
        for n, (eui, name, model, hex_frame) in enumerate(registered):
            devices.append(
                sensor_services.device_register(
                    actor=admin,
                    commune=arras,
                    data=sensor_services.DeviceData(dev_eui=eui, name=name, model=model),
                )
            )
            frame = base64.b64encode(bytes.fromhex(hex_frame)).decode()
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
        door, lamp = devices[len(EUIS) :]
        devices = devices[: len(EUIS)]
        rain = Series.objects.create(
            device=devices[0], quantity="pluie", label="Pluie", unit="mm", kind="gauge"
        )
        agent = person_with_role(Role.AGENT, arras, module="automations", email="agent@arras.fr")
        # Commanding devices is the sensor hub's right: the agent also holds it.
        from territoire.core.models import Membership

        Membership.objects.create(user=agent, role=Role.AGENT, commune=arras, module="sensors")
        yield World(agent, devices, rain, lns, door, lamp)
