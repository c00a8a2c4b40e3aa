"""What every payload codec shares: the quantities it declares, its errors, the `Codec` base
class, and small helpers to read fixed-size fields.

Codecs are pure functions of (fPort, bytes): no database, no clock, no settings, so that they
can be tested with vectors and fuzzed, and re-run on archived uplinks after a fix.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Values = dict[str, float | int]


class Kind(StrEnum):
    """How a series is aggregated (DESIGN §4 "Time")."""

    COUNTER = "counter"  # cumulative raw value; storage sums the deltas and detects resets
    GAUGE = "gauge"  # mean / min / max
    SOUND_LEVEL = "sound_level"  # decibels: energetic mean, never arithmetic
    STATE = "state"  # 0/1 flag (occupied, leak, door open, alarm)


@dataclass(frozen=True)
class Quantity:
    name: str
    unit: str
    kind: Kind
    label: str  # French, shown to agents


class DecodeError(ValueError):
    """The payload cannot be read; the message (French) says why."""


class EncodeError(ValueError):
    """The command cannot be built; the message (French) says why."""


# Quantities several vendors report share one name, so that series compare across vendors.
BATTERY = Quantity("battery", "%", Kind.GAUGE, "Batterie")
BATTERY_MV = Quantity("batterie_mv", "mV", Kind.GAUGE, "Tension de la pile")
TEMPERATURE = Quantity("temperature", "°C", Kind.GAUGE, "Température")
HUMIDITY = Quantity("humidite", "%HR", Kind.GAUGE, "Humidité relative")
CO2 = Quantity("co2", "ppm", Kind.GAUGE, "Dioxyde de carbone (CO₂)")
PRESSURE = Quantity("pression", "hPa", Kind.GAUGE, "Pression atmosphérique")

# LoRaWAN application ports; 0 carries MAC commands and 224+ are reserved for tests.
_FPORT_MIN, _FPORT_MAX = 1, 223


class Codec:
    """Turns the bytes of one device model into measurements, and commands into bytes.

    Subclasses set the class attributes and implement `_decode`; the public `decode` adds the
    checks every codec needs, so a subclass cannot forget them.
    """

    model: str  # registry key, stored on the device
    label: str  # French, shown to agents
    quantities: tuple[Quantity, ...]  # everything decode() may return
    default_interval_s: int  # normal reporting interval, for "silent device" detection
    commands: tuple[str, ...] = ()  # names encode() accepts

    def decode(self, f_port: int, payload: bytes) -> Values:
        """Measurements keyed by `Quantity.name`; raises `DecodeError` and nothing else."""
        if not _FPORT_MIN <= f_port <= _FPORT_MAX:
            raise DecodeError(f"Port LoRaWAN invalide : {f_port}")
        if not payload:
            raise DecodeError("Trame vide")
        values = self._decode(f_port, bytes(payload))
        for name, value in values.items():
            # A float32 field can hold NaN or infinity; no series can store that.
            if not math.isfinite(value):
                raise DecodeError(f"Valeur non finie pour « {name} » : {value}")
        battery = values.get("battery")
        if battery is not None and not 0 <= battery <= 100:
            raise DecodeError(f"Niveau de batterie hors plage : {battery} %, 0 à 100 attendu")
        return values

    def _decode(self, f_port: int, payload: bytes) -> Values:
        raise NotImplementedError

    def encode(self, command: str, **params: Any) -> tuple[int, bytes]:
        """(fPort, bytes) of a downlink; raises `EncodeError` and nothing else."""
        raise EncodeError(f"Le modèle « {self.label} » ne prend pas de commande")

    def quantity(self, name: str) -> Quantity:
        """The declared quantity called `name`; KeyError if the codec does not declare it."""
        for quantity in self.quantities:
            if quantity.name == name:
                return quantity
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model}>"


@dataclass(frozen=True)
class Field:
    """A fixed-size value inside a record-based frame: its size and how to read it."""

    size: int
    read: Callable[[bytes], Values]


def number(name: str, fmt: str, divisor: int = 1) -> Field:
    """A single number packed with `struct` format `fmt` (which carries the byte order),
    divided by `divisor` (dividing, not multiplying by 0.1, gives 30.8 rather than 30.800…04).
    """

    def read(body: bytes) -> Values:
        (raw,) = struct.unpack(fmt, body)
        return {name: raw / divisor if divisor != 1 else raw}

    return Field(struct.calcsize(fmt), read)


def skip(size: int) -> Field:
    """A record known by its length but carrying no measurement we keep."""
    return Field(size, lambda body: {})


def flag(name: str, raw: int, *, on: int = 1, off: int = 0) -> Values:
    """A 0/1 state from a byte that must be `on` or `off`; anything else is malformed."""
    if raw == on:
        return {name: 1}
    if raw == off:
        return {name: 0}
    raise DecodeError(f"Valeur inattendue pour « {name} » : {raw}")


def require_length(payload: bytes, expected: int, *, at_least: bool = False) -> None:
    """Fixed-layout frames: refuse a payload of the wrong length before unpacking it."""
    ok = len(payload) >= expected if at_least else len(payload) == expected
    if not ok:
        wanted = f"au moins {expected}" if at_least else str(expected)
        if len(payload) < expected:
            raise DecodeError(f"Trame trop courte : {len(payload)} octets, {wanted} attendus")
        raise DecodeError(f"Trame trop longue : {len(payload)} octets, {wanted} attendus")
