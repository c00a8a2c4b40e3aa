"""Network-server integrations: event normalisation, topics, downlink clients (no database)."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoire.sensors.integrations import (
    MAX_FRM_PAYLOAD,
    ChirpStackClient,
    DownlinkError,
    DownlinkRequest,
    OtherEvent,
    PayloadError,
    RadioInfo,
    StatusEvent,
    TtsClient,
    Uplink,
    chirpstack_topic,
    parse_chirpstack,
    parse_tts,
    tts_topic,
)
from territoire.sensors.tests.fake_network_server import FakeNetworkServer

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


# --- ChirpStack -----------------------------------------------------------------------------


def test_chirpstack_uplink_reference_example() -> None:
    """The iot.md example maps field by field, payload decoded from base64."""
    event = parse_chirpstack("up", CHIRPSTACK_UP, now=NOW)
    assert isinstance(event, Uplink)
    assert event.source == "chirpstack"
    assert event.dedup_key == "5b3c1f2e-0d9a-4c7e-9f10-2a6b8c4d1e22"
    assert event.dev_eui == "24e124136b123456"
    assert event.device_name == "compteur-gymnase-x"
    assert event.application_id == "a1b2c3d4-..."
    assert event.received_at == datetime(2025, 3, 4, 2, 15, 7, 412000, tzinfo=UTC)
    assert (event.f_port, event.f_cnt) == (85, 1842)
    assert event.payload == bytes.fromhex("01755c05c810270000")
    assert event.radio == (RadioInfo(gateway_id="00800000a0001234", rssi=-97.0, snr=6.5),)
    assert event.tags == {"commune": "62041", "batiment": "GYM-X"}
    assert event.adr is True
    assert event.confirmed is False
    assert event.frequency == 868100000
    assert event.decoded is None


def test_chirpstack_official_example_defaults_omitted_fields() -> None:
    """fCnt, adr and confirmed are absent from the documented `up`: they mean 0 and false."""
    event = parse_chirpstack("up", CHIRPSTACK_DOC_UP, now=NOW)
    assert isinstance(event, Uplink)
    assert event.f_cnt == 0
    assert event.adr is False
    assert event.confirmed is False
    assert event.f_port == 1
    assert event.payload == b"\xaa"
    # Nanoseconds are truncated to microseconds, never rounded up.
    assert event.received_at == datetime(2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC)


def test_chirpstack_minimal_uplink_gets_every_default() -> None:
    """Only the DevEUI is present: port, counter, payload, radio and time take defaults."""
    event = parse_chirpstack("up", {"deviceInfo": {"devEui": "0101010101010101"}}, now=NOW)
    assert isinstance(event, Uplink)
    assert (event.f_port, event.f_cnt, event.payload) == (0, 0, b"")
    assert event.radio == ()
    assert event.tags == {}
    assert (event.device_name, event.application_id) == ("", "")
    assert event.received_at == NOW
    assert event.dedup_key == "0101010101010101:0:2025-06-01T12:00Z"


def test_chirpstack_uplink_normalises_dev_eui_case_and_keeps_codec_output() -> None:
    """DevEUI case is normalised; a ChirpStack codec's `object` is kept aside."""
    body = chirpstack_up(object={"battery": 92})
    body["deviceInfo"]["devEui"] = "24E124136B123456"
    event = parse_chirpstack("up", body, now=NOW)
    assert isinstance(event, Uplink)
    assert event.dev_eui == "24e124136b123456"
    assert event.decoded == {"battery": 92}


def test_chirpstack_unknown_fields_are_ignored() -> None:
    """New fields from a later ChirpStack release change nothing."""
    body = chirpstack_up(futureField={"nested": [1, 2]}, relayRxInfo={"devEui": "x"})
    body["deviceInfo"]["deviceClassEnabled"] = "CLASS_A"
    body["rxInfo"][0]["crcStatus"] = "CRC_OK"
    assert parse_chirpstack("up", body, now=NOW) == parse_chirpstack("up", CHIRPSTACK_UP, now=NOW)


def test_chirpstack_gateway_without_rssi_or_snr() -> None:
    """Radio values absent from a gateway report are unknown (None), not zero."""
    body = chirpstack_up(rxInfo=[{"gatewayId": "0016c001f153a14c"}])
    event = parse_chirpstack("up", body, now=NOW)
    assert isinstance(event, Uplink)
    assert event.radio == (RadioInfo("0016c001f153a14c", None, None),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04T02:15:07Z", datetime(2025, 3, 4, 2, 15, 7, tzinfo=UTC)),
        ("2025-03-04T02:15:07.123456789Z", datetime(2025, 3, 4, 2, 15, 7, 123456, tzinfo=UTC)),
        ("2025-03-04T03:15:07+01:00", datetime(2025, 3, 4, 2, 15, 7, tzinfo=UTC)),
        ("2025-03-04T02:15:07.5+00:00", datetime(2025, 3, 4, 2, 15, 7, 500000, tzinfo=UTC)),
    ],
)
def test_chirpstack_time_formats(text: str, expected: datetime) -> None:
    """RFC 3339 with 'Z', offsets and nanoseconds becomes aware UTC."""
    event = parse_chirpstack("up", chirpstack_up(time=text), now=NOW)
    assert event.received_at == expected
    assert event.received_at.tzinfo is UTC


def test_chirpstack_naive_now_is_taken_as_utc() -> None:
    """A `now` without zone is read as UTC rather than rejected."""
    body = {"deviceInfo": {"devEui": "0101010101010101"}}
    event = parse_chirpstack("up", body, now=datetime(2025, 1, 1, 8, 0))
    assert event.received_at == datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    paris = timezone(timedelta(hours=1))
    event = parse_chirpstack("up", body, now=datetime(2025, 1, 1, 9, 0, tzinfo=paris))
    assert event.received_at == datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


def test_chirpstack_payload_size_limit() -> None:
    """242 bytes is the LoRaWAN maximum: accepted; one more is refused."""
    largest = base64.b64encode(bytes(MAX_FRM_PAYLOAD)).decode()
    event = parse_chirpstack("up", chirpstack_up(data=largest), now=NOW)
    assert isinstance(event, Uplink)
    assert len(event.payload) == MAX_FRM_PAYLOAD
    too_large = base64.b64encode(bytes(MAX_FRM_PAYLOAD + 1)).decode()
    with pytest.raises(PayloadError) as caught:
        parse_chirpstack("up", chirpstack_up(data=too_large), now=NOW)
    assert caught.value.reason == "payload_too_large"
    assert "242 octets" in caught.value.message


def test_chirpstack_accepts_unpadded_and_url_safe_base64() -> None:
    """The Protobuf JSON mapping allows both; ChirpStack itself sends padded standard."""
    assert cs_uplink(chirpstack_up(data="qg")).payload == b"\xaa"
    assert cs_uplink(chirpstack_up(data="-_8=")).payload == b"\xfb\xff"


def test_chirpstack_numeric_strings_follow_the_protobuf_mapping() -> None:
    """Integers may arrive as JSON strings (64-bit fields); they are read as numbers."""
    event = cs_uplink(chirpstack_up(fCnt="1842", fPort=85.0))
    assert (event.f_cnt, event.f_port) == (1842, 85)


def test_chirpstack_status_battery_and_margin() -> None:
    """The documented status event gives battery percent and margin."""
    event = parse_chirpstack("status", CHIRPSTACK_STATUS, now=NOW)
    assert event == StatusEvent(
        source="chirpstack",
        dev_eui="0101010101010101",
        received_at=datetime(2022, 7, 18, 9, 35, 6, 927172, tzinfo=UTC),
        battery_level=88.3,
        margin=10,
    )


@pytest.mark.parametrize(
    ("changes", "battery", "margin"),
    [
        ({"externalPowerSource": True, "batteryLevel": None}, None, 10),
        ({"batteryLevelUnavailable": True, "batteryLevel": None}, None, 10),
        ({"batteryLevel": None, "margin": None}, 0.0, 0),
        ({"margin": -5}, 88.3, -5),
    ],
)
def test_chirpstack_status_variants(
    changes: dict[str, Any], battery: float | None, margin: int
) -> None:
    """Mains power or no report → no battery level; omitted values are zero."""
    body = {**CHIRPSTACK_STATUS, **changes}
    body = {key: value for key, value in body.items() if value is not None}
    event = parse_chirpstack("status", body, now=NOW)
    assert isinstance(event, StatusEvent)
    assert (event.battery_level, event.margin) == (battery, margin)


def test_chirpstack_status_battery_out_of_range() -> None:
    """A percentage above 100 is refused."""
    with pytest.raises(PayloadError) as caught:
        parse_chirpstack("status", {**CHIRPSTACK_STATUS, "batteryLevel": 180}, now=NOW)
    assert caught.value.reason == "out_of_range"


@pytest.mark.parametrize(
    ("event", "extra"),
    [
        ("join", {"devAddr": "00189440"}),
        ("ack", {"queueItemId": "1bbcab1d", "acknowledged": True, "fCntDown": 3}),
        ("txack", {"downlinkId": 3461958127, "queueItemId": "42cb6459", "fCntDown": 2}),
        ("log", {"level": "ERROR", "code": "UPLINK_MIC", "description": "MIC invalide"}),
        ("location", {"location": {"latitude": 50.29, "longitude": 2.78, "altitude": 2}}),
        ("integration", {"integrationName": "loracloud", "object": {"a": None}}),
        ("brandnew", {"whatever": [1]}),
    ],
)
def test_chirpstack_other_events_are_kept_for_history(event: str, extra: dict[str, Any]) -> None:
    """Non-measurement events (and unknown ones) become OtherEvent with their data."""
    body = {"time": "2022-07-18T09:33:28.823500726+00:00", "deviceInfo": DEVICE_INFO, **extra}
    parsed = parse_chirpstack(event, body, now=NOW)
    assert isinstance(parsed, OtherEvent)
    assert parsed.kind == event
    assert parsed.dev_eui == "0101010101010101"
    assert parsed.application_id == DEVICE_INFO["applicationId"]
    assert parsed.received_at == datetime(2022, 7, 18, 9, 33, 28, 823500, tzinfo=UTC)
    assert "deviceInfo" not in parsed.data
    assert {key: parsed.data[key] for key in extra} == extra


def test_chirpstack_other_event_data_is_a_copy() -> None:
    """Mutating the body afterwards does not change the recorded event."""
    location = {"latitude": 1.0}
    parsed = parse_chirpstack(
        "location", {"deviceInfo": DEVICE_INFO, "location": location}, now=NOW
    )
    location["latitude"] = 2.0
    assert isinstance(parsed, OtherEvent)
    assert parsed.data["location"] == {"latitude": 1.0}


# Each case: mutation of the reference `up`, expected reason, a French fragment of the message.
CHIRPSTACK_BAD = [
    ({"fPort": "abc"}, "wrong_type", "doit être un nombre entier"),
    ({"fPort": 300}, "out_of_range", "compris entre 0 et 255"),
    ({"fCnt": -1}, "out_of_range", "compris entre"),
    ({"fCnt": True}, "wrong_type", "reçu : un booléen"),
    ({"fCnt": 1.5}, "wrong_type", "nombre entier"),
    ({"data": "pas du base64 !"}, "invalid_base64", "n'est pas du base64 valide"),
    ({"data": "qg=x"}, "invalid_base64", "base64"),
    ({"data": "A"}, "invalid_base64", "base64"),
    ({"data": 123}, "wrong_type", "chaîne base64"),
    ({"data": "A" * 1000}, "payload_too_large", "maximum LoRaWAN"),
    ({"rxInfo": {"gatewayId": "x"}}, "wrong_type", "doit être une liste"),
    ({"rxInfo": ["gw"]}, "wrong_type", "rxInfo[0]"),
    ({"rxInfo": [{"gatewayId": "x", "rssi": "fort"}]}, "wrong_type", "doit être un nombre"),
    ({"rxInfo": [{"gatewayId": 7}]}, "wrong_type", "chaîne de caractères"),
    ({"time": "hier"}, "invalid_time", "RFC 3339"),
    ({"time": "2025-13-45T99:00:00Z"}, "invalid_time", "RFC 3339"),
    ({"time": 1700000000}, "wrong_type", "date RFC 3339"),
    ({"deduplicationId": 42}, "wrong_type", "deduplicationId"),
    ({"adr": "yes"}, "wrong_type", "booléen"),
    ({"txInfo": {"frequency": "abc"}}, "wrong_type", "txInfo.frequency"),
    ({"object": [1, 2]}, "wrong_type", "un objet"),
    ({"deviceInfo": "0101010101010101"}, "wrong_type", "deviceInfo"),
    ({"deviceInfo": {"deviceName": "x"}}, "missing_dev_eui", "DevEUI du capteur est absent"),
    ({"deviceInfo": {"devEui": "0101"}}, "invalid_dev_eui", "16 chiffres hexadécimaux"),
    ({"deviceInfo": {"devEui": "zz01010101010101"}}, "invalid_dev_eui", "n'est pas valide"),
    ({"deviceInfo": {"devEui": 101010101}}, "wrong_type", "deviceInfo.devEui"),
    (
        {"deviceInfo": {"devEui": "0101010101010101", "tags": {"n": 1}}},
        "wrong_type",
        "deviceInfo.tags.n",
    ),
]


@pytest.mark.parametrize(("changes", "reason", "fragment"), CHIRPSTACK_BAD)
def test_chirpstack_malformed_uplinks(changes: dict[str, Any], reason: str, fragment: str) -> None:
    """Wrong types and bad values give a PayloadError with a French message and a reason."""
    with pytest.raises(PayloadError) as caught:
        parse_chirpstack("up", chirpstack_up(**changes), now=NOW)
    assert caught.value.reason == reason
    assert fragment in str(caught.value)


@pytest.mark.parametrize("body", [None, [], "texte", 42, [CHIRPSTACK_UP]])
def test_chirpstack_body_must_be_an_object(body: Any) -> None:
    """A non-object body is refused before anything else."""
    with pytest.raises(PayloadError) as caught:
        parse_chirpstack("up", body, now=NOW)
    assert caught.value.reason == "not_an_object"
    assert "doit être un objet JSON" in caught.value.message


@pytest.mark.parametrize("event", ["", "UP", "up/extra", None, 3])
def test_chirpstack_event_type_must_be_valid(event: Any) -> None:
    """The HTTP `event` parameter is required and must look like an event name."""
    with pytest.raises(PayloadError) as caught:
        parse_chirpstack(event, CHIRPSTACK_UP, now=NOW)
    assert caught.value.reason == "invalid_event"


def test_chirpstack_status_requires_dev_eui() -> None:
    """Every event, not only uplinks, must name its device."""
    with pytest.raises(PayloadError) as caught:
        parse_chirpstack("status", {"batteryLevel": 50}, now=NOW)
    assert caught.value.reason == "missing_dev_eui"


# --- The Things Stack -----------------------------------------------------------------------


def test_tts_uplink_reference_example() -> None:
    """The iot.md TTS example maps field by field; frequency arrives as a string."""
    event = parse_tts(TTS_UP, now=NOW)
    assert isinstance(event, Uplink)
    assert event.source == "tts"
    assert event.dedup_key == "as:up:01HZX..."
    assert event.dev_eui == "24e124743c001122"
    assert event.device_name == "sonometre-place-heros"
    assert event.application_id == "cua-bruit"
    # The Network Server's reception time, not the Application Server's.
    assert event.received_at == datetime(2025, 6, 21, 22, 10, 3, 101000, tzinfo=UTC)
    assert (event.f_port, event.f_cnt) == (85, 77)
    assert event.payload == base64.b64decode("AXVkBVsFPwLaAWoC")
    assert event.radio == (RadioInfo("gw-citadelle", -104.0, 3.25),)
    assert event.frequency == 867300000
    assert event.decoded == {"battery": 100, "LAF": 57.5, "LAeq": 47.4, "LAFmax": 61.8}
    assert event.tags == {}
    assert event.simulated is False


def test_tts_documented_example_without_f_port() -> None:
    """The TTS documentation's uplink has no f_port: it defaults to 0."""
    event = parse_tts(TTS_DOC_UP, now=NOW)
    assert isinstance(event, Uplink)
    assert (event.f_port, event.f_cnt) == (0, 1)
    assert event.dedup_key == "as:up:01E0WZGT6Y7657CPFPE5WEYDSQ"
    assert event.dev_eui == "0004a30b001c0530"
    assert event.received_at == datetime(2020, 2, 12, 15, 15, 45, 789585, tzinfo=UTC)
    assert event.radio == (RadioInfo("gtw1", -35.0, 5.0),)
    assert event.frequency == 868300000


def test_tts_uplink_without_f_cnt_or_payload() -> None:
    """First uplink after a join has f_cnt 0, hence no f_cnt key; an empty frame no payload."""
    body = tts_up()
    del body["uplink_message"]["f_cnt"]
    del body["uplink_message"]["frm_payload"]
    del body["uplink_message"]["received_at"]
    event = parse_tts(body, now=NOW)
    assert isinstance(event, Uplink)
    assert (event.f_cnt, event.payload) == (0, b"")
    # Falls back to the top-level (Application Server) time.
    assert event.received_at == datetime(2025, 6, 21, 22, 10, 3, 120000, tzinfo=UTC)


def test_tts_rssi_from_channel_rssi_and_gateway_eui() -> None:
    """Packet-broker style metadata: channel_rssi only, gateway known by EUI only."""
    body = tts_up(rx_metadata=[{"gateway_ids": {"eui": "0080000000A01234"}, "channel_rssi": -90}])
    event = parse_tts(body, now=NOW)
    assert isinstance(event, Uplink)
    assert event.radio == (RadioInfo("0080000000a01234", -90.0, None),)


def test_tts_attributes_become_tags_and_simulated_flag() -> None:
    """TTS 3.34+ forwards end-device attributes; console-simulated uplinks are flagged."""
    body = tts_up(attributes={"commune": "62041"}, confirmed=True)
    body["simulated"] = True
    event = parse_tts(body, now=NOW)
    assert isinstance(event, Uplink)
    assert event.tags == {"commune": "62041"}
    assert event.simulated is True
    assert event.confirmed is True


def test_tts_unknown_fields_are_ignored() -> None:
    """Fields from a later TTS release change nothing."""
    body = tts_up(network_ids={"net_id": "000013"}, version_ids={"brand_id": "milesight"})
    body["end_device_ids"]["new_id"] = "x"
    body["brand_new"] = {"x": 1}
    assert parse_tts(body, now=NOW) == parse_tts(TTS_UP, now=NOW)


def test_tts_dedup_key_differs_with_correlation_id_for_same_f_cnt() -> None:
    """Same device and fCnt but different uplinks (e.g. after a rejoin): different keys."""
    first = copy.deepcopy(TTS_UP)
    second = copy.deepcopy(TTS_UP)
    first["correlation_ids"] = ["gs:conn:SAME", "as:up:01AAAAAAAAAAAAAAAAAAAAAAAA"]
    second["correlation_ids"] = ["gs:conn:SAME", "as:up:01BBBBBBBBBBBBBBBBBBBBBBBB"]
    key_one = parse_tts(first, now=NOW)
    key_two = parse_tts(second, now=NOW)
    assert isinstance(key_one, Uplink) and isinstance(key_two, Uplink)
    assert key_one.f_cnt == key_two.f_cnt
    assert key_one.dedup_key == "as:up:01AAAAAAAAAAAAAAAAAAAAAAAA"
    assert key_one.dedup_key != key_two.dedup_key


def test_tts_dedup_key_without_as_up_skips_connection_ids() -> None:
    """Without an as:up id, a per-message id is used, never the shared gateway connection id."""
    body = copy.deepcopy(TTS_UP)
    body["correlation_ids"] = ["gs:conn:SHARED", "ns:uplink:01XYZ"]
    assert tts_uplink(body).dedup_key == "ns:uplink:01XYZ"
    body["correlation_ids"] = ["gs:conn:SHARED"]
    assert tts_uplink(body).dedup_key == "24e124743c001122:77:2025-06-21T22:10Z"


def test_fallback_dedup_key_survives_rejoin() -> None:
    """fCnt restarts at 0 after a rejoin: the key includes time, so both uplinks are kept."""
    before = tts_up(f_cnt=0, received_at="2025-06-21T22:10:03Z")
    after = tts_up(f_cnt=0, received_at="2025-06-22T08:00:00Z")
    for body in (before, after):
        del body["correlation_ids"]
    key_before = tts_uplink(before).dedup_key
    key_after = tts_uplink(after).dedup_key
    assert key_before == "24e124743c001122:0:2025-06-21T22:10Z"
    assert key_after == "24e124743c001122:0:2025-06-22T08:00Z"
    # A redelivery of the same message gets the same key.
    assert tts_uplink(copy.deepcopy(before)).dedup_key == key_before


def test_chirpstack_fallback_dedup_key_is_not_f_cnt_alone() -> None:
    """Without deduplicationId, ChirpStack uplinks fall back to DevEUI, fCnt and minute."""
    body = chirpstack_up()
    del body["deduplicationId"]
    event = parse_chirpstack("up", body, now=NOW)
    assert isinstance(event, Uplink)
    assert event.dedup_key == "24e124136b123456:1842:2025-03-04T02:15Z"


def test_tts_join_accept_documented_example() -> None:
    """join_accept becomes OtherEvent(kind="join")."""
    body = {
        "end_device_ids": {**TTS_IDS, "dev_addr": "01497ECC"},
        "correlation_ids": ["as:up:01E191YN5F2HMBQCBCVRF731VY"],
        "received_at": "2020-02-17T07:49:09.935284891Z",
        "join_accept": {
            "session_key_id": "AXBSH1Pk6Z0G166RlH16CQ==",
            "received_at": "2020-02-17T07:49:09.736532315Z",
        },
    }
    event = parse_tts(body, now=NOW)
    assert isinstance(event, OtherEvent)
    assert event.kind == "join"
    assert event.dev_eui == "0004a30b001c0530"
    assert (event.device_id, event.application_id) == ("dev1", "app1")
    assert event.received_at == datetime(2020, 2, 17, 7, 49, 9, 935284, tzinfo=UTC)
    assert event.data["session_key_id"] == "AXBSH1Pk6Z0G166RlH16CQ=="


DOWNLINK: dict[str, Any] = {
    "session_key_id": "AXBSp8v2brG0jqkri+sIkw==",
    "f_port": 15,
    "f_cnt": 1,
    "frm_payload": "vu8=",
    "confirmed": True,
    "priority": "NORMAL",
    "correlation_ids": ["as:downlink:01E19B99501X84X6CV471TVSZ1"],
}


@pytest.mark.parametrize(
    ("key", "kind", "acknowledged"),
    [
        ("downlink_ack", "ack", True),
        ("downlink_nack", "ack", False),
        ("downlink_sent", "txack", None),
        ("downlink_queued", "downlink_queued", None),
    ],
)
def test_tts_downlink_events(key: str, kind: str, acknowledged: bool | None) -> None:
    """Downlink events share ChirpStack's vocabulary; ack/nack differ by `acknowledged`."""
    body = {
        "end_device_ids": TTS_IDS,
        "correlation_ids": ["as:downlink:01E19B99501X84X6CV471TVSZ1"],
        "received_at": "2020-02-17T10:32:24.590413417Z",
        key: DOWNLINK,
    }
    event = parse_tts(body, now=NOW)
    assert isinstance(event, OtherEvent)
    assert event.kind == kind
    assert event.data["correlation_ids"] == DOWNLINK["correlation_ids"]
    assert event.data.get("acknowledged") == acknowledged


def test_tts_downlink_failed_without_dev_eui() -> None:
    """The documented downlink_failed has no dev_eui nor time: device_id and `now` stand in."""
    body = {
        "end_device_ids": {"device_id": "dev1", "application_ids": {"application_id": "app1"}},
        "correlation_ids": ["as:downlink:01E19Z5W3BZBG7CXSJE9C0A3CE"],
        "downlink_failed": {
            "downlink": {"f_port": 15, "frm_payload": "vu8=", "confirmed": True},
            "error": {
                "namespace": "pkg/networkserver",
                "name": "application_downlink_too_long",
                "code": 3,
            },
        },
    }
    event = parse_tts(body, now=NOW)
    assert isinstance(event, OtherEvent)
    assert (event.kind, event.dev_eui, event.device_id) == ("downlink_failed", "", "dev1")
    assert event.received_at == NOW
    assert event.data["error"]["name"] == "application_downlink_too_long"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("service_data", "service_data"),
        ("location_solved", "location"),
        ("downlink_queue_invalidated", "downlink_queue_invalidated"),
        ("some_future_message", "some_future_message"),
    ],
)
def test_tts_other_messages(key: str, kind: str) -> None:
    """Service data, solved locations and unknown message types are kept under a kind."""
    body = {"end_device_ids": TTS_IDS, key: {"service": "lora-cloud", "data": {"x": 1}}}
    event = parse_tts(body, now=NOW)
    assert isinstance(event, OtherEvent)
    assert event.kind == kind
    assert event.data == {"service": "lora-cloud", "data": {"x": 1}}


def test_tts_message_without_content() -> None:
    """Identifiers alone: an 'unknown' event, not an error."""
    event = parse_tts({"end_device_ids": TTS_IDS}, now=NOW)
    assert isinstance(event, OtherEvent)
    assert (event.kind, event.data) == ("unknown", {})


def _without_dev_eui() -> dict[str, Any]:
    body = copy.deepcopy(TTS_UP)
    del body["end_device_ids"]["dev_eui"]
    return body


TTS_BAD: list[tuple[Any, str, str]] = [
    ([TTS_UP], "not_an_object", "doit être un objet JSON"),
    (_without_dev_eui(), "missing_dev_eui", "DevEUI du capteur est absent"),
    ({**TTS_UP, "uplink_message": "x"}, "wrong_type", "uplink_message"),
    ({**TTS_UP, "end_device_ids": []}, "wrong_type", "end_device_ids"),
    ({**TTS_UP, "correlation_ids": "as:up:1"}, "wrong_type", "correlation_ids"),
    ({**TTS_UP, "correlation_ids": [1]}, "wrong_type", "correlation_ids[0]"),
    ({**TTS_UP, "received_at": "demain"}, "invalid_time", "RFC 3339"),
    (tts_up(f_port="abc"), "wrong_type", "uplink_message.f_port"),
    (tts_up(f_cnt=2**32), "out_of_range", "compris entre"),
    (tts_up(frm_payload="%%%"), "invalid_base64", "base64"),
    (tts_up(frm_payload=base64.b64encode(bytes(243)).decode()), "payload_too_large", "242"),
    (tts_up(rx_metadata=[{"gateway_ids": "gw"}]), "wrong_type", "gateway_ids"),
    (tts_up(rx_metadata=[{"rssi": float("nan")}]), "out_of_range", "nombre fini"),
    (tts_up(settings={"frequency": "867,3 MHz"}), "wrong_type", "settings.frequency"),
    (tts_up(attributes={"a": ["b"]}), "wrong_type", "attributes.a"),
    (tts_up(decoded_payload="texte"), "wrong_type", "decoded_payload"),
    ({"join_accept": {}}, "missing_dev_eui", "DevEUI"),
    ({"end_device_ids": {"dev_eui": "XYZ"}, "join_accept": {}}, "invalid_dev_eui", "XYZ"),
    ({"end_device_ids": TTS_IDS, "downlink_ack": [1]}, "wrong_type", "downlink_ack"),
]


@pytest.mark.parametrize(("body", "reason", "fragment"), TTS_BAD)
def test_tts_malformed_messages(body: Any, reason: str, fragment: str) -> None:
    """Malformed TTS messages give a PayloadError with a French message and a reason."""
    with pytest.raises(PayloadError) as caught:
        parse_tts(body, now=NOW)
    assert caught.value.reason == reason
    assert fragment in caught.value.message


# --- topics ---------------------------------------------------------------------------------


def test_chirpstack_topic() -> None:
    """Application UUID, DevEUI (normalised) and event type come out of the topic."""
    topic = "application/17c82e96-be03-4f38-aef3-f83d48582d97/device/0101010101010ABC/event/up"
    assert chirpstack_topic(topic) == (
        "17c82e96-be03-4f38-aef3-f83d48582d97",
        "0101010101010abc",
        "up",
    )


@pytest.mark.parametrize(
    "topic",
    [
        "",
        "application/app/device/0101010101010101/event",
        "application/app/device/0101010101010101/event/up/extra",
        "application/app/device/0101010101010101/command/down",
        "application//device/0101010101010101/event/up",
        "application/+/device/0101010101010101/event/up",
        "application/app/device/0101/event/up",
        "application/app/device/0101010101010101/event/#",
        "gateway/0101010101010101/event/up",
    ],
)
def test_chirpstack_bad_topics(topic: str) -> None:
    """Anything but an application event topic is refused in French."""
    with pytest.raises(PayloadError) as caught:
        chirpstack_topic(topic)
    assert caught.value.reason in {"invalid_topic", "invalid_dev_eui"}
    assert caught.value.message


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        (
            "v3/cua-bruit/devices/sonometre-place-heros/up",
            ("cua-bruit", "sonometre-place-heros", "up"),
        ),
        ("v3/cua-bruit@cua/devices/dev1/join", ("cua-bruit@cua", "dev1", "join")),
        ("v3/cua-bruit@ttn/devices/dev1/down/ack", ("cua-bruit@ttn", "dev1", "down/ack")),
        ("v3/app1/devices/dev1/service/data", ("app1", "dev1", "service/data")),
        ("v3/app1/devices/dev1/location/solved", ("app1", "dev1", "location/solved")),
    ],
)
def test_tts_topic(topic: str, expected: tuple[str, str, str]) -> None:
    """Application (with its optional @tenant), device id and message kind."""
    assert tts_topic(topic) == expected


@pytest.mark.parametrize(
    "topic",
    [
        "v2/app/devices/dev/up",
        "v3/app/devices/dev",
        "v3/app/device/dev/up",
        "v3/app@/devices/dev/up",
        "v3/@tenant/devices/dev/up",
        "v3/a@b@c/devices/dev/up",
        "v3/app/devices/dev/up/#",
        "v3/app/devices/+/up",
        "v3/app/devices//up",
        "v3/app/devices/dev/",
    ],
)
def test_tts_bad_topics(topic: str) -> None:
    """Malformed TTS topics are refused in French."""
    with pytest.raises(PayloadError) as caught:
        tts_topic(topic)
    assert caught.value.reason == "invalid_topic"
    assert "Topic MQTT The Things Stack inattendu" in caught.value.message


# --- property tests -------------------------------------------------------------------------

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
chirpstack_bodies = st.fixed_dictionaries(
    {"deviceInfo": _object({"devEui": dev_euis}, {"tags": string_maps, "deviceName": strings})},
    optional={
        "deduplicationId": strings,
        "time": times,
        "fCnt": counters,
        "fPort": ports,
        "data": payloads,
        "adr": _maybe(st.booleans()),
        "object": _maybe(st.dictionaries(st.text(max_size=8), json_values, max_size=3)),
        "rxInfo": _maybe(
            st.lists(
                _object({}, {"gatewayId": strings, "rssi": numbers, "snr": numbers}), max_size=3
            )
        ),
        "txInfo": _object({}, {"frequency": counters}),
        "batteryLevel": _maybe(st.floats(0, 100)),
        "margin": _maybe(st.integers(-40, 40)),
        "externalPowerSource": _maybe(st.booleans()),
    },
)
tts_bodies = st.fixed_dictionaries(
    {
        "end_device_ids": _object(
            {"dev_eui": dev_euis},
            {
                "device_id": strings,
                "application_ids": _object({}, {"application_id": strings}),
            },
        )
    },
    optional={
        "correlation_ids": _maybe(st.lists(st.sampled_from(["as:up:1", "gs:conn:2", "x"]))),
        "received_at": times,
        "simulated": _maybe(st.booleans()),
        "uplink_message": _object(
            {},
            {
                "f_cnt": counters,
                "f_port": ports,
                "frm_payload": payloads,
                "rx_metadata": _maybe(
                    st.lists(
                        _object(
                            {},
                            {
                                "gateway_ids": _object({}, {"gateway_id": strings, "eui": strings}),
                                "rssi": numbers,
                                "channel_rssi": numbers,
                                "snr": numbers,
                            },
                        ),
                        max_size=3,
                    )
                ),
                "settings": _object({}, {"frequency": counters}),
                "attributes": string_maps,
                "decoded_payload": json_values,
                "received_at": times,
                "confirmed": _maybe(st.booleans()),
            },
        ),
        "join_accept": json_values,
        "downlink_ack": json_values,
        "downlink_failed": json_values,
    },
)
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


@property_settings
@given(
    event=st.sampled_from(["up", "status", "join", "ack", "log", "other"]),
    body=chirpstack_bodies | json_values,
)
def test_parse_chirpstack_only_raises_payload_error(event: str, body: Any) -> None:
    """Whatever JSON arrives, the parser answers an event or a PayloadError, nothing else."""
    try:
        parsed = parse_chirpstack(event, body, now=NOW)
    except PayloadError as exc:
        assert exc.message and exc.reason
    else:
        _check_event(parsed)


@property_settings
@given(body=tts_bodies | json_values)
def test_parse_tts_only_raises_payload_error(body: Any) -> None:
    """Whatever JSON arrives, the TTS parser answers an event or a PayloadError."""
    try:
        parsed = parse_tts(body, now=NOW)
    except PayloadError as exc:
        assert exc.message and exc.reason
    else:
        _check_event(parsed)


@property_settings
@given(topic=st.text(max_size=80) | st.builds("/".join, st.lists(st.text(max_size=20))))
def test_topic_parsers_only_raise_payload_error(topic: str) -> None:
    """Arbitrary topics are split or refused with PayloadError."""
    for parse in (chirpstack_topic, tts_topic):
        with contextlib.suppress(PayloadError):
            parse(topic)


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
