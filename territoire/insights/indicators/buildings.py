"""Buildings: heating degree-days, climate correction of the heating share, and the décret
tertiaire trajectory (décret n° 2019-771: −40 % in 2030, −50 % in 2040, −60 % in 2050
against a reference year chosen between 2010 and 2019)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BASE_TEMPERATURE = 18.0  # °C, the usual base of French heating degree-days (DJU)
MILESTONES = {2030: 0.40, 2040: 0.50, 2050: 0.60}


def heating_degree_days(daily_temperatures: Iterable[tuple[float, float]]) -> float:
    """Σ max(0, 18 − (Tmin + Tmax) / 2) over days given as (Tmin, Tmax) (méthode météo)."""
    return sum(max(0.0, BASE_TEMPERATURE - (low + high) / 2) for low, high in daily_temperatures)


def climate_corrected(
    consumption_kwh: float, heating_share: float, dju_period: float, dju_reference: float
) -> float:
    """Only the heating share is corrected: C_corr = C_other + C_heat × DJU_ref / DJU_period."""
    if not 0 <= heating_share <= 1:
        raise ValueError("heating_share must be between 0 and 1")
    heating = consumption_kwh * heating_share
    if dju_period <= 0:
        return consumption_kwh
    return consumption_kwh - heating + heating * dju_reference / dju_period


def target_reduction(year: int) -> float:
    """Required reduction for ``year``, linear between milestones (0 in the reference
    decade), so that every yearly declaration can be placed on the trajectory."""
    points = [(2020, 0.0), *sorted(MILESTONES.items())]
    if year <= points[0][0]:
        return 0.0
    for (y0, r0), (y1, r1) in zip(points, points[1:], strict=False):
        if year <= y1:
            return r0 + (r1 - r0) * (year - y0) / (y1 - y0)
    return points[-1][1]


@dataclass(frozen=True)
class Trajectory:
    year: int
    reference_kwh: float
    corrected_kwh: float
    target_kwh: float  # the 2030 milestone, the next legal step
    reduction: float  # achieved, against the reference (0.25 = −25 %)
    on_track: bool  # at or below the linear path for this year
    saved_kwh: float


def trajectory(year: int, reference_kwh: float, corrected_kwh: float) -> Trajectory:
    if reference_kwh <= 0:
        raise ValueError("reference_kwh must be positive")
    reduction = 1 - corrected_kwh / reference_kwh
    path = reference_kwh * (1 - target_reduction(year))
    return Trajectory(
        year,
        reference_kwh,
        corrected_kwh,
        reference_kwh * (1 - MILESTONES[2030]),
        reduction,
        corrected_kwh <= path,
        reference_kwh - corrected_kwh,
    )
