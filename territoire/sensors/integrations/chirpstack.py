"""ChirpStack v4 integration events (HTTP `?event=` and MQTT topics) to neutral events.

Shapes follow the ChirpStack documentation (integrations/events.md, integration.proto):
camelCase JSON with `deviceInfo{...}`, base64 `data`, `rxInfo[]`, `txInfo`, zero values omitted.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .events import (
    OtherEvent,
    PayloadError,
    RadioInfo,
    StatusEvent,
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
    get_str_map,
    get_time,
    json_copy,
    normalise_dev_eui,
    require_object,
)

SOURCE = "chirpstack"
_UINT32_MAX = 2**32 - 1
_EVENT_RE = re.compile(r"[a-z][a-z_]{0,31}")
_SEGMENT_RE = re.compile(r"[^/+#\s]+")


def parse_chirpstack(event: str, body: Any, *, now: datetime) -> Uplink | StatusEvent | OtherEvent:
    """Normalise one ChirpStack event; `event` is the HTTP `event` parameter or topic suffix.

    Unknown event types become an `OtherEvent` so a ChirpStack upgrade never loses history.
    """
    if not isinstance(event, str) or not _EVENT_RE.fullmatch(event):
        raise PayloadError(
            "Le type d'évènement ChirpStack est absent ou invalide "
            "(paramètre « event » ou fin du topic MQTT).",
            reason="invalid_event",
            field="event",
        )
    body = require_object(body, "")
    device_info = get_object(body, "deviceInfo", "")
    dev_eui = normalise_dev_eui(device_info.get("devEui"), "deviceInfo.devEui")
    application_id = get_str(device_info, "applicationId", "deviceInfo")
    received_at = get_time(body, "time", "") or as_utc(now)

    if event == "up":
        return _uplink(body, device_info, dev_eui, application_id, received_at)
    if event == "status":
        return _status(body, dev_eui, received_at)
    data = {key: json_copy(value) for key, value in body.items() if key != "deviceInfo"}
    return OtherEvent(
        source=SOURCE,
        dev_eui=dev_eui,
        kind=event,
        received_at=received_at,
        data=data,
        application_id=application_id,
    )


def _uplink(
    body: dict[str, Any],
    device_info: dict[str, Any],
    dev_eui: str,
    application_id: str,
    received_at: datetime,
) -> Uplink:
    f_cnt = get_int(body, "fCnt", "", minimum=0, maximum=_UINT32_MAX)
    radio = []
    for index, item in enumerate(get_list(body, "rxInfo", "")):
        path = f"rxInfo[{index}]"
        rx = require_object(item, path)
        radio.append(
            RadioInfo(
                gateway_id=get_str(rx, "gatewayId", path),
                rssi=get_optional_float(rx, "rssi", path),
                snr=get_optional_float(rx, "snr", path),
            )
        )
    tx_info = get_object(body, "txInfo", "")
    decoded = body.get("object")
    if decoded is not None:
        decoded = json_copy(require_object(decoded, "object"))
    return Uplink(
        source=SOURCE,
        dedup_key=get_str(body, "deduplicationId", "")
        or fallback_dedup_key(dev_eui, f_cnt, received_at),
        dev_eui=dev_eui,
        device_name=get_str(device_info, "deviceName", "deviceInfo"),
        application_id=application_id,
        received_at=received_at,
        f_port=get_int(body, "fPort", "", minimum=0, maximum=255),
        f_cnt=f_cnt,
        payload=decode_payload(body.get("data"), "data"),
        radio=tuple(radio),
        tags=get_str_map(device_info, "tags", "deviceInfo"),
        confirmed=get_bool(body, "confirmed", ""),
        adr=get_bool(body, "adr", ""),
        frequency=get_optional_int(tx_info, "frequency", "txInfo", minimum=0, maximum=10**10),
        decoded=decoded,
    )


def _status(body: dict[str, Any], dev_eui: str, received_at: datetime) -> StatusEvent:
    battery: float | None
    external = get_bool(body, "externalPowerSource", "")
    unavailable = get_bool(body, "batteryLevelUnavailable", "")
    if external or unavailable:
        battery = None
    else:
        # Omitted means 0 under the Protobuf JSON mapping: an empty battery, not an unknown one.
        battery = get_optional_float(body, "batteryLevel", "") or 0.0
        if not 0.0 <= battery <= 100.0:
            raise PayloadError(
                f"Le niveau de batterie doit être compris entre 0 et 100 % (reçu : {battery}).",
                reason="out_of_range",
                field="batteryLevel",
            )
    return StatusEvent(
        source=SOURCE,
        dev_eui=dev_eui,
        received_at=received_at,
        battery_level=battery,
        margin=get_int(body, "margin", "", minimum=-128, maximum=127),
    )


def chirpstack_topic(topic: str) -> tuple[str, str, str]:
    """Split `application/{APP}/device/{DEV_EUI}/event/{EVENT}` (ChirpStack's default template)."""
    parts = topic.split("/") if isinstance(topic, str) else []
    if (
        len(parts) != 6
        or parts[0] != "application"
        or parts[2] != "device"
        or parts[4] != "event"
        or not _SEGMENT_RE.fullmatch(parts[1])
        or not _EVENT_RE.fullmatch(parts[5])
    ):
        raise PayloadError(
            f"Topic MQTT ChirpStack inattendu : « {str(topic)[:120]} » (attendu : "
            "application/{APPLICATION_ID}/device/{DEV_EUI}/event/{EVENT}).",
            reason="invalid_topic",
            field="topic",
        )
    return parts[1], normalise_dev_eui(parts[3], "topic"), parts[5]
