"""The ChirpStack v4 JSON envelope: application ids, deduplication ids, radio metadata."""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from datetime import UTC, datetime
from typing import Any

from territoire.sensors.simulator.constants import DEFAULT_SEED, UINT32
from territoire.sensors.simulator.frames import encode
from territoire.sensors.simulator.randomness import Rng
from territoire.sensors.simulator.scenario import Sample, SimDevice

# --- network-server envelope --------------------------------------------------------------

NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-4c8e-9a7f-0d2e4b6c8a10")
_NAMESPACE_BYTES = NAMESPACE.bytes
TENANT_ID = str(uuid.uuid5(NAMESPACE, "tenant:cua"))
EU868_CHANNELS = (868100000, 868300000, 868500000, 867100000, 867300000, 867500000, 867700000)


def application_id(insee: str) -> str:
    """The ChirpStack application UUID of a commune's demo devices (stable across runs)."""
    return str(uuid.uuid5(NAMESPACE, f"application:{insee}"))


def dedup_id(dev_eui: str, at: datetime | str) -> str:
    """A UUID (version 5 of DevEUI and instant): the same uplink always gets the same id."""
    moment = at if isinstance(at, str) else _iso(at)
    # uuid.uuid5 by hand: the same value, without building UUID objects on the hot path.
    # SHA-1 is what UUID version 5 is defined with; it identifies, it protects nothing.
    name = _NAMESPACE_BYTES + f"{dev_eui}:{moment}".encode()
    digest = bytearray(hashlib.sha1(name, usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


class Envelope:
    """Wraps one device's samples in ChirpStack v4 "up" event bodies (Protobuf JSON mapping:
    camelCase, base64 data). The parts that never change are computed once per device."""

    def __init__(self, device: SimDevice, seed: int = DEFAULT_SEED):
        self.device = device
        self.rng = Rng(seed, f"radio:{device.dev_eui}")
        # Each device sits at its own distance from the gateway: a stable mean RSSI.
        self.base_rssi = -78 - 34 * self.rng.u("base")
        self.device_info = {
            "tenantId": TENANT_ID,
            "tenantName": "Communauté urbaine d'Arras",
            "applicationId": device.application_id or application_id(device.commune),
            "applicationName": device.application_name or f"capteurs-{device.commune}",
            "deviceProfileId": str(uuid.uuid5(NAMESPACE, f"profile:{device.model}")),
            "deviceProfileName": device.model,
            "deviceName": device.name or device.dev_eui,
            "devEui": device.dev_eui,
        }
        self.dev_addr = hashlib.blake2b(device.dev_eui.encode(), digest_size=4).hexdigest()

    def body(self, sample: Sample) -> dict[str, Any]:
        device = self.device
        f_port, frame = encode(device.model, sample.values)
        t = int(sample.at.timestamp())
        radio = self.rng.bits("radio", t)  # one draw, split: RSSI, SNR, channel, uplink id
        rssi = round(self.base_rssi + 6 * ((radio & 0xFFFF) / 0x10000 - 0.5))
        jitter = ((radio >> 16) & 0xFFFF) / 0x10000 - 0.5
        snr = round(max(-12.0, min(11.0, 9 + (rssi + 90) / 4 + 2 * jitter)), 1)
        spreading = 7 if rssi > -100 else (9 if rssi > -110 else 10)
        moment = _iso(sample.at)
        return {
            "deduplicationId": dedup_id(device.dev_eui, moment),
            "time": moment,
            "deviceInfo": {
                **self.device_info,
                "tags": {"commune": device.commune} if device.commune else {},
            },
            "devAddr": self.dev_addr,
            "adr": True,
            "dr": 12 - spreading,
            "fCnt": sample.f_cnt,
            "fPort": f_port,
            "data": base64.b64encode(frame).decode(),
            "rxInfo": [
                {
                    "gatewayId": device.gateway_id,
                    "uplinkId": radio >> 32,
                    "rssi": rssi,
                    "snr": snr,
                    "context": base64.b64encode(struct.pack(">I", t % UINT32)).decode(),
                    "metadata": {"region_common_name": "EU868", "region_config_id": "eu868"},
                }
            ],
            "txInfo": {
                "frequency": EU868_CHANNELS[(radio >> 32) % len(EU868_CHANNELS)],
                "modulation": {
                    "lora": {
                        "bandwidth": 125000,
                        "spreadingFactor": spreading,
                        "codeRate": "CR_4_5",
                    }
                },
            },
        }


def chirpstack_up(device: SimDevice, sample: Sample, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The ChirpStack v4 "up" event body of one uplink (see `Envelope`)."""
    return Envelope(device, seed).body(sample)
