"""Milesight devices (EM300-TH, EM300-DI, WS302, AM308).

All of them send the same frame (reference/iot.md §3.2): repeated records
`[channel 1 B][type 1 B][value]`, integers little-endian, the value's length implied by the
(channel, type) pair. So there is one parser, `parse_records`, and one channel table per model.
A record we cannot size stops everything: guessing its length would misread what follows, so an
unknown record is a `DecodeError`, never a silent stop.

Milesight sends on fPort 85 by default, but the application port is a device setting, so the
port is not checked.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from .base import (
    BATTERY,
    CO2,
    HUMIDITY,
    PRESSURE,
    TEMPERATURE,
    Codec,
    DecodeError,
    EncodeError,
    Field,
    Kind,
    Quantity,
    Values,
    flag,
    number,
    skip,
)

ChannelTable = Mapping[tuple[int, int], Field]

CONFIG_FPORT = 85
INTERVAL_MIN_S, INTERVAL_MAX_S = 1, 64800

# Records every model may send that carry no measurement: device information on channel 0xFF,
# and the device's echo of configuration downlinks on 0xFE/0xFF (interval, reboot), so that
# the answer to our own `set_interval` is not reported as a broken frame.
HOUSEKEEPING: ChannelTable = {
    (0xFF, 0x01): skip(1),  # protocol version
    (0xFF, 0x09): skip(2),  # hardware version
    (0xFF, 0x0A): skip(2),  # firmware version
    (0xFF, 0x0B): skip(1),  # device status (power on)
    (0xFF, 0x0F): skip(1),  # LoRaWAN class
    (0xFF, 0x16): skip(8),  # serial number
    (0xFF, 0xFE): skip(1),  # reset event
    (0xFF, 0xFF): skip(2),  # TSL version
    **{(channel, 0x02): skip(2) for channel in (0xFE, 0xFF)},  # collection interval echo
    **{(channel, 0x03): skip(2) for channel in (0xFE, 0xFF)},  # report interval echo
    **{(channel, 0x10): skip(1) for channel in (0xFE, 0xFF)},  # reboot echo
}

_BATTERY = number(BATTERY.name, "<B")
_TEMPERATURE = number(TEMPERATURE.name, "<h", 10)
_HUMIDITY = number(HUMIDITY.name, "<B", 2)


def parse_records(payload: bytes, table: ChannelTable) -> Values:
    """Read a Milesight frame with one model's channel table (plus the housekeeping records)."""
    values: Values = {}
    offset = 0
    while offset < len(payload):
        if offset + 2 > len(payload):
            raise DecodeError(f"Trame tronquée : en-tête incomplet à l'octet {offset}")
        channel, type_ = payload[offset], payload[offset + 1]
        field = table.get((channel, type_)) or HOUSEKEEPING.get((channel, type_))
        if field is None:
            raise DecodeError(
                f"Enregistrement inconnu : canal 0x{channel:02X}, type 0x{type_:02X} "
                f"à l'octet {offset}"
            )
        start = offset + 2
        body = payload[start : start + field.size]
        if len(body) < field.size:
            raise DecodeError(
                f"Trame trop courte : canal 0x{channel:02X} type 0x{type_:02X}, "
                f"{len(body)} octets, {field.size} attendus"
            )
        values.update(field.read(body))
        offset = start + field.size
    return values


class MilesightCodec(Codec):
    """A Milesight model: its channel table, and the shared configuration downlinks."""

    channels: ChannelTable

    def _decode(self, f_port: int, payload: bytes) -> Values:
        return parse_records(payload, self.channels)

    def encode(self, command: str, **params: Any) -> tuple[int, bytes]:
        if command == "set_interval" and command in self.commands:
            return set_interval(**params)
        if not self.commands:
            return super().encode(command, **params)
        raise EncodeError(f"Commande inconnue pour « {self.label} » : {command}")


def set_interval(**params: Any) -> tuple[int, bytes]:
    """Reporting interval: channel 0xFF, type 0x03, uint16 LE seconds, on fPort 85."""
    if set(params) != {"seconds"}:
        raise EncodeError("Paramètre attendu : seconds (durée en secondes)")
    seconds = params["seconds"]
    # bool is an int in Python; True seconds is a caller's mistake, not 1 s.
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise EncodeError(
            f"Intervalle invalide : {seconds!r}, un nombre entier de secondes attendu"
        )
    if not INTERVAL_MIN_S <= seconds <= INTERVAL_MAX_S:
        raise EncodeError(
            f"Intervalle hors plage : {seconds} s, de {INTERVAL_MIN_S} à {INTERVAL_MAX_S} s attendu"
        )
    return CONFIG_FPORT, struct.pack("<BBH", 0xFF, 0x03, seconds)


class Em300ThCodec(MilesightCodec):
    model = "milesight-em300-th"
    label = "Milesight EM300-TH (température, humidité)"
    quantities = (BATTERY, TEMPERATURE, HUMIDITY)
    default_interval_s = 600
    commands = ("set_interval",)
    channels = {
        (0x01, 0x75): _BATTERY,
        (0x03, 0x67): _TEMPERATURE,
        (0x04, 0x68): _HUMIDITY,
        # History (timestamp, temperature, humidity, reserved): past values re-sent after a
        # network outage; storing them needs their timestamp, which this interface cannot carry.
        (0x20, 0xCE): skip(8),
    }


# --- WS302 sound level meter -------------------------------------------------------------
# The weighting byte says which acoustic quantities the three values are: bits 0-1 frequency
# weighting, bits 2-3 time weighting. The names follow acoustics notation (LAF, LAeq, LAFmax),
# so an A- and a C-weighted level never end up in the same series if a device is reconfigured.
# Every combination is declared, the usual A/Fast first.
_FREQUENCY_WEIGHTINGS = {1: "A", 2: "C", 0: "Z"}
_TIME_WEIGHTINGS = {1: "F", 2: "S", 0: "I"}  # fast, slow, impulse


def _sound_quantities() -> tuple[Quantity, ...]:
    quantities: list[Quantity] = []
    for f in _FREQUENCY_WEIGHTINGS.values():
        quantities.append(
            Quantity(f"l{f.lower()}eq", "dB", Kind.SOUND_LEVEL, f"Niveau sonore équivalent L{f}eq")
        )
        for t in _TIME_WEIGHTINGS.values():
            name = f"l{f}{t}".lower()
            quantities.append(Quantity(name, "dB", Kind.SOUND_LEVEL, f"Niveau sonore L{f}{t}"))
            quantities.append(
                Quantity(f"{name}max", "dB", Kind.SOUND_LEVEL, f"Niveau sonore maximal L{f}{t}max")
            )
    return tuple(quantities)


def _read_sound(body: bytes) -> Values:
    weighting, level, equivalent, maximum = struct.unpack("<BHHH", body)
    # Bits 4-7 are reserved; only the two weighting fields give the values their meaning.
    frequency = _FREQUENCY_WEIGHTINGS.get(weighting & 0x03)
    time = _TIME_WEIGHTINGS.get((weighting >> 2) & 0x03)
    if frequency is None or time is None:
        raise DecodeError(f"Pondération inconnue : 0x{weighting:02X}")
    name = f"l{frequency}{time}".lower()
    return {
        name: level / 10,
        f"l{frequency.lower()}eq": equivalent / 10,
        f"{name}max": maximum / 10,
    }


class Ws302Codec(MilesightCodec):
    model = "milesight-ws302"
    label = "Milesight WS302 (sonomètre)"
    quantities = (BATTERY, *_sound_quantities())
    default_interval_s = 600
    channels = {
        (0x01, 0x75): _BATTERY,
        (0x05, 0x5B): Field(7, _read_sound),
    }


# --- EM300-DI pulse counter ----------------------------------------------------------------
GPIO = Quantity("gpio", "0/1", Kind.STATE, "Entrée numérique")
GPIO_ALARM = Quantity("alarme_gpio", "0/1", Kind.STATE, "Alarme de l'entrée numérique")
PULSES = Quantity("impulsions", "impulsion", Kind.COUNTER, "Impulsions (cumul)")
# The box converts pulses itself with a factor set in Milesight ToolBox; the platform's
# convention is to configure that conversion in m³, as water meters are read.
WATER = Quantity("eau", "m³", Kind.COUNTER, "Volume d'eau (cumul, converti par le boîtier)")
FLOW_ALARM = Quantity("alarme_debit", "0/1", Kind.STATE, "Alarme de débit continu (fuite possible)")
OUTAGE_ALARM = Quantity(
    "alarme_coupure", "0/1", Kind.STATE, "Alarme d'absence de débit (coupure possible)"
)

# Water alarm byte of record 0x85/0xE1: which alarm, raised (1) or released (0).
_WATER_ALARMS = {
    1: (OUTAGE_ALARM.name, 1),
    2: (OUTAGE_ALARM.name, 0),
    3: (FLOW_ALARM.name, 1),
    4: (FLOW_ALARM.name, 0),
}


def _read_gpio_alarm(body: bytes) -> Values:
    return {**flag(GPIO.name, body[0]), **flag(GPIO_ALARM.name, body[1])}


def _read_water(body: bytes) -> Values:
    # The two conversion factors only explain how `water` was computed from the pulses.
    _water_conv, _pulse_conv, water = struct.unpack("<HHf", body[:8])
    return {WATER.name: water}


def _read_water_alarm(body: bytes) -> Values:
    alarm = _WATER_ALARMS.get(body[8])
    if alarm is None:
        raise DecodeError(f"Alarme d'eau inconnue : {body[8]}")
    name, raised = alarm
    return {**_read_water(body), name: raised}


def _refuse_water(body: bytes) -> Values:
    raise DecodeError("Volume d'eau reçu : configurer le boîtier en mode compteur d'impulsions")


class Em300DiCodec(MilesightCodec):
    """EM300-DI as a water meter pulse counter.

    The decoder's channels are trusted over the vendor README where they disagree
    (water 0x05/0xE1 and alarm 0x85/0xE1, reference/iot.md §3.1). Subclasses reuse the frame
    for other meters by setting `pulse_quantity` and `reads_water`.
    """

    model = "milesight-em300-di"
    label = "Milesight EM300-DI (compteur d'eau à impulsions)"
    default_interval_s = 600
    commands = ("set_interval",)
    pulse_quantity = PULSES
    # In water mode the box sends its own converted volume instead of the raw pulse count.
    reads_water = True

    def __init__(self) -> None:
        water = self.reads_water
        self.quantities = (
            BATTERY,
            TEMPERATURE,
            HUMIDITY,
            GPIO,
            GPIO_ALARM,
            self.pulse_quantity,
            *((WATER, FLOW_ALARM, OUTAGE_ALARM) if water else ()),
        )
        self.channels = {
            (0x01, 0x75): _BATTERY,
            (0x03, 0x67): _TEMPERATURE,
            (0x04, 0x68): _HUMIDITY,
            (0x05, 0x00): Field(1, lambda body: flag(GPIO.name, body[0])),
            (0x05, 0xC8): number(self.pulse_quantity.name, "<I"),
            (0x05, 0xE1): Field(8, _read_water if water else _refuse_water),
            (0x85, 0x00): Field(2, _read_gpio_alarm),
            (0x85, 0xE1): Field(9, _read_water_alarm if water else _refuse_water),
            # History records, v1 (pulse) and v2 (water): past values re-sent after an outage,
            # which need their own timestamps; skipped by their length.
            (0x20, 0xCE): skip(13),
            (0x21, 0xCE): skip(18),
        }


# --- AM308 air quality (subset) ------------------------------------------------------------
PM2_5 = Quantity("pm2_5", "µg/m³", Kind.GAUGE, "Particules fines PM2,5")
PM10 = Quantity("pm10", "µg/m³", Kind.GAUGE, "Particules PM10")


class Am308Codec(MilesightCodec):
    """Milesight AM308 (subset): the quantities the air-quality indicators use.

    The other records of the AM308 frame (PIR, light level, tVOC, HCHO, O₃, buzzer, history)
    are read by their length and left out, so a full frame decodes; map them here when an
    indicator needs them.
    """

    model = "milesight-am308"
    label = "Milesight AM308 (qualité de l'air : CO₂, particules) — sous-ensemble"
    quantities = (BATTERY, TEMPERATURE, HUMIDITY, CO2, PM2_5, PM10, PRESSURE)
    default_interval_s = 600
    channels = {
        (0x01, 0x75): _BATTERY,
        (0x03, 0x67): _TEMPERATURE,
        (0x04, 0x68): _HUMIDITY,
        (0x07, 0x7D): number(CO2.name, "<H"),
        (0x09, 0x73): number(PRESSURE.name, "<H", 10),
        (0x0B, 0x7D): number(PM2_5.name, "<H"),
        (0x0C, 0x7D): number(PM10.name, "<H"),
        (0x05, 0x00): skip(1),  # PIR
        (0x06, 0xCB): skip(1),  # light level (0-5 scale)
        (0x08, 0x7D): skip(2),  # tVOC index
        (0x08, 0xE6): skip(2),  # tVOC µg/m³
        (0x0A, 0x7D): skip(2),  # HCHO
        (0x0D, 0x7D): skip(2),  # O₃
        (0x0E, 0x01): skip(1),  # buzzer
        (0x20, 0xCE): skip(20),  # history
    }
