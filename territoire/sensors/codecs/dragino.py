"""Dragino LWL02 (water leak) and LDS02 (door): one fixed 10-byte big-endian frame on fPort 10
(reference/iot.md §3.3).

| bytes | content |
| --- | --- |
| 0-1 | bit 15 door open, bit 14 leak, bits 0-13 battery voltage in mV |
| 2 | mode: 1 door, 2 leak, 3 both |
| 3-5 | number of events since start, uint24 (cumulative) |
| 6-8 | duration of the last event in minutes, uint24 |
| 9 | bit 0 alarm |

The battery is kept as a voltage: turning it into a percentage needs a discharge curve of the
cell, which the frame does not give.
"""

from __future__ import annotations

from .base import BATTERY_MV, Codec, DecodeError, Kind, Quantity, Values, require_length

FPORT = 10
FRAME_LENGTH = 10
_DOOR_BIT = 1 << 15
_LEAK_BIT = 1 << 14
_BATTERY_MASK = 0x3FFF

EVENTS = Quantity("evenements", "événement", Kind.COUNTER, "Événements (cumul)")
LAST_DURATION = Quantity("duree_dernier_evenement", "min", Kind.GAUGE, "Durée du dernier événement")
ALARM = Quantity("alarme", "0/1", Kind.STATE, "Alarme")


class DraginoEventCodec(Codec):
    """The shared frame; a subclass says which flag bit it reports and in which modes."""

    flag_quantity: Quantity
    flag_bit: int
    modes: frozenset[int]  # modes in which the frame describes this sensor's event
    default_interval_s = 7200  # keep-alive uplink (TDC) default of both models

    def _decode(self, f_port: int, payload: bytes) -> Values:
        if f_port != FPORT:
            raise DecodeError(f"Port inattendu : {f_port}, {FPORT} attendu")
        require_length(payload, FRAME_LENGTH)
        status = int.from_bytes(payload[0:2], "big")
        mode = payload[2]
        if mode not in self.modes:
            raise DecodeError(f"Mode inattendu pour ce capteur : {mode}")
        return {
            self.flag_quantity.name: int(bool(status & self.flag_bit)),
            BATTERY_MV.name: status & _BATTERY_MASK,
            EVENTS.name: int.from_bytes(payload[3:6], "big"),
            LAST_DURATION.name: int.from_bytes(payload[6:9], "big"),
            ALARM.name: payload[9] & 0x01,
        }


class Lwl02Codec(DraginoEventCodec):
    model = "dragino-lwl02"
    label = "Dragino LWL02 (détecteur de fuite d'eau)"
    flag_quantity = Quantity("fuite", "0/1", Kind.STATE, "Fuite d'eau détectée")
    flag_bit = _LEAK_BIT
    modes = frozenset({2, 3})
    quantities = (flag_quantity, BATTERY_MV, EVENTS, LAST_DURATION, ALARM)


class Lds02Codec(DraginoEventCodec):
    model = "dragino-lds02"
    label = "Dragino LDS02 (capteur d'ouverture de porte)"
    flag_quantity = Quantity("porte_ouverte", "0/1", Kind.STATE, "Porte ouverte")
    flag_bit = _DOOR_BIT
    modes = frozenset({1, 3})
    quantities = (flag_quantity, BATTERY_MV, EVENTS, LAST_DURATION, ALARM)
