"""Elsys ERS family (ERS, ERS CO2, ERS Sound, ERS Eye): one codec, since all of them send the
same type/value records (reference/iot.md §3.4).

Frame = repeated `[type 1 B][value]`, big-endian, with **no length byte**: the length comes
from the type alone, so an unknown type makes the rest unreadable and is a `DecodeError`.
"""

from __future__ import annotations

from .base import (
    BATTERY_MV,
    CO2,
    HUMIDITY,
    PRESSURE,
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

LIGHT = Quantity("luminosite", "lx", Kind.GAUGE, "Luminosité")
# PIR detections during the last period, reset at each uplink: a rate, not a cumulative count.
MOTION = Quantity("mouvements", "détection", Kind.GAUGE, "Mouvements détectés sur la période")
PULSES = Quantity("impulsions", "impulsion", Kind.COUNTER, "Impulsions (cumul)")
OCCUPANCY = Quantity("occupation", "0/1", Kind.STATE, "Pièce occupée")
LEAK = Quantity("fuite", "0/1", Kind.STATE, "Fuite d'eau détectée")
SOUND_PEAK = Quantity("bruit_crete", "dB", Kind.SOUND_LEVEL, "Niveau sonore crête")
SOUND_AVERAGE = Quantity("bruit_moyen", "dB", Kind.SOUND_LEVEL, "Niveau sonore moyen")
TVOC = Quantity("cov", "ppb", Kind.GAUGE, "Composés organiques volatils totaux (COVT)")

# Occupancy byte: 0 free, 1 pending (heat seen, not yet confirmed), 2 occupied. Only a
# confirmed presence counts, so that occupancy rates are not inflated by people passing by.
_OCCUPANCY = {0: 0, 1: 0, 2: 1}


def _read_occupancy(body: bytes) -> Values:
    if body[0] not in _OCCUPANCY:
        raise DecodeError(f"Valeur d'occupation inconnue : {body[0]}")
    return {OCCUPANCY.name: _OCCUPANCY[body[0]]}


def _read_sound(body: bytes) -> Values:
    return {SOUND_PEAK.name: body[0], SOUND_AVERAGE.name: body[1]}


TYPES: dict[int, Field] = {
    0x01: number(TEMPERATURE.name, ">h", 10),
    0x02: number(HUMIDITY.name, ">B"),
    0x04: number(LIGHT.name, ">H"),
    0x05: number(MOTION.name, ">B"),
    0x06: number(CO2.name, ">H"),
    0x07: number(BATTERY_MV.name, ">H"),
    # Pulses since the previous uplink: storage expects cumulative counters, and the device
    # sends the absolute count (0x0B) next to it, so the relative one is left out.
    0x0A: skip(2),
    0x0B: number(PULSES.name, ">I"),
    0x11: Field(1, _read_occupancy),
    # Any non-zero reading means water is sensed at the probe.
    0x12: Field(1, lambda body: {LEAK.name: int(body[0] != 0)}),
    0x14: number(PRESSURE.name, ">I", 1000),
    0x15: Field(2, _read_sound),
    0x1C: number(TVOC.name, ">H"),
}


class ElsysErsCodec(Codec):
    model = "elsys-ers"
    label = "Elsys ERS (confort, CO₂, son, occupation)"
    quantities = (
        TEMPERATURE,
        HUMIDITY,
        LIGHT,
        MOTION,
        CO2,
        BATTERY_MV,
        PULSES,
        OCCUPANCY,
        LEAK,
        PRESSURE,
        SOUND_PEAK,
        SOUND_AVERAGE,
        TVOC,
    )
    default_interval_s = 600

    def _decode(self, f_port: int, payload: bytes) -> Values:
        values: Values = {}
        offset = 0
        while offset < len(payload):
            type_ = payload[offset]
            field = TYPES.get(type_)
            if field is None:
                raise DecodeError(f"Type de donnée inconnu : 0x{type_:02X} à l'octet {offset}")
            body = payload[offset + 1 : offset + 1 + field.size]
            if len(body) < field.size:
                raise DecodeError(
                    f"Trame trop courte : type 0x{type_:02X}, {len(body)} octets, "
                    f"{field.size} attendus"
                )
            values.update(field.read(body))
            offset += 1 + field.size
        return values
