"""Deterministic randomness: a counter-based generator keyed by (seed, device, tag), smooth
shapes and the outdoor temperature."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date, datetime

from territoire.sensors.simulator.holidays import local_hour

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
