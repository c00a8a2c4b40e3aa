"""Cumulative daily counters that can be read at any instant without replaying history."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta

from territoire.sensors.simulator.constants import EPOCH, EPOCH_DAY, PARIS, SLOT_S
from territoire.sensors.simulator.holidays import day_kind, local_hour, local_midnight
from territoire.sensors.simulator.randomness import Rng

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
