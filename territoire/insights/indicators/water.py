"""Water meters: continuous-flow leak (no zero-flow hour in 24 h), night flow (local
02:00–05:00), burst (flow above a share of the rated flow Q3 for 30 minutes), litres lost.

Hourly volumes come from counter deltas (the hub handles resets and rollovers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

NIGHT_HOURS = (2, 3, 4)  # the hours starting at 02:00, 03:00, 04:00 local: 02:00–05:00
ZERO_LITRES = 0.5  # below half a litre in an hour counts as "no flow" (meter resolution)
DEFAULT_NIGHT_THRESHOLD_LPH = 5.0
DEFAULT_BURST_SHARE = 0.10  # of Q3 (Kamstrup offers 5/10/20 %)
BURST_MINUTES = 30


@dataclass(frozen=True)
class HourVolume:
    start: datetime  # local (aware) start of the hour
    litres: float


@dataclass(frozen=True)
class ContinuousFlow:
    leaking: bool
    rate_lph: float  # the smallest hourly volume of the window: the leak's estimated flow
    litres_per_day: float


def continuous_flow(hours: Sequence[HourVolume]) -> ContinuousFlow | None:
    """Over the last 24 hourly volumes: a leak when no hour is at zero flow. None when the
    window is not complete (a missing hour could have been a zero hour)."""
    window = list(hours)[-24:]
    if len(window) < 24:
        return None
    rate = min(h.litres for h in window)
    leaking = rate >= ZERO_LITRES
    return ContinuousFlow(leaking, rate if leaking else 0.0, rate * 24 if leaking else 0.0)


def first_continuous_flow(hours: Sequence[HourVolume]) -> datetime | None:
    """The end of the first complete 24-hour window without a zero-flow hour: when a
    meter's "continuous flow" alarm would first go off."""
    for end in range(24, len(hours) + 1):
        result = continuous_flow(hours[end - 24 : end])
        if result and result.leaking:
            return hours[end - 1].start + timedelta(hours=1)
    return None


@dataclass(frozen=True)
class NightFlow:
    night: datetime  # local start of the 02:00 hour
    minimum_lph: float
    over: bool


def night_flows(
    hours: Sequence[HourVolume], threshold_lph: float = DEFAULT_NIGHT_THRESHOLD_LPH
) -> list[NightFlow]:
    """For each night whose three hours 02:00–05:00 are all present, the minimum hourly
    volume, flagged when above ``threshold_lph`` (the minimum night flow method)."""
    by_night: dict[datetime, list[float]] = {}
    for h in hours:
        if h.start.hour in NIGHT_HOURS:
            key = h.start.replace(hour=2, minute=0, second=0, microsecond=0)
            by_night.setdefault(key, []).append(h.litres)
    return [
        NightFlow(night, min(values), min(values) > threshold_lph)
        for night, values in sorted(by_night.items())
        if len(values) == len(NIGHT_HOURS)
    ]


@dataclass(frozen=True)
class Interval:
    """The volume that flowed between two readings."""

    start: datetime
    end: datetime
    litres: float

    @property
    def lph(self) -> float:
        seconds = (self.end - self.start).total_seconds()
        return self.litres * 3600 / seconds if seconds > 0 else 0.0


def burst(
    intervals: Sequence[Interval],
    rated_flow_lph: float,
    share: float = DEFAULT_BURST_SHARE,
    minutes: int = BURST_MINUTES,
) -> datetime | None:
    """When the flow first stayed above ``share`` × Q3 for ``minutes`` in a row (the end of
    that stretch), or None."""
    limit = share * rated_flow_lph
    since: datetime | None = None
    previous_end: datetime | None = None
    for interval in intervals:
        above = interval.lph > limit
        contiguous = previous_end is not None and interval.start <= previous_end
        if above:
            if since is None or not contiguous:
                since = interval.start
            if interval.end - since >= timedelta(minutes=minutes):
                return since + timedelta(minutes=minutes)
        else:
            since = None
        previous_end = interval.end
    return None


def litres_saved(rate_lph: float, leak_hours: float) -> float:
    """Water a fixed leak no longer loses: its estimated flow × how long it had lasted
    (what it would have lost again over the same duration)."""
    return max(rate_lph, 0.0) * max(leak_hours, 0.0)
