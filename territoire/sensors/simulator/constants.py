"""Constants shared by the simulator's modules: time zone, counter epoch, profile
resolution, default seed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
# Counters start from their base value on this day; earlier instants read the base value.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(2025, 1, 1)
SLOT_S = 900  # resolution of the within-day profiles
UINT32 = 2**32
DEFAULT_SEED = 2026

Values = dict[str, float]
