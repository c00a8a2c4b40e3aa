"""Environmental noise: energetic means, Lday/Levening/Lnight and Lden with the French
periods (day 6–18 h, evening 18–22 h, night 22–6 h, local time) and the +5/+10 dB
penalties (directive 2002/49/CE annex I; periods as set in France)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Local hours of each period (the hour that *starts* at that time).
DAY_HOURS = tuple(range(6, 18))
EVENING_HOURS = tuple(range(18, 22))
NIGHT_HOURS = (22, 23, 0, 1, 2, 3, 4, 5)

# Reference values, with their source (docs/insights.md).
LIMITS = {
    # French limit values for road traffic noise (type C maps).
    "road": {"lden": 68.0, "lnight": 62.0},
    "rail": {"lden": 73.0, "lnight": 65.0},
}
WHO_GUIDELINES = {
    # WHO Environmental Noise Guidelines for the European Region (2018).
    "road": {"lden": 53.0, "lnight": 45.0},
    "rail": {"lden": 54.0, "lnight": 44.0},
}


def energetic_mean(levels: Iterable[float], weights: Iterable[float] | None = None) -> float | None:
    """10·log10(Σ wᵢ·10^(Lᵢ/10) / Σ wᵢ): the mean of sound levels (never arithmetic)."""
    levels = list(levels)
    if not levels:
        return None
    ws = [1.0] * len(levels) if weights is None else list(weights)
    total = sum(ws)
    if total <= 0:
        return None
    return 10 * math.log10(
        sum(w * 10 ** (lv / 10) for lv, w in zip(levels, ws, strict=True)) / total
    )


def laeq_from_energy(energy: float, count: int) -> float | None:
    """LAeq of a rollup: its energy is Σ 10^(L/10) over ``count`` equal-length readings."""
    if count <= 0 or energy <= 0:
        return None
    return 10 * math.log10(energy / count)


@dataclass(frozen=True)
class Den:
    lday: float | None
    levening: float | None
    lnight: float | None
    lden: float | None  # None unless every period has at least one hour


def den(hourly: Mapping[int, float]) -> Den:
    """Lday, Levening, Lnight and Lden from hourly LAeq keyed by local hour (0–23).

    Missing hours are left out of their period's mean; Lden needs all three periods."""
    lday = energetic_mean(hourly[h] for h in DAY_HOURS if h in hourly)
    levening = energetic_mean(hourly[h] for h in EVENING_HOURS if h in hourly)
    lnight = energetic_mean(hourly[h] for h in NIGHT_HOURS if h in hourly)
    lden = None
    if lday is not None and levening is not None and lnight is not None:
        lden = 10 * math.log10(
            (
                12 * 10 ** (lday / 10)
                + 4 * 10 ** ((levening + 5) / 10)
                + 8 * 10 ** ((lnight + 10) / 10)
            )
            / 24
        )
    return Den(lday, levening, lnight, lden)


def hours_above(hourly: Mapping[int, float], threshold: float) -> int:
    """How many hours have an LAeq strictly above ``threshold``."""
    return sum(1 for level in hourly.values() if level > threshold)


def exceedances(result: Den, source: str = "road") -> dict[str, bool]:
    """Which French limits and WHO guideline values the levels exceed."""
    out = {}
    for name, table in (("limite", LIMITS[source]), ("oms", WHO_GUIDELINES[source])):
        for indicator, limit in table.items():
            value = getattr(result, indicator)
            out[f"{indicator}_{name}"] = value is not None and value > limit
    return out
