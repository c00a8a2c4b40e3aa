"""The calendar: Easter, French public holidays (a holiday is simulated as a Sunday), day
kinds and local time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from territoire.sensors.simulator.constants import PARIS

# --- calendar -----------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven jours fériés of metropolitan France (code du travail, art. L3133-1)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Whit Monday
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def day_kind(day: date) -> int:
    """Weekday 0 (Monday) to 6 (Sunday), a public holiday counting as a Sunday: people,
    shops and public buildings behave that way."""
    return 6 if day in french_public_holidays(day.year) else day.weekday()


def local_midnight(day: date) -> datetime:
    """The UTC instant at which `day` starts in Paris (23 or 25 hour days around DST)."""
    return datetime.combine(day, time(), PARIS).astimezone(UTC)


def local_hour(at: datetime) -> tuple[date, float]:
    local = at.astimezone(PARIS)
    return local.date(), local.hour + local.minute / 60 + local.second / 3600
