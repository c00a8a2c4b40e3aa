"""The physical profiles of periodic devices: water and electricity meters, passage
counters, road noise, indoor comfort and CO2."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from territoire.sensors.simulator.constants import EPOCH, PARIS, SLOT_S, UINT32, Values
from territoire.sensors.simulator.counters import DailyCounter
from territoire.sensors.simulator.holidays import day_kind, local_hour
from territoire.sensors.simulator.randomness import (
    Rng,
    _gauss,
    _piecewise,
    _season,
    outdoor_temperature,
)
from territoire.sensors.simulator.scenario import Sample, Scenario, SimDevice
from territoire.sensors.simulator.schedules import SCHEDULES

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
