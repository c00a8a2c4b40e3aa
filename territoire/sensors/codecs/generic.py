"""Codecs for kinds of device rather than one vendor's model: the platform's own reference
layouts, and vendor frames reused for another kind of meter.
"""

from __future__ import annotations

import struct

from .base import BATTERY, Codec, DecodeError, Kind, Quantity, Values
from .milesight import Em300DiCodec

ENTRIES = Quantity("passages_entree", "passage", Kind.COUNTER, "Passages dans le sens A → B")
EXITS = Quantity("passages_sortie", "passage", Kind.COUNTER, "Passages dans le sens B → A")
ENERGY = Quantity("energie", "Wh", Kind.COUNTER, "Énergie électrique (cumul)")


class BidirectionalCounterCodec(Codec):
    """A people or bike counter that counts both directions of a passage.

    No vendor publishes an open layout for these counters (reference/iot.md §3.5), so this is
    the platform's own reference frame, close to what IMBuildings counters send; a counter is
    connected either by configuring it to send this frame, or through a vendor codec added
    beside this one.

    fPort 1, big-endian:

    | bytes | content |
    | --- | --- |
    | 0-3 | uint32, passages A → B since installation (cumulative, wraps or resets to 0) |
    | 4-7 | uint32, passages B → A since installation |
    | 8 | optional uint8, battery in % |
    """

    model = "generic-bidirectional-counter"
    label = "Compteur bidirectionnel générique (piétons, vélos)"
    quantities = (ENTRIES, EXITS, BATTERY)
    default_interval_s = 900

    def _decode(self, f_port: int, payload: bytes) -> Values:
        if f_port != 1:
            raise DecodeError(f"Port inattendu : {f_port}, 1 attendu")
        if len(payload) not in (8, 9):
            raise DecodeError(
                f"Longueur de trame inattendue : {len(payload)} octets, 8 ou 9 attendus"
            )
        entries, exits = struct.unpack(">II", payload[:8])
        values: Values = {ENTRIES.name: entries, EXITS.name: exits}
        if len(payload) == 9:
            values[BATTERY.name] = payload[8]
        return values


class ElectricityPulseCodec(Em300DiCodec):
    """An electricity meter's pulse output wired to a Milesight EM300-DI.

    Same frame as the water meter, but the box must stay in pulse mode (its water conversion
    makes no sense here) and each pulse is taken as 1 Wh, the most common meter output
    constant; a meter with another constant needs its own codec.
    """

    model = "generic-electricity-pulse"
    label = "Compteur électrique à impulsions (boîtier Milesight EM300-DI, 1 impulsion = 1 Wh)"
    pulse_quantity = ENERGY
    reads_water = False
