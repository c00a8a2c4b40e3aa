"""Actuators the automations command: a lighting relay controller (Milesight WS558), a door
strike wired to the same controller, and a solenoid valve controller for watering (Milesight
UC511).

Byte layouts read from Milesight's published decoders and encoders (SensorDecoders
repository, WS558 and UC51x); the examples of their READMEs are the test vectors. Commands
are sent on fPort 85 like the other Milesight configuration downlinks; each command's
parameters are checked here so that a rule with a bad parameter is refused when it is saved,
with a French message, not when it fires.
"""

from __future__ import annotations

import struct
from typing import Any

from .base import BATTERY, EncodeError, Field, Kind, Quantity, Values, flag, number, skip
from .milesight import CONFIG_FPORT, MilesightCodec

# --- WS558 smart light controller ------------------------------------------------------------
VOLTAGE = Quantity("tension", "V", Kind.GAUGE, "Tension électrique")
POWER = Quantity("puissance", "W", Kind.GAUGE, "Puissance active")
POWER_FACTOR = Quantity("facteur_puissance", "%", Kind.GAUGE, "Facteur de puissance")
# Same name, unit and kind as the electricity pulse meters: the series compare.
ENERGY = Quantity("energie", "Wh", Kind.COUNTER, "Énergie électrique (cumul)")
CURRENT = Quantity("courant", "mA", Kind.GAUGE, "Intensité électrique")
RELAYS = tuple(
    Quantity(f"relais_{n}", "0/1", Kind.STATE, f"Relais {n} (1 : allumé)") for n in range(1, 9)
)
RELAY_COUNT = 8
# The WS558 counts its delay in seconds on 16 bits.
DELAY_MAX_S = 65535


def _read_switches(body: bytes) -> Values:
    # First byte: which switches changed since the last frame; second: their state, bit n-1
    # for switch n (vendor README: "08 31 00 01" is switch 1 on, the others off).
    state = body[1]
    return {f"relais_{n}": (state >> (n - 1)) & 1 for n in range(1, RELAY_COUNT + 1)}


_WS558_CHANNELS = {
    (0x03, 0x74): number(VOLTAGE.name, "<H", 10),
    (0x04, 0x80): number(POWER.name, "<I"),
    (0x05, 0x81): number(POWER_FACTOR.name, "<B"),
    (0x06, 0x83): number(ENERGY.name, "<I"),
    (0x07, 0xC9): number(CURRENT.name, "<H"),
    (0x08, 0x31): Field(2, _read_switches),
    # Answer to a delayed-switch downlink (task id, delay, mask, state): nothing to store.
    (0xFE, 0x32): skip(5),
    (0xFF, 0x32): skip(5),
}


def _integer(params: dict[str, Any], name: str, low: int, high: int, label: str) -> int:
    value = params.get(name)
    # bool is an int in Python; True is a caller's mistake, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise EncodeError(f"{label} invalide : {value!r}, un nombre entier attendu")
    if not low <= value <= high:
        raise EncodeError(f"{label} hors plage : {value}, de {low} à {high} attendu")
    return value


def _expect(params: dict[str, Any], names: set[str], hint: str) -> None:
    if set(params) != names:
        expected = ", ".join(sorted(names)) or "aucun"
        raise EncodeError(f"Paramètres attendus : {expected} ({hint})")


def switch_frame(relay: int, on: bool) -> bytes:
    """Immediate switch: 0x08, mask of the switches to change, their new state."""
    mask = 1 << (relay - 1)
    return struct.pack("<BBB", 0x08, mask, mask if on else 0)


def delayed_switch_frame(relay: int, on: bool, delay_s: int, task_id: int = 1) -> bytes:
    """Switch after ``delay_s`` seconds: 0xFF 0x32, task id, uint16 LE delay, mask, state."""
    mask = 1 << (relay - 1)
    return struct.pack("<BBBHBB", 0xFF, 0x32, task_id, delay_s, mask, mask if on else 0)


class Ws558Codec(MilesightCodec):
    """Milesight WS558, 8-relay light controller: "switch_on" / "switch_off" of one relay."""

    model = "milesight-ws558"
    label = "Milesight WS558 (contrôleur d'éclairage, 8 relais)"
    quantities = (VOLTAGE, POWER, POWER_FACTOR, ENERGY, CURRENT, *RELAYS)
    default_interval_s = 1200
    commands = ("switch_on", "switch_off", "set_interval")
    channels = _WS558_CHANNELS

    def encode(self, command: str, **params: Any) -> tuple[int, bytes]:
        if command in ("switch_on", "switch_off"):
            _expect(params, {"relay"}, "numéro du relais, de 1 à 8")
            relay = _integer(params, "relay", 1, RELAY_COUNT, "Numéro de relais")
            return CONFIG_FPORT, switch_frame(relay, command == "switch_on")
        return super().encode(command, **params)


class Ws558DoorCodec(Ws558Codec):
    """A door strike (gâche électrique) wired to relay 1 of a WS558.

    "open_door" releases the strike now and locks it again after the given seconds, in one
    downlink (immediate switch then delayed switch, as the vendor encoder concatenates them),
    so the door relocks even if the closing command were lost. "lock" relocks at once.
    """

    model = "milesight-ws558-door"
    label = "Gâche de porte sur contrôleur Milesight WS558 (relais 1)"
    commands = ("open_door", "lock", "set_interval")
    DOOR_RELAY = 1

    def encode(self, command: str, **params: Any) -> tuple[int, bytes]:
        if command == "open_door":
            _expect(params, {"seconds"}, f"durée d'ouverture, de 1 à {DELAY_MAX_S} secondes")
            seconds = _integer(params, "seconds", 1, DELAY_MAX_S, "Durée d'ouverture")
            return CONFIG_FPORT, switch_frame(self.DOOR_RELAY, True) + delayed_switch_frame(
                self.DOOR_RELAY, False, seconds
            )
        if command == "lock":
            _expect(params, set(), "aucun paramètre")
            return CONFIG_FPORT, switch_frame(self.DOOR_RELAY, False)
        if command in ("switch_on", "switch_off"):
            # Named door commands only: a raw relay command could leave the door unlocked.
            raise EncodeError(f"Commande inconnue pour « {self.label} » : {command}")
        return super().encode(command, **params)


# --- UC511 solenoid valve controller -----------------------------------------------------------
VALVES = tuple(
    Quantity(f"vanne_{n}", "0/1", Kind.STATE, f"Vanne {n} (1 : ouverte)") for n in (1, 2)
)
VALVE_PULSES = tuple(
    Quantity(f"impulsions_vanne_{n}", "impulsion", Kind.COUNTER, f"Impulsions du compteur {n}")
    for n in (1, 2)
)
VALVE_INPUTS = tuple(
    Quantity(f"entree_{n}", "0/1", Kind.STATE, f"Entrée numérique {n}") for n in (1, 2)
)
# The task duration is a 24-bit field; the platform bounds watering to 12 hours.
WATERING_MAX_S = 12 * 3600


def valve_task_frame(valve: int, open_: bool, duration_s: int | None) -> bytes:
    """Valve task: 0xFF 0x1D, control byte (bit 7: timed, bit 5: open, bits 0-1: valve − 1),
    sequence 0 (execute now), then the duration as uint24 LE when timed."""
    control = (0x80 if duration_s is not None else 0) | (0x20 if open_ else 0) | (valve - 1)
    frame = struct.pack("<BBBB", 0xFF, 0x1D, control, 0)
    if duration_s is not None:
        frame += duration_s.to_bytes(3, "little")
    return frame


class Uc511Codec(MilesightCodec):
    """Milesight UC511 solenoid valve controller: "open_valve" for a duration, "close_valve"."""

    model = "milesight-uc511"
    label = "Milesight UC511 (électrovanne d'arrosage)"
    quantities = (BATTERY, *VALVES, *VALVE_PULSES, *VALVE_INPUTS)
    default_interval_s = 1200
    commands = ("open_valve", "close_valve", "set_interval")
    channels = {
        (0x01, 0x75): number(BATTERY.name, "<B"),
        (0x03, 0x01): Field(1, lambda body: flag("vanne_1", body[0])),
        (0x04, 0xC8): number("impulsions_vanne_1", "<I"),
        (0x05, 0x01): Field(1, lambda body: flag("vanne_2", body[0])),
        (0x06, 0xC8): number("impulsions_vanne_2", "<I"),
        (0x07, 0x01): Field(1, lambda body: flag("entree_1", body[0])),
        (0x08, 0x01): Field(1, lambda body: flag("entree_2", body[0])),
        # History (timestamp, status, pulses): past values need their own timestamps.
        (0x20, 0xCE): skip(9),
        # Echo of a valve task.
        (0xFE, 0x1D): skip(2),
        (0xFF, 0x1D): skip(2),
    }

    def encode(self, command: str, **params: Any) -> tuple[int, bytes]:
        if command == "open_valve":
            _expect(params, {"valve", "seconds"}, f"vanne 1 ou 2, durée de 1 à {WATERING_MAX_S} s")
            valve = _integer(params, "valve", 1, 2, "Numéro de vanne")
            seconds = _integer(params, "seconds", 1, WATERING_MAX_S, "Durée d'arrosage")
            return CONFIG_FPORT, valve_task_frame(valve, True, seconds)
        if command == "close_valve":
            _expect(params, {"valve"}, "vanne 1 ou 2")
            valve = _integer(params, "valve", 1, 2, "Numéro de vanne")
            return CONFIG_FPORT, valve_task_frame(valve, False, None)
        return super().encode(command, **params)
