"""ChirpStack v4 integration: event normalisation and topics (no database)."""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from territoire.sensors.integrations import (
    MAX_FRM_PAYLOAD,
    OtherEvent,
    PayloadError,
    RadioInfo,
    StatusEvent,
    Uplink,
    chirpstack_topic,
    parse_chirpstack,
    tts_topic,
)
from territoire.sensors.tests.integration_samples import (
    CHIRPSTACK_DOC_UP,
    CHIRPSTACK_STATUS,
    CHIRPSTACK_UP,
    DEVICE_INFO,
    NOW,
    _check_event,
    _maybe,
    _object,
    chirpstack_up,
    counters,
    cs_uplink,
    dev_euis,
    json_values,
    numbers,
    payloads,
    ports,
    property_settings,
    string_maps,
    strings,
    times,
)

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


def test_chirpstack_fallback_dedup_key_is_not_f_cnt_alone() -> None:
    """Without deduplicationId, ChirpStack uplinks fall back to DevEUI, fCnt and minute."""
    body = chirpstack_up()
    del body["deduplicationId"]
    event = parse_chirpstack("up", body, now=NOW)
    assert isinstance(event, Uplink)
    assert event.dedup_key == "24e124136b123456:1842:2025-03-04T02:15Z"


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


# --- property tests -------------------------------------------------------------------------

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
@given(topic=st.text(max_size=80) | st.builds("/".join, st.lists(st.text(max_size=20))))
def test_topic_parsers_only_raise_payload_error(topic: str) -> None:
    """Arbitrary topics are split or refused with PayloadError."""
    for parse in (chirpstack_topic, tts_topic):
        with contextlib.suppress(PayloadError):
            parse(topic)
