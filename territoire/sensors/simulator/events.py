"""Devices that speak on change: parking spaces and leak detectors."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from territoire.sensors.simulator.constants import EPOCH, EPOCH_DAY, PARIS, UINT32, Values
from territoire.sensors.simulator.holidays import day_kind, local_hour, local_midnight
from territoire.sensors.simulator.profiles import Behaviour
from territoire.sensors.simulator.randomness import _piecewise, outdoor_temperature
from territoire.sensors.simulator.scenario import Sample, Scenario, SimDevice


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
