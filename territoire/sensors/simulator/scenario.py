"""What the simulator needs to know about a device, the scenario knobs and one uplink's content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from territoire.sensors.simulator.constants import DEFAULT_SEED, PARIS, Values

# --- devices and scenario -----------------------------------------------------------------


@dataclass(frozen=True)
class SimDevice:
    """What the simulator needs to know about one device."""

    dev_eui: str
    model: str
    profile: str
    params: Mapping[str, Any] = field(default_factory=dict)
    interval_s: int = 900
    name: str = ""
    commune: str = ""  # INSEE code, sent as a device tag
    application_id: str = ""
    application_name: str = ""
    gateway_id: str = "0080000000a01001"


@dataclass(frozen=True)
class Scenario:
    """The knobs shared by every device: the seed, and when the planted leak began (None:
    leaking since `EPOCH`)."""

    seed: int = DEFAULT_SEED
    leak_start: datetime | None = None


@dataclass(frozen=True)
class Sample:
    """One uplink's content before it is wrapped in a network-server event."""

    at: datetime
    f_cnt: int
    values: Values


def leak_start_for(created_at: datetime) -> datetime:
    """Where the demo puts the planted leak: 14:00 (Paris) two days before the demo devices
    were registered, so that a week's backfill shows nights without and nights with it."""
    day = created_at.astimezone(PARIS).date() - timedelta(days=2)
    return datetime.combine(day, time(14), PARIS).astimezone(UTC)
