"""A deterministic LoRaWAN traffic simulator for the demo, the benchmarks and the tests.

Pure generation logic: no database, no network, no clock. Everything a simulated device sends
is a function of (seed, DevEUI, instant), so a backfill run twice gives the same bytes, a
realtime run continues a backfill without a jump, and a redelivered message carries the same
deduplication id (the archive then ignores it).

Layers, from the bottom:

- frame builders: bytes in the exact layouts the codecs read (reference/iot.md §3);
  `encode(model, values)` picks the builder and the fPort;
- calendar: French public holidays (fixed dates and the Easter-based ones); a holiday is
  simulated as a Sunday;
- profiles: how each kind of device behaves over a day and a week (water meters with one
  planted leak, bike and pedestrian counters, road noise, indoor comfort and CO2, parking
  spaces, electricity meters, leak detectors);
- `Simulator.uplinks(start, end)`: the ChirpStack v4 "up" bodies of every device in a time
  range, in time order;
- `DEMO_DEVICES`: the demo's devices in Arras and the three pilot communes. Coordinates are
  approximate (near the public building or road named, itself placed from the commune's
  centroid and the reference notes), never surveyed positions.

Counters (water, electricity, passages) are cumulative and never decrease: the value at an
instant is the sum of whole-day totals since `EPOCH` plus the share of the current day already
elapsed, so it can be computed for any instant without replaying history.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from territoire.sensors.codecs import get_codec

PARIS = ZoneInfo("Europe/Paris")
# Counters start from their base value on this day; earlier instants read the base value.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(2025, 1, 1)
SLOT_S = 900  # resolution of the within-day profiles
UINT32 = 2**32
DEFAULT_SEED = 2026

Values = dict[str, float]

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


# --- calendar -----------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven jours fériés of metropolitan France (code du travail, art. L3133-1)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Whit Monday
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def day_kind(day: date) -> int:
    """Weekday 0 (Monday) to 6 (Sunday), a public holiday counting as a Sunday: people,
    shops and public buildings behave that way."""
    return 6 if day in french_public_holidays(day.year) else day.weekday()


def local_midnight(day: date) -> datetime:
    """The UTC instant at which `day` starts in Paris (23 or 25 hour days around DST)."""
    return datetime.combine(day, time(), PARIS).astimezone(UTC)


def local_hour(at: datetime) -> tuple[date, float]:
    local = at.astimezone(PARIS)
    return local.date(), local.hour + local.minute / 60 + local.second / 3600


# --- deterministic randomness -------------------------------------------------------------


_MASK64 = 2**64 - 1


def _mix(x: int) -> int:
    """splitmix64 finaliser: a fast, well-spread 64-bit integer hash."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class Rng:
    """Uniform and normal draws that are a pure function of (seed, key, tag, numbers).

    Not `random.Random`: its state depends on every draw made before, so a value would depend
    on where a run started. Tags are hashed once; integers are mixed with splitmix64, which
    keeps a week of demo traffic (hundreds of thousands of draws) well under a second.
    """

    def __init__(self, seed: int, key: str):
        self._base = _digest(f"{seed}|{key}")
        self._tags: dict[str, int] = {}

    def bits(self, tag: str, *numbers: int) -> int:
        x = self._tags.get(tag)
        if x is None:
            x = self._tags[tag] = _mix(self._base ^ _digest(tag))
        for number in numbers:
            x = _mix(x ^ (number & _MASK64))
        return x

    def u(self, tag: str, *numbers: int) -> float:
        """Uniform in [0, 1)."""
        return self.bits(tag, *numbers) / 2**64

    def normal(self, tag: str, *numbers: int) -> float:
        """Standard normal (Box-Muller on the two halves of one draw)."""
        bits = self.bits(tag, *numbers)
        u1 = ((bits >> 32) + 1) / 2**32  # in (0, 1]: the logarithm stays finite
        u2 = (bits & 0xFFFFFFFF) / 2**32
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def integer(self, low: int, high: int, tag: str, *numbers: int) -> int:
        return low + self.bits(tag, *numbers) % (high - low + 1)


def _gauss(x: float, centre: float, width: float) -> float:
    return math.exp(-0.5 * ((x - centre) / width) ** 2)


def _piecewise(points: Sequence[tuple[float, float]], x: float) -> float:
    """Linear interpolation through (x, y) points sorted by x."""
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return points[-1][1] if x > points[-1][0] else points[0][1]


def _season(day: date, peak_doy: int) -> float:
    """cos of the distance to the day of year at which a seasonal effect peaks (1 at peak)."""
    return math.cos(2 * math.pi * (day.timetuple().tm_yday - peak_doy) / 365.25)


def outdoor_temperature(rng: Rng, at: datetime) -> float:
    """Arras climate, roughly: 3.5 °C mean in January, 18.5 °C in July, 8 °C daily swing,
    and a per-day weather anomaly shared by every device of the territory."""
    day, hour = local_hour(at)
    anomaly = 3.0 * rng.normal("weather", day.toordinal())
    return 11.0 + 7.5 * _season(day, 200) + 4.0 * math.cos(2 * math.pi * (hour - 15) / 24) + anomaly


# --- building schedules -------------------------------------------------------------------
# Occupancy from 0 to 1 at a local hour of a day of kind `kind` (0 Monday ... 6 Sunday or
# holiday); `day` is there for events that do not repeat every week (council meetings).

Schedule = Callable[[float, int, date], float]


def _school(hour: float, kind: int, day: date) -> float:
    # Four-day week: no class on Wednesday, when a leisure centre uses part of the building.
    if kind in (5, 6):
        return 0.0
    if kind == 2:
        return 0.15 if 8 <= hour < 18 else 0.0
    if 8.5 <= hour < 11.75 or 13.5 <= hour < 16.5:
        return 1.0
    if 11.75 <= hour < 13.5:
        return 0.15
    if 7.5 <= hour < 8.5 or 16.5 <= hour < 18.5:
        return 0.2  # before and after school care
    return 0.0


def _office(hour: float, kind: int, day: date) -> float:
    if kind >= 5:
        return 0.0
    if 8.5 <= hour < 12.5 or 13.5 <= hour < 17.5:
        return 1.0
    if 12.5 <= hour < 13.5:
        return 0.4
    if 7.5 <= hour < 8.5 or 17.5 <= hour < 18.5:
        return 0.3
    return 0.0


def _town_hall(hour: float, kind: int, day: date) -> float:
    if kind == 5:
        return 0.5 if 9 <= hour < 12 else 0.0  # civil registry and weddings on Saturday
    return _office(hour, kind, day)


def _council_room(hour: float, kind: int, day: date) -> float:
    # A municipal council every other Tuesday evening fills the room; the rest of the time it
    # hosts a few meetings.
    if kind == 1 and day.isocalendar().week % 2 == 0 and 18.5 <= hour < 21:
        return 1.0
    return 0.2 * _office(hour, kind, day)


def _library(hour: float, kind: int, day: date) -> float:
    # Closed on Monday and Sunday; open all day on Wednesday (children).
    if kind in (0, 6):
        return 0.0
    if kind == 2:
        return 1.0 if 10 <= hour < 18 else 0.0
    return 1.0 if 10 <= hour < 12.5 or 14 <= hour < 18 else 0.0


def _lycee(hour: float, kind: int, day: date) -> float:
    if kind >= 5:
        return 0.0
    if kind == 2 and hour >= 12.5:
        return 0.2 if hour < 17 else 0.0
    if 8 <= hour < 12 or 13.5 <= hour < 17.5:
        return 1.0
    if 12 <= hour < 13.5:
        return 0.7
    if 7.25 <= hour < 8 or 17.5 <= hour < 18.5:
        return 0.3
    return 0.0


def _water_sports(hour: float, kind: int, day: date) -> float:
    if kind == 6:
        return 0.7 if 9 <= hour < 13 else 0.0
    if kind == 5:
        return 0.8 if 9 <= hour < 18 else 0.0
    if 9 <= hour < 12:
        return 0.3  # school groups
    return 1.0 if 17 <= hour < 21 else 0.0  # club training


def _pool(hour: float, kind: int, day: date) -> float:
    return 1.0 if 9 <= hour < 21 else (0.3 if 7 <= hour < 9 else 0.0)


SCHEDULES: dict[str, Schedule] = {
    "school": _school,
    "office": _office,
    "town_hall": _town_hall,
    "council_room": _council_room,
    "library": _library,
    "lycee": _lycee,
    "water_sports": _water_sports,
    "pool": _pool,
}


# --- devices and scenario -----------------------------------------------------------------


@dataclass(frozen=True)
class SimDevice:
    """What the simulator needs to know about one device."""

    dev_eui: str
    model: str
    profile: str
    params: Mapping[str, Any] = field(default_factory=dict)
    interval_s: int = 900
    name: str = ""
    commune: str = ""  # INSEE code, sent as a device tag
    application_id: str = ""
    application_name: str = ""
    gateway_id: str = "0080000000a01001"


@dataclass(frozen=True)
class Scenario:
    """The knobs shared by every device: the seed, and when the planted leak began (None:
    leaking since `EPOCH`)."""

    seed: int = DEFAULT_SEED
    leak_start: datetime | None = None


@dataclass(frozen=True)
class Sample:
    """One uplink's content before it is wrapped in a network-server event."""

    at: datetime
    f_cnt: int
    values: Values


def leak_start_for(created_at: datetime) -> datetime:
    """Where the demo puts the planted leak: 14:00 (Paris) two days before the demo devices
    were registered, so that a week's backfill shows nights without and nights with it."""
    day = created_at.astimezone(PARIS).date() - timedelta(days=2)
    return datetime.combine(day, time(14), PARIS).astimezone(UTC)


# --- counters -----------------------------------------------------------------------------


class DailyCounter:
    """A cumulative counter that is a pure function of the instant.

    `shape(hour, kind, day)` is the rate (units per hour) over a local day; a day's total is
    the shape's integral (or `daily(kind)`) times `day_factor(day)` (season, weather, chance),
    rounded; within the day the total is spread along the shape, jittered per 15-min slot.
    The value at `at` is `base` + the totals of the whole days since `EPOCH_DAY` + the share of
    the current day elapsed: it never decreases and is continuous across midnight.
    """

    def __init__(
        self,
        rng: Rng,
        key: str,
        shape: Callable[[float, int, date], float],
        *,
        base: int,
        day_factor: Callable[[date], float],
        daily: Callable[[int], float] | None = None,
        jitter: float = 0.35,
    ):
        self.rng, self.key, self.shape, self.base = rng, key, shape, base
        self.day_factor, self.daily, self.jitter = day_factor, daily, jitter
        self._means: dict[int, float] = {}
        self._prefix: list[int] = [0]  # _prefix[i]: total of the i days from EPOCH_DAY
        self._weights: dict[date, tuple[datetime, list[float]]] = {}
        self._slot_tag = f"{key}/slot"

    def _mean(self, kind: int, day: date) -> float:
        if self.daily is not None:
            return self.daily(kind)
        if kind not in self._means:
            # Integrate over a plain 24-hour day; `day` only matters to non-weekly events,
            # which the day factor does not need to account for.
            slots = 86400 // SLOT_S
            hours = SLOT_S / 3600
            self._means[kind] = sum(
                self.shape((i + 0.5) * hours, kind, day) * hours for i in range(slots)
            )
        return self._means[kind]

    def day_total(self, day: date) -> int:
        if day < EPOCH_DAY:
            return 0
        return max(0, round(self._mean(day_kind(day), day) * self.day_factor(day)))

    def _before(self, day: date) -> int:
        """Sum of the day totals from EPOCH_DAY to the day before `day`."""
        index = (day - EPOCH_DAY).days
        if index <= 0:
            return 0
        prefix = self._prefix
        while len(prefix) <= index:
            prefix.append(prefix[-1] + self.day_total(EPOCH_DAY + timedelta(days=len(prefix) - 1)))
        return prefix[index]

    def _day_weights(self, day: date) -> tuple[datetime, list[float]]:
        """The day's UTC start and the cumulative share of its total at each slot boundary."""
        cached = self._weights.get(day)
        if cached is not None:
            return cached
        start = local_midnight(day)
        slots = int((local_midnight(day + timedelta(days=1)) - start).total_seconds()) // SLOT_S
        kind = day_kind(day)
        ordinal = day.toordinal()
        weights = []
        for i in range(slots):
            _, hour = local_hour(start + timedelta(seconds=(i + 0.5) * SLOT_S))
            rate = self.shape(hour, kind, day)
            if rate > 0:
                rate *= 1 + self.jitter * (2 * self.rng.u(self._slot_tag, ordinal, i) - 1)
            weights.append(max(rate, 0.0))
        total = sum(weights)
        cumulative = [0.0]
        running = 0.0
        for weight in weights:
            running += weight
            cumulative.append(running / total if total > 0 else 0.0)
        if total > 0:
            cumulative[-1] = 1.0
        if len(self._weights) > 16:
            self._weights.clear()  # a generator moves forward: old days are not asked again
        self._weights[day] = (start, cumulative)
        return start, cumulative

    def share(self, at: datetime) -> tuple[date, float]:
        """The local day of `at` and the share of that day's total counted at `at`."""
        day = at.astimezone(PARIS).date()
        start, cumulative = self._day_weights(day)
        position = (at - start).total_seconds() / SLOT_S
        slot = min(int(position), len(cumulative) - 2)
        fraction = position - slot
        share = cumulative[slot] + (cumulative[slot + 1] - cumulative[slot]) * fraction
        return day, min(max(share, 0.0), 1.0)

    def value(self, at: datetime) -> int:
        if at < EPOCH:
            return self.base
        day, share = self.share(at)
        return self.base + self._before(day) + math.floor(self.day_total(day) * share)


# --- behaviours ---------------------------------------------------------------------------


class Behaviour:
    """How one device behaves. Periodic devices report on a fixed grid (their interval,
    shifted by a per-device phase so that devices do not all speak in the same second)."""

    def __init__(self, device: SimDevice, scenario: Scenario):
        self.device = device
        self.scenario = scenario
        self.rng = Rng(scenario.seed, device.dev_eui)
        self.territory = Rng(scenario.seed, "territory")  # weather shared by all devices
        self.params = device.params
        self.interval = max(60, int(device.interval_s))
        self.phase = int(Rng(0, device.dev_eui).u("phase") * self.interval)

    def samples(self, start: datetime, end: datetime) -> Iterator[Sample]:
        """The uplinks sent in (start, end]."""
        offset = (start - EPOCH).total_seconds() - self.phase
        k = math.floor(offset / self.interval) + 1
        while True:
            at = EPOCH + timedelta(seconds=self.phase + k * self.interval)
            if at > end:
                return
            if at > start:
                yield Sample(at, k % UINT32, self.values(at))
            k += 1

    def values(self, at: datetime) -> Values:
        raise NotImplementedError

    def battery(self, at: datetime) -> float:
        """Battery in %, slowly discharging since EPOCH (about 4 points a year)."""
        days = max(0.0, (at - EPOCH).total_seconds() / 86400)
        start = 99 - 6 * self.rng.u("battery")
        return float(max(1, min(100, round(start - days * 0.011))))

    def weather_factor(self, day: date, sensitivity: float) -> float:
        """1 on a fair day, lower on a rainy one (shared by every device), times chance."""
        rainy = self.territory.u("rain", day.toordinal()) < 0.35
        own = 1 + 0.08 * self.rng.normal("day", day.toordinal())
        return max(0.1, (1 - sensitivity if rainy else 1.0) * own)


class WaterMeter(Behaviour):
    """A building's water meter behind an EM300-DI, 1 pulse = 1 L. Consumption follows the
    building's opening hours and is zero when it is closed (nights, closed days), except for
    the planted leak: a constant flow (a running cistern) from the scenario's leak start."""

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        schedule = SCHEDULES[self.params.get("schedule", "office")]
        peak = float(self.params.get("litres_per_hour", 200))

        def shape(hour: float, kind: int, day: date) -> float:
            occupancy = schedule(hour, kind, day)
            # Use clusters around arrivals, lunch and departures rather than a flat rate.
            bumps = 0.6 * _gauss(hour, 10, 0.7) + 0.8 * _gauss(hour, 12.3, 0.6)
            return peak * occupancy * (0.6 + bumps) if occupancy > 0 else 0.0

        def factor(day: date) -> float:
            return max(
                0.2, 1 + 0.05 * _season(day, 200) + 0.15 * self.rng.normal("d", day.toordinal())
            )

        self.counter = DailyCounter(
            self.rng,
            "water",
            shape,
            base=self.rng.integer(20_000, 900_000, "base"),
            day_factor=factor,
        )
        self.leak_lph = float(self.params.get("leak_lph", 0))
        self.leak_start = scenario.leak_start or EPOCH

    def litres(self, at: datetime) -> int:
        value = self.counter.value(at)
        if self.leak_lph > 0 and at > self.leak_start:
            value += math.floor(self.leak_lph * (at - self.leak_start).total_seconds() / 3600)
        return value

    def values(self, at: datetime) -> Values:
        return {"battery": self.battery(at), "impulsions": self.litres(at)}


class ElectricityMeter(Behaviour):
    """An electricity meter's pulse output (1 Wh per pulse): a base load all day (servers,
    ventilation, fridges) plus a load following the opening hours, higher in winter."""

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        schedule = SCHEDULES[self.params.get("schedule", "office")]
        base_w = 1000 * float(self.params.get("base_kw", 1.5))
        work_w = 1000 * float(self.params.get("work_kw", 5.0))

        def shape(hour: float, kind: int, day: date) -> float:
            return base_w + work_w * schedule(hour, kind, day)

        def factor(day: date) -> float:
            # Lighting and auxiliaries of heating make winter days heavier.
            return max(
                0.3, 1 + 0.15 * _season(day, 15) + 0.05 * self.rng.normal("d", day.toordinal())
            )

        self.counter = DailyCounter(
            self.rng,
            "energy",
            shape,
            base=self.rng.integer(1_000_000, 40_000_000, "base"),
            day_factor=factor,
            jitter=0.15,
        )

    def values(self, at: datetime) -> Values:
        return {"battery": self.battery(at), "energie": self.counter.value(at)}


# Relative daily volume of a counting site by kind of day (0 Monday ... 6 Sunday/holiday).
_DAILY_BY_USAGE = {
    "commute": {5: 0.55, 6: 0.45},
    "leisure": {5: 0.9, 6: 1.2},
    "pedestrian": {2: 1.2, 5: 1.5, 6: 0.8},  # market days in Arras: Wednesday and Saturday
}
_WEEKDAY_SHARE = {"commute": 1.0, "leisure": 0.4, "pedestrian": 1.0}


def _traffic_shape(usage: str, direction: int) -> Callable[[float, int, date], float]:
    """Passages per hour (relative) in one direction (0: A → B, towards the centre)."""
    towards = direction == 0

    def weekday(hour: float) -> float:
        morning = _gauss(hour, 8.0, 0.55) * (0.7 if towards else 0.3)
        evening = _gauss(hour, 17.6, 0.9) * (0.3 if towards else 0.7)
        lunch = 0.35 * _gauss(hour, 12.5, 0.8)
        day = 0.12 if 7 <= hour < 21 else (0.02 if 6 <= hour < 23 else 0.003)
        return morning + evening + lunch + day

    def leisure(hour: float) -> float:
        afternoon = _gauss(hour, 15.5, 2.0)
        morning = 0.45 * _gauss(hour, 10.8, 1.2)
        return afternoon + morning + (0.01 if 7 <= hour < 22 else 0.002)

    def pedestrian(hour: float, kind: int) -> float:
        market = 0.9 * _gauss(hour, 10.5, 1.5) if kind in (2, 5) else 0.0
        shops = _gauss(hour, 15.5, 2.5) if kind != 6 else 0.6 * _gauss(hour, 15, 2.5)
        evening = 0.35 * _gauss(hour, 20, 1.5)
        return market + shops + evening + 0.3 * _gauss(hour, 12.5, 1.0) + 0.01

    def shape(hour: float, kind: int, day: date) -> float:
        if usage == "pedestrian":
            return pedestrian(hour, kind)
        if kind >= 5:
            return leisure(hour)
        if usage == "leisure":
            return 0.6 * leisure(hour) + 0.4 * weekday(hour)
        return weekday(hour)

    return shape


class PassageCounter(Behaviour):
    """A bike or pedestrian counter (both directions, cumulative). Commuter sites peak at
    8:00 and 17:00-18:00 on working days; on weekends and public holidays everybody rides
    or walks in the afternoon; rain and winter lower the counts (reference/iot.md §4d)."""

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        usage = str(self.params.get("usage", "commute"))
        scale = float(self.params.get("daily", 500))
        by_kind = _DAILY_BY_USAGE[usage]
        weekday_share = _WEEKDAY_SHARE[usage]
        rain = 0.1 if usage == "pedestrian" else 0.4

        def daily(kind: int) -> float:
            # Half of the site's daily volume goes each way (each direction is one counter).
            return scale * by_kind.get(kind, weekday_share) / 2

        def factor(day: date) -> float:
            season = 1 + (0.35 if usage != "pedestrian" else 0.1) * _season(day, 190)
            return season * self.weather_factor(day, rain)

        self.counters = [
            DailyCounter(
                self.rng,
                f"direction{direction}",
                _traffic_shape(usage, direction),
                base=self.rng.integer(1_000, 200_000, "base", direction),
                day_factor=factor,
                daily=daily,
            )
            for direction in (0, 1)
        ]

    def values(self, at: datetime) -> Values:
        return {
            "passages_entree": self.counters[0].value(at),
            "passages_sortie": self.counters[1].value(at),
            "battery": self.battery(at),
        }


def traffic_intensity(hour: float, kind: int) -> float:
    """Road traffic relative to the weekday peak (0 to 1), as the noise follows it."""
    points: list[tuple[float, float]]
    if kind >= 5:
        points = [(0, 0.15), (4, 0.02), (8, 0.2), (11, 0.6), (15, 0.7), (19, 0.55), (24, 0.15)]
    else:
        points = [
            (0, 0.1),
            (3.5, 0.02),
            (5.5, 0.3),
            (7.5, 1.0),
            (9.5, 0.75),
            (12.5, 0.8),
            (16.5, 0.95),
            (18.5, 1.0),
            (20.5, 0.5),
            (22.5, 0.25),
            (24, 0.1),
        ]
    return _piecewise(points, hour)


class NoiseMeter(Behaviour):
    """A WS302 near a main road: LAeq over the period from ~45-52 dB at night to ~60-68 dB in
    the day, following the traffic; LAF is the level at the report, LAFmax the loudest event
    (lorries, mopeds)."""

    def values(self, at: datetime) -> Values:
        day_db = float(self.params.get("day_db", 65))
        night_db = float(self.params.get("night_db", 48))
        day, hour = local_hour(at)
        kind = day_kind(day)
        traffic = traffic_intensity(hour, kind)
        # Linear in dB, not in energy: an energetic blend would let 10 % of the peak traffic
        # keep the night within 10 dB of the day, louder than roads measure at night.
        t = int(at.timestamp())
        laeq = night_db + (day_db - night_db) * traffic + 1.2 * self.rng.normal("laeq", t)
        laf = laeq + 3.0 * self.rng.normal("laf", t) - 1.0
        lafmax = laeq + 7 + 9 * self.rng.u("max", t) + 4 * traffic
        return {
            "battery": self.battery(at),
            "laf": round(max(30.0, laf), 1),
            "laeq": round(max(30.0, laeq), 1),
            "lafmax": round(max(laeq, lafmax), 1),
        }


def _first_order_weights(tau_min: float, steps: int) -> list[float]:
    alpha = 1 - math.exp(-15 / tau_min)
    return [alpha * (1 - alpha) ** j for j in range(steps)]


_FILTER_WEIGHTS = list(zip(_first_order_weights(35, 32), _first_order_weights(90, 32), strict=True))


class IndoorClimate(Behaviour):
    """Comfort sensors in a room: CO2 rises with occupancy and decays with ventilation, the
    heating runs on a comfort/setback programme, and weekends stay low. Values depend on the
    last hours' occupancy (a first-order response sampled every 15 min)."""

    CO2_OUTDOOR = 420.0

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        self.schedule = SCHEDULES[self.params.get("schedule", "office")]
        self.co2_gain = float(self.params.get("co2_gain", 900))
        self._steps: dict[int, tuple[float, float]] = {}

    def _occupancy(self, at: datetime) -> float:
        day, hour = local_hour(at)
        return self.schedule(hour, day_kind(day), day)

    def _heating(self, at: datetime) -> float:
        day, hour = local_hour(at)
        kind = day_kind(day)
        # The programme starts the heating before people arrive and stops it at closing time.
        ahead = self.schedule(min(hour + 1.5, 23.99), kind, day)
        return 1.0 if max(ahead, self.schedule(hour, kind, day)) > 0.1 and 6 <= hour < 19 else 0.0

    def _inputs(self, step: int) -> tuple[float, float]:
        """(occupancy, heating) at the start of 15-minute step `step` since EPOCH, cached:
        consecutive uplinks look at almost the same hours."""
        cached = self._steps.get(step)
        if cached is None:
            at = EPOCH + timedelta(seconds=step * SLOT_S)
            cached = self._steps[step] = (self._occupancy(at), self._heating(at))
            if len(self._steps) > 4096:
                self._steps = {step: cached}
        return cached

    def _filtered(self, at: datetime) -> tuple[float, float]:
        """First-order responses of occupancy (ventilation, tau 35 min) and of the heating
        (thermal inertia, tau 90 min), as a fixed 8-hour weighted window, so that the value at
        an instant never depends on what was computed before."""
        step = math.floor((at - EPOCH).total_seconds() / SLOT_S)
        occupancy = heating = 0.0
        for j, (w_occupancy, w_heating) in enumerate(_FILTER_WEIGHTS):
            o, h = self._inputs(step - j)
            occupancy += w_occupancy * o
            heating += w_heating * h
        return occupancy, heating

    def climate(self, at: datetime) -> dict[str, float]:
        occupancy, heating = self._filtered(at)
        outdoor = outdoor_temperature(self.territory, at)
        t = int(at.timestamp())
        heated = 16.5 + 4.0 * heating + 1.2 * occupancy + 0.08 * (outdoor - 8)
        # Outside the heating season the room floats a few degrees above the outdoor mean.
        day = at.astimezone(PARIS).date()
        outdoor_mean = 11.0 + 7.5 * _season(day, 200)
        temperature = max(heated, outdoor_mean + 3 + 0.25 * (outdoor - outdoor_mean))
        temperature += 0.15 * self.rng.normal("t", t)
        co2 = self.CO2_OUTDOOR + self.co2_gain * occupancy + 25 * self.rng.normal("co2", t)
        humidity = 46 + 9 * occupancy - 0.6 * (temperature - 20) + 1.5 * self.rng.normal("h", t)
        return {
            "temperature": round(temperature, 1),
            "humidite": min(80.0, max(20.0, humidity)),
            "co2": max(380.0, co2),
            "occupancy": occupancy,
        }

    def values(self, at: datetime) -> Values:
        climate = self.climate(at)
        model = self.device.model
        if model == "milesight-em300-th":
            return {
                "battery": self.battery(at),
                "temperature": climate["temperature"],
                "humidite": round(climate["humidite"] * 2) / 2,
            }
        t = int(at.timestamp())
        if model == "elsys-ers":
            _, hour = local_hour(at)
            present = self._occupancy(at)
            daylight = 120 * max(0.0, math.sin(math.pi * (hour - 7) / 12)) if 7 < hour < 19 else 0
            light = daylight + (380 if present > 0.3 else 0) + 10 * self.rng.u("lux", t)
            motion = max(0, round(present * 30 + 4 * self.rng.normal("pir", t))) if present else 0
            days = max(0.0, (at - EPOCH).total_seconds() / 86400)
            return {
                "temperature": climate["temperature"],
                "humidite": float(round(climate["humidite"])),
                "luminosite": float(round(light)),
                "mouvements": float(motion),
                "co2": float(round(climate["co2"])),
                "batterie_mv": float(round(3640 - 0.3 * days - 20 * self.rng.u("vdd"))),
            }
        if model == "milesight-am308":
            day = at.astimezone(PARIS).date()
            pressure = 1016 + 9 * self.territory.normal("pressure", day.toordinal())
            pm2_5 = max(2.0, 8 + 3 * self.territory.normal("pm", day.toordinal()))
            pm2_5 += 2 * climate["occupancy"] + self.rng.u("pm", t)
            return {
                "battery": self.battery(at),
                "temperature": climate["temperature"],
                "humidite": round(climate["humidite"] * 2) / 2,
                "co2": float(round(climate["co2"])),
                "pression": round(pressure + 0.5 * self.rng.normal("p", t), 1),
                "pm2_5": float(round(pm2_5)),
                "pm10": float(round(pm2_5 * 1.6 + 2 * self.rng.u("pm10", t))),
            }
        raise KeyError(f"indoor profile does not support model {model!r}")


class EventDevice(Behaviour):
    """A device that speaks when something happens as well as on its keep-alive grid. Its
    uplinks are computed a local day at a time; fCnt = day number × 128 + rank in the day, so
    it increases without replaying history."""

    # Room for a keep-alive every minute plus the events of a busy day.
    PER_DAY = 2048

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        self._days: dict[date, list[tuple[datetime, Values]]] = {}

    def samples(self, start: datetime, end: datetime) -> Iterator[Sample]:
        day = start.astimezone(PARIS).date()
        last = end.astimezone(PARIS).date()
        while day <= last:
            base = (day - EPOCH_DAY).days * self.PER_DAY
            events = self._days.get(day)
            if events is None:
                # A realtime loop asks for the same day every second: compute it once.
                if len(self._days) > 4:
                    self._days.clear()
                events = self._days[day] = self.day_events(day)
            for rank, (at, values) in enumerate(events):
                if start < at <= end:
                    yield Sample(at, (base + rank) % UINT32, values)
            day += timedelta(days=1)

    def day_events(self, day: date) -> list[tuple[datetime, Values]]:
        raise NotImplementedError

    def keepalives(self, day: date) -> Iterator[datetime]:
        start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        offset = (start - EPOCH).total_seconds() - self.phase
        k = math.ceil(offset / self.interval)
        at = EPOCH + timedelta(seconds=self.phase + k * self.interval)
        while at < end:
            if at >= start:
                yield at
            at += timedelta(seconds=self.interval)


def parking_demand(hour: float, kind: int) -> float:
    """Share of a town-centre car park's spaces occupied (reference/iot.md §4e): offices
    and shops on weekdays, the Saturday market, quiet Sundays and holidays, residents at
    night."""
    points: list[tuple[float, float]]
    if kind == 6:
        points = [(0, 0.3), (10, 0.32), (12, 0.45), (15, 0.5), (18, 0.4), (24, 0.3)]
    elif kind == 5:
        points = [(0, 0.3), (7, 0.35), (9, 0.85), (11, 0.97), (13, 0.9), (15, 0.85)]
        points += [(18, 0.8), (20, 0.5), (24, 0.3)]
    else:
        points = [(0, 0.25), (6, 0.25), (8, 0.6), (10, 0.9), (12, 0.85), (13, 0.7)]
        points += [(14.5, 0.9), (17, 0.85), (19, 0.5), (22, 0.3), (24, 0.25)]
    return _piecewise(points, hour)


class ParkingSpace(EventDevice):
    """A TPS110 in one space. Time is cut into 40-minute blocks (shifted per space); in each
    block the space is taken with the car park's demand as probability, and a status-change
    frame (fPort 1) is sent when the state changes, a few minutes into the block. The daily
    heartbeat (fPort 2) repeats the state with the temperature."""

    BLOCK_S = 2400

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        self.block_phase = int(self.rng.u("block-phase") * self.BLOCK_S)

    def _block_state(self, block: int) -> bool:
        at = EPOCH + timedelta(seconds=self.block_phase + (block + 0.5) * self.BLOCK_S)
        day, hour = local_hour(at)
        return self.rng.u("block", block) < parking_demand(hour, day_kind(day))

    def _change_at(self, block: int) -> datetime:
        delay = int(self.rng.u("delay", block) * 600)
        return EPOCH + timedelta(seconds=self.block_phase + block * self.BLOCK_S + delay)

    def occupied(self, at: datetime) -> bool:
        block = math.floor(((at - EPOCH).total_seconds() - self.block_phase) / self.BLOCK_S)
        return self._block_state(block if at >= self._change_at(block) else block - 1)

    def day_events(self, day: date) -> list[tuple[datetime, Values]]:
        start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        first = math.floor(((start - EPOCH).total_seconds() - self.block_phase) / self.BLOCK_S)
        events: list[tuple[datetime, Values]] = []
        block = first
        while True:
            at = self._change_at(block)
            if at >= end:
                break
            state = self._block_state(block)
            if at >= start and state != self._block_state(block - 1):
                events.append((at, {"occupation": float(state)}))
            block += 1
        for at in self.keepalives(day):
            temperature = round(
                outdoor_temperature(self.territory, at) + 2 * self.rng.u("t", int(at.timestamp()))
            )
            events.append(
                (at, {"occupation": float(self.occupied(at)), "temperature": temperature})
            )
        events.sort(key=lambda event: event[0])
        return events


class LeakDetector(EventDevice):
    """A Dragino LWL02 on the floor of a technical room: a keep-alive every interval, and,
    when `planted` is set, one water detection 39 hours after the scenario's leak start
    (early morning), lasting 45 minutes, reported when it starts and when it stops."""

    DURATION = timedelta(minutes=45)

    def __init__(self, device: SimDevice, scenario: Scenario):
        super().__init__(device, scenario)
        planted = bool(self.params.get("planted", False))
        start = (scenario.leak_start or EPOCH) + timedelta(hours=39)
        self.incidents = [(start, start + self.DURATION)] if planted else []

    def state(self, at: datetime) -> Values:
        started = [(s, e) for s, e in self.incidents if s <= at]
        leak = any(at < e for _, e in started)
        duration = 0
        if started:
            s, e = started[-1]
            duration = int((min(at, e) - s).total_seconds() // 60)
        days = max(0.0, (at - EPOCH).total_seconds() / 86400)
        return {
            "fuite": float(leak),
            "batterie_mv": float(round(3050 - 0.25 * days - 30 * self.rng.u("mv"))),
            "evenements": float(len(started)),
            "duree_dernier_evenement": float(duration),
            "alarme": float(leak),
        }

    def day_events(self, day: date) -> list[tuple[datetime, Values]]:
        start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        moments = list(self.keepalives(day))
        for s, e in self.incidents:
            moments += [m for m in (s, e) if start <= m < end]
        return [(at, self.state(at)) for at in sorted(set(moments))]


PROFILES: dict[str, type[Behaviour]] = {
    "water": WaterMeter,
    "electricity": ElectricityMeter,
    "passages": PassageCounter,
    "noise": NoiseMeter,
    "indoor": IndoorClimate,
    "parking": ParkingSpace,
    "leak_detector": LeakDetector,
}


# --- network-server envelope --------------------------------------------------------------

NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-4c8e-9a7f-0d2e4b6c8a10")
_NAMESPACE_BYTES = NAMESPACE.bytes
TENANT_ID = str(uuid.uuid5(NAMESPACE, "tenant:cua"))
EU868_CHANNELS = (868100000, 868300000, 868500000, 867100000, 867300000, 867500000, 867700000)


def application_id(insee: str) -> str:
    """The ChirpStack application UUID of a commune's demo devices (stable across runs)."""
    return str(uuid.uuid5(NAMESPACE, f"application:{insee}"))


def dedup_id(dev_eui: str, at: datetime | str) -> str:
    """A UUID (version 5 of DevEUI and instant): the same uplink always gets the same id."""
    moment = at if isinstance(at, str) else _iso(at)
    # uuid.uuid5 by hand: the same value, without building UUID objects on the hot path.
    # SHA-1 is what UUID version 5 is defined with; it identifies, it protects nothing.
    name = _NAMESPACE_BYTES + f"{dev_eui}:{moment}".encode()
    digest = bytearray(hashlib.sha1(name, usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


class Envelope:
    """Wraps one device's samples in ChirpStack v4 "up" event bodies (Protobuf JSON mapping:
    camelCase, base64 data). The parts that never change are computed once per device."""

    def __init__(self, device: SimDevice, seed: int = DEFAULT_SEED):
        self.device = device
        self.rng = Rng(seed, f"radio:{device.dev_eui}")
        # Each device sits at its own distance from the gateway: a stable mean RSSI.
        self.base_rssi = -78 - 34 * self.rng.u("base")
        self.device_info = {
            "tenantId": TENANT_ID,
            "tenantName": "Communauté urbaine d'Arras",
            "applicationId": device.application_id or application_id(device.commune),
            "applicationName": device.application_name or f"capteurs-{device.commune}",
            "deviceProfileId": str(uuid.uuid5(NAMESPACE, f"profile:{device.model}")),
            "deviceProfileName": device.model,
            "deviceName": device.name or device.dev_eui,
            "devEui": device.dev_eui,
        }
        self.dev_addr = hashlib.blake2b(device.dev_eui.encode(), digest_size=4).hexdigest()

    def body(self, sample: Sample) -> dict[str, Any]:
        device = self.device
        f_port, frame = encode(device.model, sample.values)
        t = int(sample.at.timestamp())
        radio = self.rng.bits("radio", t)  # one draw, split: RSSI, SNR, channel, uplink id
        rssi = round(self.base_rssi + 6 * ((radio & 0xFFFF) / 0x10000 - 0.5))
        jitter = ((radio >> 16) & 0xFFFF) / 0x10000 - 0.5
        snr = round(max(-12.0, min(11.0, 9 + (rssi + 90) / 4 + 2 * jitter)), 1)
        spreading = 7 if rssi > -100 else (9 if rssi > -110 else 10)
        moment = _iso(sample.at)
        return {
            "deduplicationId": dedup_id(device.dev_eui, moment),
            "time": moment,
            "deviceInfo": {
                **self.device_info,
                "tags": {"commune": device.commune} if device.commune else {},
            },
            "devAddr": self.dev_addr,
            "adr": True,
            "dr": 12 - spreading,
            "fCnt": sample.f_cnt,
            "fPort": f_port,
            "data": base64.b64encode(frame).decode(),
            "rxInfo": [
                {
                    "gatewayId": device.gateway_id,
                    "uplinkId": radio >> 32,
                    "rssi": rssi,
                    "snr": snr,
                    "context": base64.b64encode(struct.pack(">I", t % UINT32)).decode(),
                    "metadata": {"region_common_name": "EU868", "region_config_id": "eu868"},
                }
            ],
            "txInfo": {
                "frequency": EU868_CHANNELS[(radio >> 32) % len(EU868_CHANNELS)],
                "modulation": {
                    "lora": {
                        "bandwidth": 125000,
                        "spreadingFactor": spreading,
                        "codeRate": "CR_4_5",
                    }
                },
            },
        }


def chirpstack_up(device: SimDevice, sample: Sample, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The ChirpStack v4 "up" event body of one uplink (see `Envelope`)."""
    return Envelope(device, seed).body(sample)


class Simulator:
    """The devices of a demo under one scenario. Keep one instance for a realtime loop: the
    behaviours cache their day profiles."""

    def __init__(self, devices: Iterable[SimDevice], scenario: Scenario | None = None):
        self.scenario = scenario or Scenario()
        self.devices = list(devices)
        self.behaviours = {d.dev_eui: behaviour(d, self.scenario) for d in self.devices}
        self.envelopes = {d.dev_eui: Envelope(d, self.scenario.seed) for d in self.devices}

    def samples(self, dev_eui: str, start: datetime, end: datetime) -> Iterator[Sample]:
        return self.behaviours[dev_eui].samples(start, end)

    def uplinks(self, start: datetime, end: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
        """(DevEUI, ChirpStack "up" body) of every uplink in (start, end], in time order."""

        def stream(dev_eui: str) -> Iterator[tuple[datetime, str, Sample]]:
            for sample in self.behaviours[dev_eui].samples(start, end):
                yield sample.at, dev_eui, sample

        merged = heapq.merge(*(stream(d.dev_eui) for d in self.devices), key=lambda i: i[:2])
        for _at, dev_eui, sample in merged:
            yield dev_eui, self.envelopes[dev_eui].body(sample)


def behaviour(device: SimDevice, scenario: Scenario) -> Behaviour:
    try:
        cls = PROFILES[device.profile]
    except KeyError:
        raise KeyError(f"unknown simulation profile {device.profile!r}") from None
    return cls(device, scenario)


# --- the demo ------------------------------------------------------------------------------

ARRAS, BEAURAINS, TILLOY, SAINT_LAURENT = "62041", "62099", "62817", "62753"
DEMO_COMMUNES = (ARRAS, BEAURAINS, TILLOY, SAINT_LAURENT)

# One gateway per commune, on a high public building (DevEUI-like identifiers, invented).
GATEWAYS = {
    ARRAS: "0080000000a01001",  # belfry of the Hôtel de Ville
    BEAURAINS: "0080000000a02001",
    TILLOY: "0080000000a03001",  # water tower
    SAINT_LAURENT: "0080000000a04001",
}

# OUI prefixes of the vendors (Milesight 24:E1:24, Elsys A8:17:58, Dragino A8:40:41); the
# platform's generic counters and the Bosch sensors get a private-range prefix.
_PREFIX = {
    "milesight-em300-di": "24e124",
    "milesight-em300-th": "24e124",
    "milesight-ws302": "24e124",
    "milesight-am308": "24e124",
    "generic-electricity-pulse": "24e124",
    "elsys-ers": "a81758",
    "dragino-lwl02": "a84041",
    "bosch-tps110": "02b0c5",
    "generic-bidirectional-counter": "02c0de",
}


@dataclass(frozen=True)
class DemoDevice:
    commune: str  # INSEE code
    serial: int  # 1-999 within the commune; with the model it makes the DevEUI
    name: str
    model: str
    profile: str
    place: str
    latitude: float
    longitude: float
    tags: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    # The pilot was equipped in the autumn of 2025 (a plausible date, not a sourced one).
    installed_on: date = date(2025, 10, 6)

    @property
    def dev_eui(self) -> str:
        """Vendor prefix + "de" (demo) + INSEE code + serial: readable and 16 hex digits."""
        return f"{_PREFIX[self.model]}de{self.commune}{self.serial:03d}"


def _parking_spaces() -> list[DemoDevice]:
    spaces = []
    for n in range(1, 11):
        label = "place PMR" if n == 1 else f"place {n:02d}"
        spaces.append(
            DemoDevice(
                ARRAS,
                100 + n,
                f"Parking Victor-Hugo — {label}",
                "bosch-tps110",
                "parking",
                "Parking de la place Victor-Hugo, Arras",
                50.28685 + 0.00004 * (n % 5),
                2.77180 + 0.00006 * (n // 5) + 0.00002 * n,
                ("stationnement", "parking-victor-hugo"),
            )
        )
    return spaces


DEMO_DEVICES: tuple[DemoDevice, ...] = (
    # --- Arras ---
    DemoDevice(ARRAS, 1, "Eau — Hôtel de Ville", "milesight-em300-di", "water",
               "Hôtel de Ville, place des Héros", 50.29122, 2.77745, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 260}),
    DemoDevice(ARRAS, 2, "Eau — Pôle éducatif du Val de Scarpe", "milesight-em300-di", "water",
               "Pôle éducatif du Val de Scarpe", 50.29905, 2.77690, ("eau", "école"),
               {"schedule": "school", "litres_per_hour": 420}),
    DemoDevice(ARRAS, 3, "Eau — Citadelle (siège de la CUA)", "milesight-em300-di", "water",
               "Citadelle, 146 allée du Bastion de la Reine", 50.29090, 2.76990, ("eau",),
               {"schedule": "office", "litres_per_hour": 300}),
    DemoDevice(ARRAS, 11, "Électricité — Hôtel de Ville", "generic-electricity-pulse",
               "electricity", "Hôtel de Ville, place des Héros", 50.29125, 2.77750,
               ("électricité", "décret tertiaire"),
               {"schedule": "town_hall", "base_kw": 6, "work_kw": 22}),
    DemoDevice(ARRAS, 12, "Électricité — Aquarena, traitement d'air", "generic-electricity-pulse",
               "electricity", "Aquarena, Val de Scarpe", 50.29950, 2.78250,
               ("électricité", "décret tertiaire"),
               {"schedule": "pool", "base_kw": 25, "work_kw": 15}),
    DemoDevice(ARRAS, 21, "Vélos — boulevard Carnot", "generic-bidirectional-counter",
               "passages", "Piste cyclable du boulevard Carnot, vers la gare", 50.28720, 2.77930,
               ("vélo", "mobilité"), {"usage": "commute", "daily": 620}),
    DemoDevice(ARRAS, 22, "Piétons — place des Héros", "generic-bidirectional-counter",
               "passages", "Place des Héros (rue de la Taillerie)", 50.29140, 2.77800,
               ("piétons", "mobilité"), {"usage": "pedestrian", "daily": 2600}),
    DemoDevice(ARRAS, 31, "Bruit — entrée nord (RD 950)", "milesight-ws302", "noise",
               "Rocade, entrée nord d'Arras (RD 950)", 50.30120, 2.78600, ("bruit",),
               {"day_db": 67, "night_db": 49}),
    DemoDevice(ARRAS, 32, "Bruit — boulevard de Strasbourg", "milesight-ws302", "noise",
               "Boulevard de Strasbourg, près de la gare", 50.28600, 2.78300, ("bruit",),
               {"day_db": 64, "night_db": 46}),
    DemoDevice(ARRAS, 41, "Classe maternelle — Val de Scarpe", "elsys-ers", "indoor",
               "Pôle éducatif du Val de Scarpe, salle 1", 50.29908, 2.77685,
               ("qualité de l'air", "école"), {"schedule": "school", "co2_gain": 1150}),
    DemoDevice(ARRAS, 42, "Classe élémentaire — Val de Scarpe", "elsys-ers", "indoor",
               "Pôle éducatif du Val de Scarpe, salle 4", 50.29910, 2.77695,
               ("qualité de l'air", "école"), {"schedule": "school", "co2_gain": 1350}),
    DemoDevice(ARRAS, 43, "Salle de motricité — Val de Scarpe", "elsys-ers", "indoor",
               "Pôle éducatif du Val de Scarpe, salle de motricité", 50.29902, 2.77700,
               ("qualité de l'air", "école"), {"schedule": "school", "co2_gain": 700}),
    DemoDevice(ARRAS, 44, "Dortoir — Val de Scarpe", "milesight-em300-th", "indoor",
               "Pôle éducatif du Val de Scarpe, dortoir", 50.29906, 2.77680,
               ("confort", "école"), {"schedule": "school"}),
    *_parking_spaces(),
    DemoDevice(ARRAS, 51, "Fuite — chaufferie de l'Hôtel de Ville", "dragino-lwl02",
               "leak_detector", "Hôtel de Ville, chaufferie", 50.29118, 2.77740,
               ("eau", "fuite")),
    # --- Beaurains ---
    DemoDevice(BEAURAINS, 1, "Eau — mairie de Beaurains", "milesight-em300-di", "water",
               "Mairie de Beaurains", 50.25980, 2.79050, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 120}),
    DemoDevice(BEAURAINS, 2, "Eau — médiathèque de Beaurains", "milesight-em300-di", "water",
               "Médiathèque de Beaurains (réseau M)", 50.25900, 2.78880, ("eau",),
               {"schedule": "library", "litres_per_hour": 60}),
    DemoDevice(BEAURAINS, 11, "Électricité — mairie de Beaurains", "generic-electricity-pulse",
               "electricity", "Mairie de Beaurains", 50.25985, 2.79055, ("électricité",),
               {"schedule": "town_hall", "base_kw": 1.5, "work_kw": 6}),
    DemoDevice(BEAURAINS, 21, "Vélos — route de Bapaume", "generic-bidirectional-counter",
               "passages", "Piste cyclable de la route de Bapaume (RD 917), vers Arras",
               50.26300, 2.78750, ("vélo", "mobilité"), {"usage": "commute", "daily": 280}),
    DemoDevice(BEAURAINS, 31, "Bruit — route de Bapaume (RD 917)", "milesight-ws302", "noise",
               "Route de Bapaume (RD 917)", 50.25400, 2.79500, ("bruit",),
               {"day_db": 65, "night_db": 47}),
    # --- Tilloy-lès-Mofflaines ---
    DemoDevice(TILLOY, 1, "Eau — mairie de Tilloy-lès-Mofflaines", "milesight-em300-di",
               "water", "Mairie de Tilloy-lès-Mofflaines", 50.27720, 2.81720, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 90, "leak_lph": 24}),
    DemoDevice(TILLOY, 2, "Eau — lycée de Tilloy-lès-Mofflaines", "milesight-em300-di",
               "water", "Lycée de Tilloy-lès-Mofflaines", 50.28050, 2.81350, ("eau",),
               {"schedule": "lycee", "litres_per_hour": 900}),
    DemoDevice(TILLOY, 11, "Électricité — lycée de Tilloy-lès-Mofflaines",
               "generic-electricity-pulse", "electricity", "Lycée de Tilloy-lès-Mofflaines",
               50.28055, 2.81355, ("électricité", "décret tertiaire"),
               {"schedule": "lycee", "base_kw": 8, "work_kw": 45}),
    DemoDevice(TILLOY, 31, "Bruit — route de Cambrai (RD 939)", "milesight-ws302", "noise",
               "Route de Cambrai (RD 939), entrée ouest", 50.27900, 2.81000, ("bruit",),
               {"day_db": 68, "night_db": 50}),
    # --- Saint-Laurent-Blangy ---
    DemoDevice(SAINT_LAURENT, 1, "Eau — mairie de Saint-Laurent-Blangy", "milesight-em300-di",
               "water", "Mairie de Saint-Laurent-Blangy", 50.30310, 2.80360, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 140}),
    DemoDevice(SAINT_LAURENT, 2, "Eau — base nautique", "milesight-em300-di", "water",
               "Base nautique de Saint-Laurent-Blangy (vestiaires)", 50.29850, 2.79600,
               ("eau", "sport"), {"schedule": "water_sports", "litres_per_hour": 350}),
    DemoDevice(SAINT_LAURENT, 11, "Électricité — mairie de Saint-Laurent-Blangy",
               "generic-electricity-pulse", "electricity", "Mairie de Saint-Laurent-Blangy",
               50.30315, 2.80365, ("électricité",),
               {"schedule": "town_hall", "base_kw": 2, "work_kw": 8}),
    DemoDevice(SAINT_LAURENT, 21, "Vélos — chemin de halage de la Scarpe",
               "generic-bidirectional-counter", "passages",
               "Chemin de halage de la Scarpe, vers le Val de Scarpe", 50.29950, 2.79300,
               ("vélo", "mobilité", "loisirs"), {"usage": "leisure", "daily": 420}),
    DemoDevice(SAINT_LAURENT, 31, "Bruit — RD 260", "milesight-ws302", "noise",
               "RD 260, traversée de Saint-Laurent-Blangy", 50.30600, 2.81200, ("bruit",),
               {"day_db": 66, "night_db": 48}),
    DemoDevice(SAINT_LAURENT, 41, "Salle du conseil — mairie", "milesight-am308", "indoor",
               "Mairie de Saint-Laurent-Blangy, salle du conseil", 50.30312, 2.80362,
               ("qualité de l'air",), {"schedule": "council_room", "co2_gain": 1250}),
    DemoDevice(SAINT_LAURENT, 42, "Accueil — mairie", "milesight-em300-th", "indoor",
               "Mairie de Saint-Laurent-Blangy, accueil", 50.30308, 2.80358, ("confort",),
               {"schedule": "town_hall"}),
    DemoDevice(SAINT_LAURENT, 51, "Fuite — local technique de la base nautique",
               "dragino-lwl02", "leak_detector", "Base nautique, local technique",
               50.29845, 2.79610, ("eau", "fuite"), {"planted": True}),
)  # fmt: skip

LEAK_METER = next(d for d in DEMO_DEVICES if d.params.get("leak_lph")).dev_eui


def demo_sim_devices(intervals: Mapping[str, int] | None = None) -> list[SimDevice]:
    """The demo devices as the simulator sees them; `intervals` (DevEUI → seconds) overrides
    the codecs' default reporting intervals (the registered devices' values)."""
    intervals = intervals or {}
    return [
        SimDevice(
            dev_eui=d.dev_eui,
            model=d.model,
            profile=d.profile,
            params=d.params,
            interval_s=intervals.get(d.dev_eui) or get_codec(d.model).default_interval_s,
            name=d.name,
            commune=d.commune,
            application_id=application_id(d.commune),
            application_name=f"capteurs-{d.commune}",
            gateway_id=GATEWAYS[d.commune],
        )
        for d in DEMO_DEVICES
    ]


__all__ = [
    "DEMO_DEVICES",
    "DemoDevice",
    "Scenario",
    "SimDevice",
    "Simulator",
    "chirpstack_up",
    "day_kind",
    "easter_sunday",
    "encode",
    "french_public_holidays",
]
