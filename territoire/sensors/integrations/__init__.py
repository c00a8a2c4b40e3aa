"""LoRaWAN network-server side of the sensor hub: pure Python, no Django.

`parse_chirpstack` / `parse_tts` turn a network server's JSON into neutral events (`Uplink`,
`StatusEvent`, `OtherEvent`) or raise `PayloadError`; `ChirpStackClient` / `TtsClient` queue
downlinks or raise `DownlinkError`. Callers (HTTP views, MQTT consumer, tasks) own storage.
"""

from .chirpstack import chirpstack_topic, parse_chirpstack
from .downlinks import ChirpStackClient, DownlinkError, DownlinkRequest, TtsClient
from .events import (
    MAX_FRM_PAYLOAD,
    Event,
    OtherEvent,
    PayloadError,
    RadioInfo,
    StatusEvent,
    Uplink,
)
from .tts import parse_tts, tts_topic

__all__ = [
    "MAX_FRM_PAYLOAD",
    "ChirpStackClient",
    "DownlinkError",
    "DownlinkRequest",
    "Event",
    "OtherEvent",
    "PayloadError",
    "RadioInfo",
    "StatusEvent",
    "TtsClient",
    "Uplink",
    "chirpstack_topic",
    "parse_chirpstack",
    "parse_tts",
    "tts_topic",
]
