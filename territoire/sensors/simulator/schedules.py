"""Building occupancy schedules (schools, offices, town halls, libraries, sports halls)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

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
