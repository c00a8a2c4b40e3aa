"""Field sensors for watering decisions: soil moisture (Milesight EM500-SMTC) and rain
(Decentlab DL-TBRG tipping bucket rain gauge).

Layouts read from the vendors' published decoders (Milesight SensorDecoders EM500-SMTC,
Decentlab's DL-TBRG decoder); their examples are the test vectors.
"""

from __future__ import annotations

import struct

from .base import (
    BATTERY,
    BATTERY_MV,
    TEMPERATURE,
    Codec,
    DecodeError,
    Field,
    Kind,
    Quantity,
    Values,
    number,
    skip,
)
from .milesight import MilesightCodec

SOIL_MOISTURE = Quantity("humidite_sol", "%", Kind.GAUGE, "Humidité du sol (volumique)")
SOIL_CONDUCTIVITY = Quantity(
    "conductivite_sol", "µS/cm", Kind.GAUGE, "Conductivité électrique du sol"
)
# The EM500 probe reports these raw values when a reading failed (0xFFFF) or is out of range
# (0xFFFD): no measurement, not a broken frame.
_SENSOR_ERRORS = {0xFFFF, 0xFFFD}


def _optional(name: str, fmt: str, divisor: int = 1) -> Field:
    size = struct.calcsize(fmt)

    def read(body: bytes) -> Values:
        (raw,) = struct.unpack(fmt, body)
        if raw & 0xFFFF in _SENSOR_ERRORS:
            return {}
        return {name: raw / divisor if divisor != 1 else raw}

    return Field(size, read)


class Em500SmtcCodec(MilesightCodec):
    """Milesight EM500-SMTC: soil moisture, temperature and electrical conductivity."""

    model = "milesight-em500-smtc"
    label = "Milesight EM500-SMTC (humidité du sol)"
    quantities = (BATTERY, TEMPERATURE, SOIL_MOISTURE, SOIL_CONDUCTIVITY)
    default_interval_s = 1200
    commands = ("set_interval",)
    channels = {
        (0x01, 0x75): number(BATTERY.name, "<B"),
        (0x03, 0x67): _optional(TEMPERATURE.name, "<h", 10),
        # Old firmware: moisture in 0.5 % steps on one byte; new: 0.01 % on two bytes.
        (0x04, 0x68): number(SOIL_MOISTURE.name, "<B", 2),
        (0x04, 0xCA): _optional(SOIL_MOISTURE.name, "<H", 100),
        (0x05, 0x7F): _optional(SOIL_CONDUCTIVITY.name, "<H"),
        # Temperature alarm (temperature, change, alarm type): the temperature is kept.
        (0x83, 0xD7): Field(5, lambda body: _optional(TEMPERATURE.name, "<h", 10).read(body[:2])),
        (0x20, 0xCE): skip(10),  # history: needs its own timestamps
    }


RAIN = Quantity("pluie", "mm", Kind.COUNTER, "Pluie (cumul)")

DECENTLAB_VERSION = 2


class DlTbrgCodec(Codec):
    """Decentlab DL-TBRG tipping bucket rain gauge, 0.1 mm per tip (the vendor's default).

    Decentlab frame, big-endian: version (2), device id (uint16), flags (uint16: which
    sensors follow), then per flagged sensor its 16-bit words. Sensor 0 (4 words): rain
    since the last frame (tips), its interval (s), cumulative tips (low word, high word);
    sensor 1 (1 word): battery in mV. The cumulative count is stored, as a counter: the
    storage sums its deltas, so "rain over the last 24 h" is a sum over the window.
    """

    model = "decentlab-dl-tbrg"
    label = "Decentlab DL-TBRG (pluviomètre à augets, 0,1 mm)"
    quantities = (RAIN, BATTERY_MV)
    default_interval_s = 600

    def _decode(self, f_port: int, payload: bytes) -> Values:
        if len(payload) < 5:
            raise DecodeError(f"Trame trop courte : {len(payload)} octets, au moins 5 attendus")
        version, _device_id, flags = struct.unpack(">BHH", payload[:5])
        if version != DECENTLAB_VERSION:
            raise DecodeError(f"Version de protocole Decentlab inattendue : {version}, 2 attendu")
        if flags & ~0x03:
            raise DecodeError(f"Capteurs inconnus annoncés : 0x{flags:04X}")
        expected = 5 + (8 if flags & 1 else 0) + (2 if flags & 2 else 0)
        if len(payload) != expected:
            raise DecodeError(
                f"Longueur de trame inattendue : {len(payload)} octets, {expected} attendus"
            )
        values: Values = {}
        offset = 5
        if flags & 1:
            _tips, _interval, low, high = struct.unpack(">HHHH", payload[offset : offset + 8])
            # Tenths of a millimetre divided, not multiplied by 0.1, to keep 1653.8 exact.
            values[RAIN.name] = (low + high * 65536) / 10
            offset += 8
        if flags & 2:
            (values[BATTERY_MV.name],) = struct.unpack(">H", payload[offset : offset + 2])
        return values
