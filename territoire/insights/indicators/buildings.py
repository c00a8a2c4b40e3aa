"""Buildings: heating degree-days, climate correction of the heating share, and the décret
tertiaire trajectory (décret n° 2019-771: −40 % in 2030, −50 % in 2040, −60 % in 2050
against a reference year chosen between 2010 and 2019)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

BASE_TEMPERATURE = 18.0  # °C, the usual base of French heating degree-days (DJU)
MILESTONES = {2030: 0.40, 2040: 0.50, 2050: 0.60}


# Monthly "normal" heating degree-days (base 18 °C) for Arras, used as the reference
# climate of the correction and to fill the days an outdoor sensor missed.
# APPROXIMATE, NOT AN OFFICIAL SERIES: no Météo-France normal or SDES departmental DJU
# table was available offline. Each value is days × (18 − an approximate normal monthly
# mean temperature of the Arras/Lille area: 4.2, 4.6, 7.3, 10.0, 13.5, 16.4, 18.6, 18.4,
# 15.4, 11.8, 7.6, 4.8 °C), raised in May–September for the cool days that count even
# when the month's mean is near 18 °C. Annual total ≈ 2,640, within the 2,200–2,800 of
# most of France and near the north's. To replace by the normals of the reference station
# that OPERAT uses for the Pas-de-Calais (or the SDES departmental DJU) when available.
NORMAL_DJU_MONTHLY = {
    1: 428.0,
    2: 379.0,
    3: 332.0,
    4: 240.0,
    5: 150.0,
    6: 60.0,
    7: 25.0,
    8: 28.0,
    9: 85.0,
    10: 195.0,
    11: 312.0,
    12: 409.0,
}
NORMALS_LABEL = "normales approchées d'Arras (tableau livré avec la plateforme, non officiel)"


def day_degree_days(low: float, high: float) -> float:
    """One day's heating degree-days, méthode météo: max(0, 18 − (Tmin + Tmax) / 2)."""
    return max(0.0, BASE_TEMPERATURE - (low + high) / 2)


def normal_day(day: date) -> float:
    """A day's share of its month's normal DJU (the month's value / its number of days)."""
    return NORMAL_DJU_MONTHLY[day.month] / calendar.monthrange(day.year, day.month)[1]


@dataclass(frozen=True)
class PeriodDju:
    """Degree-days of a period: ``total`` from the measured days, the missing days filled
    with their normal share; ``normal`` is the period's normal (the reference climate)."""

    total: float
    normal: float
    measured_days: int
    days: int

    @property
    def filled_days(self) -> int:
        return self.days - self.measured_days


def period_dju(days: Iterable[date], measured: Mapping[date, float]) -> PeriodDju:
    total = normal = 0.0
    count = seen = 0
    for day in days:
        share = normal_day(day)
        normal += share
        count += 1
        if day in measured:
            total += measured[day]
            seen += 1
        else:
            total += share
    return PeriodDju(total, normal, seen, count)


def heating_degree_days(daily_temperatures: Iterable[tuple[float, float]]) -> float:
    """Σ max(0, 18 − (Tmin + Tmax) / 2) over days given as (Tmin, Tmax) (méthode météo)."""
    return sum(day_degree_days(low, high) for low, high in daily_temperatures)


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


@dataclass(frozen=True)
class Comparison:
    """A building's last 12 months against its reference year, raw and with the heating
    share brought to the normal climate (both years: the measured period with its DJU, the
    reference with the DJU of its year when known, else as entered)."""

    raw: Trajectory
    corrected: Trajectory
    reference_corrected: bool  # False: the reference year's DJU are unknown, kept as entered

    @property
    def saved_raw_kwh(self) -> float:
        return self.raw.saved_kwh

    @property
    def saved_corrected_kwh(self) -> float:
        return self.corrected.saved_kwh


def compare(
    *,
    year: int,
    reference_kwh: float,
    reference_dju: float | None,
    measured_kwh: float,
    dju: PeriodDju,
    heating_share: float,
) -> Comparison:
    corrected_now = climate_corrected(measured_kwh, heating_share, dju.total, dju.normal)
    known = bool(reference_dju and reference_dju > 0)
    corrected_ref = (
        climate_corrected(reference_kwh, heating_share, float(reference_dju or 0), dju.normal)
        if known
        else reference_kwh
    )
    return Comparison(
        trajectory(year, reference_kwh, measured_kwh),
        trajectory(year, corrected_ref, corrected_now),
        known,
    )
