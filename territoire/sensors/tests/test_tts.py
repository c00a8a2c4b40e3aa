"""The Things Stack v3 integration: event normalisation and topics (no database)."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from territoire.sensors.integrations import (
    OtherEvent,
    PayloadError,
    RadioInfo,
    Uplink,
    parse_tts,
    tts_topic,
)
from territoire.sensors.tests.integration_samples import (
    NOW,
    TTS_DOC_UP,
    TTS_IDS,
    TTS_UP,
    _check_event,
    _maybe,
    _object,
    counters,
    dev_euis,
    json_values,
    numbers,
    payloads,
    ports,
    property_settings,
    string_maps,
    strings,
    times,
    tts_up,
    tts_uplink,
)

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
