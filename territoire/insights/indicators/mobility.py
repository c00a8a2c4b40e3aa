"""Soft mobility counters: weekday/weekend/holiday profiles and year-over-year change on
the same set of counters only ("à échantillon comparable", Vélo & Territoires)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from territoire.sensors.simulator.holidays import french_public_holidays

WEEKDAY, WEEKEND, HOLIDAY = "weekday", "weekend", "holiday"
DAY_TYPE_LABELS = {WEEKDAY: "Jour ouvré", WEEKEND: "Week-end", HOLIDAY: "Jour férié"}


def day_type(day: date) -> str:
    """A public holiday is its own type (even on a weekday), then Saturday/Sunday."""
    if day in french_public_holidays(day.year):
        return HOLIDAY
    return WEEKEND if day.weekday() >= 5 else WEEKDAY


def profile(daily: Mapping[date, float]) -> dict[str, float | None]:
    """Mean passages per day of each day type."""
    sums: dict[str, list[float]] = {WEEKDAY: [], WEEKEND: [], HOLIDAY: []}
    for day, count in daily.items():
        sums[day_type(day)].append(count)
    return {kind: (sum(v) / len(v) if v else None) for kind, v in sums.items()}


def holiday_effect(daily: Mapping[date, float]) -> float | None:
    """Holiday mean relative to the weekday mean, as a change (−0.4 = 40 % fewer)."""
    means = profile(daily)
    weekday, holiday = means[WEEKDAY], means[HOLIDAY]
    if not weekday or holiday is None:
        return None
    return holiday / weekday - 1


@dataclass(frozen=True)
class YearOverYear:
    counters: int  # counters present in both periods (the comparable sample)
    before: float
    after: float

    @property
    def change(self) -> float | None:
        return None if self.before <= 0 else self.after / self.before - 1


def year_over_year(
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
) -> YearOverYear:
    """Totals per counter for two periods; only counters with a value in both count (a
    counter installed or broken in between would fake growth or decline)."""
    common = [k for k in before if k in after and before[k] is not None and after[k] is not None]
    return YearOverYear(
        len(common),
        float(sum(before[k] or 0 for k in common)),
        float(sum(after[k] or 0 for k in common)),
    )
