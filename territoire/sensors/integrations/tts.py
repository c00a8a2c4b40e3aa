"""The Things Stack v3 application messages (webhooks and MQTT) to neutral events.

Shapes follow the TTS "Data Formats" documentation: snake_case JSON, `end_device_ids{...}`,
`correlation_ids[]`, one message key per event (`uplink_message`, `join_accept`,
`downlink_ack`...), empty values omitted. TTS addresses devices by `device_id`; the DevEUI is
optional there, so only uplinks require it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .events import (
    OtherEvent,
    PayloadError,
    RadioInfo,
    Uplink,
    as_utc,
    decode_payload,
    fallback_dedup_key,
    get_bool,
    get_int,
    get_list,
    get_object,
    get_optional_float,
    get_optional_int,
    get_str,
    get_str_list,
    get_str_map,
    get_time,
    json_copy,
    normalise_dev_eui,
    require_object,
)

SOURCE = "tts"
_UINT32_MAX = 2**32 - 1

# Message key -> shared event vocabulary (see OtherEvent). Order matters only for a body
# carrying several keys, which TTS never sends.
_OTHER_KINDS = {
    "join_accept": "join",
    "downlink_ack": "ack",
    "downlink_nack": "ack",
    "downlink_sent": "txack",
    "downlink_failed": "downlink_failed",
    "downlink_queued": "downlink_queued",
    "downlink_queue_invalidated": "downlink_queue_invalidated",
    "location_solved": "location",
    "service_data": "service_data",
    "uplink_normalized": "uplink_normalized",
}
# Not message-specific: a gateway connection id is shared by every uplink through it.
_SHARED_CORRELATION_PREFIXES = ("gs:conn:",)

_ID_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?")
_KIND_SEGMENT_RE = re.compile(r"[a-z][a-z_]{0,31}")


def parse_tts(body: Any, *, now: datetime) -> Uplink | OtherEvent:
    """Normalise one TTS application message: `uplink_message` to Uplink, others to OtherEvent."""
    body = require_object(body, "")
    ids = get_object(body, "end_device_ids", "")
    device_id = get_str(ids, "device_id", "end_device_ids")
    application_id = get_str(
        get_object(ids, "application_ids", "end_device_ids"),
        "application_id",
        "end_device_ids.application_ids",
    )
    correlation_ids = get_str_list(body, "correlation_ids", "")
    top_received_at = get_time(body, "received_at", "")

    uplink = body.get("uplink_message")
    if uplink is not None:
        return _uplink(
            body,
            require_object(uplink, "uplink_message"),
            ids,
            device_id,
            application_id,
            correlation_ids,
            top_received_at,
            now,
        )

    raw_dev_eui = ids.get("dev_eui")
    if raw_dev_eui in (None, "") and device_id:
        dev_eui = ""
    else:
        dev_eui = normalise_dev_eui(raw_dev_eui, "end_device_ids.dev_eui")

    kind, data = _other_message(body)
    received_at = top_received_at or get_time(data, "received_at", kind) or as_utc(now)
    return OtherEvent(
        source=SOURCE,
        dev_eui=dev_eui,
        kind=kind,
        received_at=received_at,
        data=data,
        device_id=device_id,
        application_id=application_id,
    )


def _other_message(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for key, kind in _OTHER_KINDS.items():
        value = body.get(key)
        if value is None:
            continue
        data = json_copy(require_object(value, key))
        if key in ("downlink_ack", "downlink_nack"):
            data["acknowledged"] = key == "downlink_ack"
        return kind, data
    # A message type newer than this code: keep it under its own name rather than drop it.
    for key, value in body.items():
        if key != "end_device_ids" and isinstance(value, dict):
            return key, json_copy(value)
    return "unknown", {}


def _uplink(
    body: dict[str, Any],
    up: dict[str, Any],
    ids: dict[str, Any],
    device_id: str,
    application_id: str,
    correlation_ids: list[str],
    top_received_at: datetime | None,
    now: datetime,
) -> Uplink:
    dev_eui = normalise_dev_eui(ids.get("dev_eui"), "end_device_ids.dev_eui")
    # The Network Server's reception time is the closest to when the device spoke.
    received_at = get_time(up, "received_at", "uplink_message") or top_received_at or as_utc(now)
    f_cnt = get_int(up, "f_cnt", "uplink_message", minimum=0, maximum=_UINT32_MAX)

    radio = []
    for index, item in enumerate(get_list(up, "rx_metadata", "uplink_message")):
        path = f"uplink_message.rx_metadata[{index}]"
        rx = require_object(item, path)
        gateway_ids = get_object(rx, "gateway_ids", path)
        gateway_id = (
            get_str(gateway_ids, "gateway_id", f"{path}.gateway_ids")
            or get_str(gateway_ids, "eui", f"{path}.gateway_ids").lower()
        )
        rssi = get_optional_float(rx, "rssi", path)
        if rssi is None:
            rssi = get_optional_float(rx, "channel_rssi", path)
        radio.append(
            RadioInfo(gateway_id=gateway_id, rssi=rssi, snr=get_optional_float(rx, "snr", path))
        )

    settings = get_object(up, "settings", "uplink_message")
    decoded = up.get("decoded_payload")
    if decoded is not None:
        decoded = json_copy(require_object(decoded, "uplink_message.decoded_payload"))

    return Uplink(
        source=SOURCE,
        dedup_key=_dedup_key(correlation_ids) or fallback_dedup_key(dev_eui, f_cnt, received_at),
        dev_eui=dev_eui,
        # TTS uplinks carry no display name; the device id is what operators see in TTS.
        device_name=device_id,
        application_id=application_id,
        received_at=received_at,
        f_port=get_int(up, "f_port", "uplink_message", minimum=0, maximum=255),
        f_cnt=f_cnt,
        payload=decode_payload(up.get("frm_payload"), "uplink_message.frm_payload"),
        radio=tuple(radio),
        tags=get_str_map(up, "attributes", "uplink_message"),
        confirmed=get_bool(up, "confirmed", "uplink_message"),
        # `frequency` is a uint64, hence a JSON string in the Protobuf mapping.
        frequency=get_optional_int(
            settings, "frequency", "uplink_message.settings", minimum=0, maximum=10**10
        ),
        decoded=decoded,
        simulated=get_bool(body, "simulated", ""),
    )


def _dedup_key(correlation_ids: list[str]) -> str:
    for correlation_id in correlation_ids:
        if correlation_id.startswith("as:up:"):
            return correlation_id
    for correlation_id in correlation_ids:
        if correlation_id and not correlation_id.startswith(_SHARED_CORRELATION_PREFIXES):
            return correlation_id
    return ""


def tts_topic(topic: str) -> tuple[str, str, str]:
    """Split `v3/{app}[@tenant]/devices/{device_id}/{kind}`; kind may span segments (down/ack)."""
    parts = topic.split("/") if isinstance(topic, str) else []
    valid = (
        len(parts) >= 5
        and parts[0] == "v3"
        and parts[2] == "devices"
        and _valid_application(parts[1])
        and _ID_RE.fullmatch(parts[3]) is not None
        and all(_KIND_SEGMENT_RE.fullmatch(segment) for segment in parts[4:])
    )
    if not valid:
        raise PayloadError(
            f"Topic MQTT The Things Stack inattendu : « {str(topic)[:120]} » (attendu : "
            "v3/{application}[@{tenant}]/devices/{device_id}/up, /join, /down/ack…).",
            reason="invalid_topic",
            field="topic",
        )
    return parts[1], parts[3], "/".join(parts[4:])


def _valid_application(text: str) -> bool:
    application, at, tenant = text.partition("@")
    if _ID_RE.fullmatch(application) is None:
        return False
    return not at or _ID_RE.fullmatch(tenant) is not None
