"""Sunrise and sunset at Arras (``astral``), and the local instant a schedule rule fires on a
given day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from astral import LocationInfo
from astral.sun import sunrise, sunset

PARIS = ZoneInfo("Europe/Paris")
# Arras, belfry (Place des Héros).
ARRAS = LocationInfo("Arras", "France", "Europe/Paris", 50.2910, 2.7775)


def sun_times(day: date) -> tuple[datetime, datetime]:
    """(sunrise, sunset) of ``day`` at Arras, aware, in Europe/Paris."""
    return (
        sunrise(ARRAS.observer, date=day, tzinfo=PARIS),
        sunset(ARRAS.observer, date=day, tzinfo=PARIS),
    )


def fire_time(trigger: str, day: date, at: time | None, offset_minutes: int) -> datetime | None:
    """When a schedule rule fires on local ``day`` (None for a reading-triggered rule)."""
    if trigger == "time":
        if at is None:
            return None
        base = datetime.combine(day, at, tzinfo=PARIS)
    elif trigger == "sunrise":
        base = sun_times(day)[0]
    elif trigger == "sunset":
        base = sun_times(day)[1]
    else:
        return None
    return base + timedelta(minutes=offset_minutes)
