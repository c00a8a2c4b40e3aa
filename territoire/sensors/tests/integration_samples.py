"""Shared samples and helpers of the network-server integration tests: the documented
examples, body builders, and the Hypothesis strategies of the property tests."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from territoire.sensors.integrations import (
    MAX_FRM_PAYLOAD,
    OtherEvent,
    StatusEvent,
    Uplink,
    parse_chirpstack,
    parse_tts,
)

NOW = datetime(2025, 6, 1, 12, 0, 30, tzinfo=UTC)

# --- documented examples (reference/iot.md §2, ChirpStack events.md, TTS data formats) -----

CHIRPSTACK_UP: dict[str, Any] = {
    "deduplicationId": "5b3c1f2e-0d9a-4c7e-9f10-2a6b8c4d1e22",
    "time": "2025-03-04T02:15:07.412+00:00",
    "deviceInfo": {
        "tenantId": "0f1e2d3c-...",
        "tenantName": "CUA",
        "applicationId": "a1b2c3d4-...",
        "applicationName": "eau-batiments",
        "deviceProfileId": "d9e8f7a6-...",
        "deviceProfileName": "milesight-em300-di",
        "deviceName": "compteur-gymnase-x",
        "devEui": "24e124136b123456",
        "tags": {"commune": "62041", "batiment": "GYM-X"},
    },
    "devAddr": "01a2b3c4",
    "adr": True,
    "dr": 5,
    "fCnt": 1842,
    "fPort": 85,
    "data": "AXVcBcgQJwAA",
    "rxInfo": [
        {
            "gatewayId": "00800000a0001234",
            "uplinkId": 123456,
            "rssi": -97,
            "snr": 6.5,
            "context": "AAAAAA==",
            "metadata": {"region_common_name": "EU868"},
        }
    ],
    "txInfo": {
        "frequency": 868100000,
        "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}},
    },
}

DEVICE_INFO: dict[str, Any] = {
    "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
    "tenantName": "ChirpStack",
    "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
    "applicationName": "Test application",
    "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
    "deviceProfileName": "Test device-profile",
    "deviceName": "Test device",
    "devEui": "0101010101010101",
    "tags": {"key": "value"},
}

# The official example: no fCnt, adr or confirmed keys (zero/false omitted).
CHIRPSTACK_DOC_UP: dict[str, Any] = {
    "deduplicationId": "3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
    "time": "2022-07-18T09:34:15.775023242+00:00",
    "deviceInfo": DEVICE_INFO,
    "devAddr": "00189440",
    "dr": 1,
    "fPort": 1,
    "data": "qg==",
    "rxInfo": [
        {
            "gatewayId": "0016c001f153a14c",
            "uplinkId": 4217106255,
            "rssi": -36,
            "snr": 10.5,
            "context": "E3OWOQ==",
            "metadata": {"region_name": "eu868", "region_common_name": "EU868"},
        }
    ],
    "txInfo": {
        "frequency": 867100000,
        "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 11, "codeRate": "CR_4_5"}},
    },
}

CHIRPSTACK_STATUS: dict[str, Any] = {
    "deduplicationId": "bf2a9746-1c8b-49be-a92e-f0b89c8534e4",
    "time": "2022-07-18T09:35:06.927172638+00:00",
    "deviceInfo": DEVICE_INFO,
    "margin": 10,
    "batteryLevel": 88.3,
}

TTS_UP: dict[str, Any] = {
    "end_device_ids": {
        "device_id": "sonometre-place-heros",
        "application_ids": {"application_id": "cua-bruit"},
        "dev_eui": "24E124743C001122",
        "join_eui": "24E124C0002A0001",
        "dev_addr": "260B1234",
    },
    "correlation_ids": ["as:up:01HZX..."],
    "received_at": "2025-06-21T22:10:03.120Z",
    "uplink_message": {
        "f_port": 85,
        "f_cnt": 77,
        "frm_payload": "AXVkBVsFPwLaAWoC",
        "decoded_payload": {"battery": 100, "LAF": 57.5, "LAeq": 47.4, "LAFmax": 61.8},
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "gw-citadelle", "eui": "0080000000A01234"},
                "rssi": -104,
                "snr": 3.25,
                "timestamp": 1234567,
            }
        ],
        "settings": {
            "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 9}},
            "frequency": "867300000",
        },
        "received_at": "2025-06-21T22:10:03.101Z",
        "consumed_airtime": "0.205824s",
    },
}

TTS_IDS: dict[str, Any] = {
    "device_id": "dev1",
    "application_ids": {"application_id": "app1"},
    "dev_eui": "0004A30B001C0530",
    "join_eui": "800000000000000C",
    "dev_addr": "00BCB929",
}

# The documented example: no f_port (so 0), correlation ids from every component.
TTS_DOC_UP: dict[str, Any] = {
    "end_device_ids": TTS_IDS,
    "correlation_ids": [
        "as:up:01E0WZGT6Y7657CPFPE5WEYDSQ",
        "gs:conn:01E0WDEC6T5T4XXBAX7S1VMFKE",
        "gs:uplink:01E0WZGSZWT07NE5TS2APTV1Z9",
        "ns:uplink:01E0WZGSZXZXZS8RFAWZX0F2FY",
        "rpc:/ttn.lorawan.v3.GsNs/HandleUplink:01E0WZGSZXGE1KS577PFBWRJEE",
    ],
    "received_at": "2020-02-12T15:15:46.014773143Z",
    "uplink_message": {
        "session_key_id": "AXA50tHUGUucuzS/bCGMNw==",
        "f_cnt": 1,
        "frm_payload": "gkHe",
        "decoded_payload": {"temperature": 1.0, "luminosity": 0.64},
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "gtw1", "eui": "9C5C8E00001A05C4"},
                "time": "2020-02-12T15:15:45.787Z",
                "timestamp": 2463457000,
                "rssi": -35,
                "channel_rssi": -35,
                "snr": 5,
                "uplink_token": "ChIKEAoEZ3R3MRIInFyOAAAaBcQQ6L3Vlgk=",
                "channel_index": 2,
            }
        ],
        "settings": {
            "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}},
            "data_rate_index": 5,
            "coding_rate": "4/6",
            "frequency": "868300000",
            "timestamp": 2463457000,
            "time": "2020-02-12T15:15:45.787Z",
        },
        "consumed_airtime": "0.056576s",
        "received_at": "2020-02-12T15:15:45.789585559Z",
    },
}


def chirpstack_up(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(CHIRPSTACK_UP)
    body.update(changes)
    return body


def tts_up(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(TTS_UP)
    body["uplink_message"].update(changes)
    return body


def cs_uplink(body: Any) -> Uplink:
    event = parse_chirpstack("up", body, now=NOW)
    assert isinstance(event, Uplink)
    return event


def tts_uplink(body: Any) -> Uplink:
    event = parse_tts(body, now=NOW)
    assert isinstance(event, Uplink)
    return event


# --- property-test building blocks ---------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "qg==", "0101010101010101", "2025-03-04T02:15:07Z", "as:up:1", "85"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly well-typed values, sometimes anything: reaches deep code and the error paths."""
    # one_of() would not keep a 9:1 ratio; the arbitrary branch is last so shrinking leaves it.
    return st.sampled_from(range(10)).flatmap(lambda i: json_values if i == 9 else valid)


def _object(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _maybe(st.fixed_dictionaries(required, optional=optional))


dev_euis = _maybe(
    st.sampled_from(["0101010101010101", "24E124743C001122", "24e124136b123456", "0101", ""])
)
times = _maybe(
    st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())
    | st.sampled_from(["2022-07-18T09:34:15.775023242+00:00", "2020-02-12T15:15:46Z"])
)
counters = _maybe(st.integers(min_value=0, max_value=2**32 - 1) | st.integers().map(str))
ports = _maybe(st.integers(min_value=0, max_value=300))
payloads = _maybe(
    st.binary(max_size=MAX_FRM_PAYLOAD + 2).map(lambda raw: base64.b64encode(raw).decode())
)
numbers = _maybe(st.integers(-150, 50) | st.floats(-30, 30))
strings = _maybe(st.text(max_size=20))
string_maps = _maybe(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))


property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _check_event(event: object) -> None:
    assert isinstance(event, Uplink | StatusEvent | OtherEvent)
    assert event.received_at.tzinfo is UTC
    if isinstance(event, Uplink):
        assert len(event.dev_eui) == 16 and event.dev_eui == event.dev_eui.lower()
        assert len(event.payload) <= MAX_FRM_PAYLOAD
        assert 0 <= event.f_port <= 255
        assert event.dedup_key
