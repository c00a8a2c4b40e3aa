"""Bosch Parking Lot Sensor TPS110: the meaning of the frame depends on its fPort
(reference/iot.md §3.5).

| fPort | frame | kept |
| --- | --- | --- |
| 1 | status change, 1 byte | occupied (bit 0) |
| 2 | heartbeat, 1 byte + optional int8 temperature | occupied, temperature |
| 3 | start-up, 17 bytes or more | occupied (byte 16, bit 0) |
| 4, 5, 6 | device information, usage, debug | nothing: valid frames without measurement |
"""

from __future__ import annotations

from .base import TEMPERATURE, Codec, DecodeError, Kind, Quantity, Values, require_length

OCCUPIED = Quantity("occupation", "0/1", Kind.STATE, "Place occupée")
_STARTUP_STATUS_BYTE = 16
_NO_MEASUREMENT_FPORTS = frozenset({4, 5, 6})


class Tps110Codec(Codec):
    model = "bosch-tps110"
    label = "Bosch TPS110 (capteur de place de stationnement)"
    quantities = (OCCUPIED, TEMPERATURE)
    # The heartbeat comes once a day unless configured otherwise; status frames come on change.
    default_interval_s = 86400

    def _decode(self, f_port: int, payload: bytes) -> Values:
        if f_port == 1:
            require_length(payload, 1)
            return {OCCUPIED.name: payload[0] & 0x01}
        if f_port == 2:
            if len(payload) > 2:
                raise DecodeError(f"Trame trop longue : {len(payload)} octets, 1 ou 2 attendus")
            values: Values = {OCCUPIED.name: payload[0] & 0x01}
            if len(payload) == 2:
                values[TEMPERATURE.name] = int.from_bytes(payload[1:2], "big", signed=True)
            return values
        if f_port == 3:
            require_length(payload, _STARTUP_STATUS_BYTE + 1, at_least=True)
            return {OCCUPIED.name: payload[_STARTUP_STATUS_BYTE] & 0x01}
        if f_port in _NO_MEASUREMENT_FPORTS:
            return {}
        raise DecodeError(f"Port inattendu : {f_port}, 1 à 6 attendu")
