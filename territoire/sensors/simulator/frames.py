"""Frame builders: bytes in the exact layouts the codecs read; `encode(model, values)` picks
the builder and the fPort."""

from __future__ import annotations

import struct
from collections.abc import Mapping

from territoire.sensors.codecs import get_codec
from territoire.sensors.simulator.constants import UINT32

# --- frame builders ------------------------------------------------------------------------
# Each takes values in physical units (as the codec returns them) and rounds them the way the
# device would; `encode` is the single entry point used by the generator and the tests.


def _u8(value: float) -> int:
    return max(0, min(255, round(value)))


def _u16(value: float) -> int:
    return max(0, min(0xFFFF, round(value)))


def _i16(value: float) -> int:
    return max(-0x8000, min(0x7FFF, round(value)))


def milesight_battery(battery: float) -> bytes:
    return struct.pack("<BBB", 0x01, 0x75, _u8(battery))


def milesight_temperature(celsius: float) -> bytes:
    return struct.pack("<BBh", 0x03, 0x67, _i16(celsius * 10))


def milesight_humidity(percent: float) -> bytes:
    return struct.pack("<BBB", 0x04, 0x68, _u8(percent * 2))


def em300_di_frame(battery: float, pulses: int) -> bytes:
    """Milesight EM300-DI in pulse mode: battery, pulse counter uint32 LE (wraps at 2^32)."""
    return milesight_battery(battery) + struct.pack("<BBI", 0x05, 0xC8, int(pulses) % UINT32)


def em300_th_frame(battery: float, temperature: float, humidity: float) -> bytes:
    return (
        milesight_battery(battery)
        + milesight_temperature(temperature)
        + milesight_humidity(humidity)
    )


WS302_A_FAST = 0x05  # frequency weighting A (1) + time weighting Fast (1 << 2): LAF, LAeq, LAFmax


def ws302_frame(
    battery: float, level: float, equivalent: float, maximum: float, weighting: int = WS302_A_FAST
) -> bytes:
    """Milesight WS302: weighting byte, then L, Leq and Lmax as uint16 LE tenths of dB."""
    return milesight_battery(battery) + struct.pack(
        "<BBBHHH",
        0x05,
        0x5B,
        weighting,
        _u16(level * 10),
        _u16(equivalent * 10),
        _u16(maximum * 10),
    )


def am308_frame(
    battery: float,
    temperature: float,
    humidity: float,
    co2: float,
    pressure: float,
    pm2_5: float,
    pm10: float,
) -> bytes:
    """Milesight AM308, the records the codec keeps (plus a PIR record it skips)."""
    return (
        milesight_battery(battery)
        + milesight_temperature(temperature)
        + milesight_humidity(humidity)
        + struct.pack("<BBB", 0x05, 0x00, 0)  # PIR idle: sent by the device, skipped by us
        + struct.pack("<BBH", 0x07, 0x7D, _u16(co2))
        + struct.pack("<BBH", 0x09, 0x73, _u16(pressure * 10))
        + struct.pack("<BBH", 0x0B, 0x7D, _u16(pm2_5))
        + struct.pack("<BBH", 0x0C, 0x7D, _u16(pm10))
    )


def elsys_ers_frame(
    temperature: float, humidity: float, light: float, motion: float, co2: float, vdd: float
) -> bytes:
    """Elsys ERS CO2: type/value records, big-endian, no length byte."""
    return struct.pack(
        ">BhBBBHBBBHBH",
        0x01,
        _i16(temperature * 10),
        0x02,
        _u8(humidity),
        0x04,
        _u16(light),
        0x05,
        _u8(motion),
        0x06,
        _u16(co2),
        0x07,
        _u16(vdd),
    )


def tps110_status_frame(occupied: bool) -> tuple[int, bytes]:
    """Bosch TPS110 status change: fPort 1, bit 0 = occupied."""
    return 1, bytes([1 if occupied else 0])


def tps110_heartbeat_frame(occupied: bool, temperature: float) -> tuple[int, bytes]:
    """Bosch TPS110 heartbeat: fPort 2, occupied bit then int8 temperature in °C."""
    return 2, bytes([1 if occupied else 0]) + struct.pack(
        ">b", max(-128, min(127, round(temperature)))
    )


def counter_frame(entries: int, exits: int, battery: float | None = None) -> bytes:
    """The platform's bidirectional counter frame: two uint32 BE, optional battery byte."""
    frame = struct.pack(">II", int(entries) % UINT32, int(exits) % UINT32)
    return frame + bytes([_u8(battery)]) if battery is not None else frame


def lwl02_frame(
    leak: bool, battery_mv: float, events: int, last_duration: int, alarm: bool
) -> bytes:
    """Dragino LWL02: status word (leak bit 14, battery mV), mode 2, events and duration uint24."""
    status = (1 << 14 if leak else 0) | (round(battery_mv) & 0x3FFF)
    return (
        struct.pack(">HB", status, 2)
        + (int(events) & 0xFFFFFF).to_bytes(3, "big")
        + (int(last_duration) & 0xFFFFFF).to_bytes(3, "big")
        + bytes([1 if alarm else 0])
    )


MILESIGHT_FPORT = 85
LWL02_FPORT = 10
COUNTER_FPORT = 1
ELSYS_FPORT = 5


def encode(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    """(fPort, frame) a device of `model` sends for `values` (keyed by codec quantity names).
    For the TPS110, values with a temperature make a heartbeat, without one a status change."""
    v = values
    if model in ("milesight-em300-di", "generic-electricity-pulse"):
        pulses = get_codec(model).pulse_quantity.name  # type: ignore[attr-defined]
        return MILESIGHT_FPORT, em300_di_frame(v["battery"], int(v[pulses]))
    if model == "milesight-em300-th":
        return MILESIGHT_FPORT, em300_th_frame(v["battery"], v["temperature"], v["humidite"])
    if model == "milesight-ws302":
        return MILESIGHT_FPORT, ws302_frame(v["battery"], v["laf"], v["laeq"], v["lafmax"])
    if model == "milesight-am308":
        return MILESIGHT_FPORT, am308_frame(
            v["battery"],
            v["temperature"],
            v["humidite"],
            v["co2"],
            v["pression"],
            v["pm2_5"],
            v["pm10"],
        )
    if model == "elsys-ers":
        return ELSYS_FPORT, elsys_ers_frame(
            v["temperature"],
            v["humidite"],
            v["luminosite"],
            v["mouvements"],
            v["co2"],
            v["batterie_mv"],
        )
    if model == "bosch-tps110":
        if "temperature" in v:
            return tps110_heartbeat_frame(bool(v["occupation"]), v["temperature"])
        return tps110_status_frame(bool(v["occupation"]))
    if model == "generic-bidirectional-counter":
        return COUNTER_FPORT, counter_frame(
            int(v["passages_entree"]), int(v["passages_sortie"]), v.get("battery")
        )
    if model == "dragino-lwl02":
        return LWL02_FPORT, lwl02_frame(
            bool(v["fuite"]),
            v["batterie_mv"],
            int(v["evenements"]),
            int(v["duree_dernier_evenement"]),
            bool(v["alarme"]),
        )
    raise KeyError(f"no frame builder for model {model!r}")


SIMULATED_MODELS = (
    "milesight-em300-di",
    "milesight-em300-th",
    "milesight-ws302",
    "milesight-am308",
    "elsys-ers",
    "bosch-tps110",
    "generic-bidirectional-counter",
    "generic-electricity-pulse",
    "dragino-lwl02",
)
