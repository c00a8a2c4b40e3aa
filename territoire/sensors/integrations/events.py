"""Network-server neutral events, and the strict readers both parsers share.

ChirpStack v4 and The Things Stack v3 both serialise with the Protocol Buffers JSON mapping,
which omits zero, false and empty values: every reader here takes "absent" (or JSON null) as
the default value, and anything present but of the wrong type as a `PayloadError`. Nothing
else may escape a parser: the HTTP and MQTT entry points turn `PayloadError` into a 400 or a
logged rejection, and any other exception would be a bug.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# LoRaWAN caps FRMPayload at 242 bytes (EU868, highest data rates): anything larger did not
# come off the air, so it is refused before any codec sees it.
MAX_FRM_PAYLOAD = 242

# Base64 of 242 bytes is 324 characters; the margin tolerates whitespace and padding without
# letting a huge string reach the decoder.
_MAX_BASE64_CHARS = 340

_DEV_EUI_RE = re.compile(r"[0-9a-f]{16}")
_INT_STRING_RE = re.compile(r"-?[0-9]{1,20}")
_FLOAT_STRING_RE = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?")
# RFC 3339 date-time; fromisoformat alone would also take ISO week dates and bare dates.
_RFC3339_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,12})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


class PayloadError(ValueError):
    """An event body that cannot be trusted: French `message` for people, `reason` for code.

    `reason` is one of: not_an_object, wrong_type, out_of_range, missing_dev_eui,
    invalid_dev_eui, invalid_base64, payload_too_large, invalid_time, invalid_topic,
    invalid_event. `field` is the JSON path of the offending value, when there is one.
    """

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class RadioInfo:
    """One gateway's reception of an uplink; rssi/snr are None when the gateway gave none."""

    gateway_id: str
    rssi: float | None
    snr: float | None


@dataclass(frozen=True)
class Uplink:
    """A data uplink, whichever network server delivered it."""

    source: str
    dedup_key: str
    dev_eui: str
    device_name: str
    application_id: str
    received_at: datetime
    f_port: int
    f_cnt: int
    payload: bytes
    radio: tuple[RadioInfo, ...]
    tags: dict[str, str]
    # Beyond the minimum: cheap to carry, useful for radio diagnostics and history.
    confirmed: bool = False
    adr: bool = False
    frequency: int | None = None
    # The network server's own codec output (ChirpStack `object`, TTS `decoded_payload`),
    # kept for comparison only: our codecs are the source of truth for measurements.
    decoded: dict[str, Any] | None = None
    simulated: bool = False


@dataclass(frozen=True)
class StatusEvent:
    """ChirpStack's DevStatusAns report: battery in percent (None on mains) and link margin."""

    source: str
    dev_eui: str
    received_at: datetime
    battery_level: float | None
    margin: int | None


@dataclass(frozen=True)
class OtherEvent:
    """Any non-measurement event (join, acks, logs, locations...), kept for device history.

    `kind` uses one vocabulary for both servers: join, ack (data["acknowledged"] tells ack from
    nack), txack, log, location, integration, downlink_queued, downlink_failed,
    downlink_queue_invalidated, service_data, uplink_normalized, or the server's own name for
    anything newer. `dev_eui` may be "" for TTS events whose identifiers omit it (the
    documented downlink_failed example does): `device_id` then identifies the device.
    """

    source: str
    dev_eui: str
    kind: str
    received_at: datetime
    data: dict[str, Any]
    device_id: str = ""
    application_id: str = ""


Event = Uplink | StatusEvent | OtherEvent


# --- strict readers -------------------------------------------------------------------------

_TYPE_NAMES = {
    dict: "un objet",
    list: "une liste",
    str: "une chaîne de caractères",
    bool: "un booléen",
    int: "un nombre entier",
    float: "un nombre",
    type(None): "null",
}


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def wrong_type(path: str, expected: str, value: object) -> PayloadError:
    return PayloadError(
        f"Le champ « {path} » doit être {expected} (reçu : {_type_name(value)}).",
        reason="wrong_type",
        field=path,
    )


def require_object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        if path == "":
            raise PayloadError(
                f"Le corps de l'évènement doit être un objet JSON (reçu : {_type_name(value)}).",
                reason="not_an_object",
            )
        raise wrong_type(path, "un objet", value)
    return value


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def get_object(body: Mapping[str, Any], key: str, path: str) -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    return require_object(value, join(path, key))


def get_list(body: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong_type(join(path, key), "une liste", value)
    return value


def get_str(body: Mapping[str, Any], key: str, path: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise wrong_type(join(path, key), "une chaîne de caractères", value)
    return value


def get_bool(body: Mapping[str, Any], key: str, path: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise wrong_type(join(path, key), "un booléen", value)
    return value


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and _INT_STRING_RE.fullmatch(value):
        return int(value)
    return None


def as_int(value: object, path: str, *, minimum: int, maximum: int) -> int:
    """An integer as the Protobuf JSON mapping allows it: number, integral float or string."""
    number = _to_int(value)
    if number is None:
        raise wrong_type(path, "un nombre entier", value)
    if not minimum <= number <= maximum:
        raise PayloadError(
            f"Le champ « {path} » doit être compris entre {minimum} et {maximum} "
            f"(reçu : {number}).",
            reason="out_of_range",
            field=path,
        )
    return number


def get_int(body: Mapping[str, Any], key: str, path: str, *, minimum: int, maximum: int) -> int:
    value = body.get(key)
    if value is None:
        return 0
    return as_int(value, join(path, key), minimum=minimum, maximum=maximum)


def get_optional_int(
    body: Mapping[str, Any], key: str, path: str, *, minimum: int, maximum: int
) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    return as_int(value, join(path, key), minimum=minimum, maximum=maximum)


def _to_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        # Python ints are unbounded; one too large for a float is as bad as an infinity.
        return float(value) if abs(value) < 2**1000 else math.inf
    if isinstance(value, str) and _FLOAT_STRING_RE.fullmatch(value):
        return float(value)
    return None


def get_optional_float(body: Mapping[str, Any], key: str, path: str) -> float | None:
    """A finite number, or None when absent (radio values are unknown, not zero, then)."""
    value = body.get(key)
    if value is None:
        return None
    full = join(path, key)
    number = _to_float(value)
    if number is None:
        raise wrong_type(full, "un nombre", value)
    if not math.isfinite(number):
        raise PayloadError(
            f"Le champ « {full} » doit être un nombre fini.", reason="out_of_range", field=full
        )
    return number


def get_str_map(body: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
    full = join(path, key)
    mapping = get_object(body, key, path)
    for name, value in mapping.items():
        if not isinstance(value, str):
            raise wrong_type(f"{full}.{name}", "une chaîne de caractères", value)
    return dict(mapping)


def get_str_list(body: Mapping[str, Any], key: str, path: str) -> list[str]:
    items = get_list(body, key, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise wrong_type(f"{join(path, key)}[{index}]", "une chaîne de caractères", item)
    return items


def normalise_dev_eui(value: object, path: str) -> str:
    """16 lowercase hex digits; ChirpStack sends lowercase, TTS uppercase."""
    if value is None or value == "":
        raise PayloadError(
            "L'identifiant DevEUI du capteur est absent de l'évènement : vérifiez que le "
            "capteur est enregistré avec son DevEUI sur le serveur de réseau.",
            reason="missing_dev_eui",
            field=path,
        )
    if not isinstance(value, str):
        raise wrong_type(path, "une chaîne de caractères", value)
    dev_eui = value.strip().lower()
    if not _DEV_EUI_RE.fullmatch(dev_eui):
        raise PayloadError(
            f"Le DevEUI « {value[:40]} » n'est pas valide : 16 chiffres hexadécimaux attendus.",
            reason="invalid_dev_eui",
            field=path,
        )
    return dev_eui


def decode_payload(value: object, path: str) -> bytes:
    """Base64 to bytes; standard or URL-safe, padded or not, as the Protobuf mapping allows."""
    if value is None:
        return b""
    if not isinstance(value, str):
        raise wrong_type(path, "une chaîne base64", value)
    if len(value) > _MAX_BASE64_CHARS:
        raise _too_large(path)
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        payload = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(
            f"Le champ « {path} » n'est pas du base64 valide.",
            reason="invalid_base64",
            field=path,
        ) from exc
    if len(payload) > MAX_FRM_PAYLOAD:
        raise _too_large(path)
    return payload


def _too_large(path: str) -> PayloadError:
    return PayloadError(
        f"La charge utile « {path} » dépasse {MAX_FRM_PAYLOAD} octets, le maximum LoRaWAN.",
        reason="payload_too_large",
        field=path,
    )


def parse_time(value: object, path: str) -> datetime:
    """RFC 3339 (nanoseconds, 'Z' or an offset) to an aware UTC datetime.

    A time without offset is taken as UTC: both servers always write UTC, and a naive value
    can only come from a hand-written test or a proxy that stripped the suffix.
    """
    if not isinstance(value, str):
        raise wrong_type(path, "une date RFC 3339", value)
    text = value.strip()
    if not _RFC3339_RE.fullmatch(text):
        raise _bad_time(path, value)
    # Python keeps microseconds: drop the extra nanosecond digits rather than round, so that
    # a time never moves into the next second (or minute, for the dedup fallback).
    if "." in text:
        head, _, rest = text.partition(".")
        digits = re.match(r"[0-9]+", rest)
        assert digits is not None  # the regex above guarantees digits after the dot
        fraction = digits.group(0)[:6]
        text = f"{head}.{fraction}{rest[digits.end() :]}"
    text = text.replace("t", "T").replace("z", "+00:00").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise _bad_time(path, value) from exc


def _bad_time(path: str, value: str) -> PayloadError:
    return PayloadError(
        f"Le champ « {path} » n'est pas une date RFC 3339 valide (« {value[:40]} »).",
        reason="invalid_time",
        field=path,
    )


def get_time(body: Mapping[str, Any], key: str, path: str) -> datetime | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    return parse_time(value, join(path, key))


def as_utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def fallback_dedup_key(dev_eui: str, f_cnt: int, received_at: datetime) -> str:
    """Portable idempotency key when the server gave no message id.

    fCnt restarts at 0 on every (re)join, so it only identifies a message together with the
    time; the minute bucket absorbs the small skew between duplicate deliveries.
    """
    minute = received_at.astimezone(UTC).replace(second=0, microsecond=0)
    return f"{dev_eui}:{f_cnt}:{minute.strftime('%Y-%m-%dT%H:%MZ')}"


def json_copy(value: Any) -> Any:
    """Deep copy of parsed JSON, so an event never shares mutable state with its body."""
    if isinstance(value, dict):
        return {key: json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_copy(item) for item in value]
    return value


__all__ = [
    "MAX_FRM_PAYLOAD",
    "Event",
    "OtherEvent",
    "PayloadError",
    "RadioInfo",
    "StatusEvent",
    "Uplink",
]
