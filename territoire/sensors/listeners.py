"""Who wants to know that readings were stored: other modules (alerts in ``insights``)
register a listener here instead of the sensor hub importing them.

Listeners run after the ingestion transaction has committed (never for readings that were
rolled back), in the ingesting process, with the new readings of the batch. They must be
quick and must not raise into ingestion: a failure is logged and the next listener runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger("territoire.sensors.listeners")


@dataclass(frozen=True)
class StoredReading:
    series_id: int
    at: datetime
    value: float
    delta: float | None  # counters: increase since the previous reading


Listener = Callable[[Sequence[StoredReading]], None]
_LISTENERS: list[Listener] = []


def on_readings_stored(listener: Listener) -> Listener:
    """Register ``listener`` (usable as a decorator, from an AppConfig.ready())."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def has_listeners() -> bool:
    return bool(_LISTENERS)


def notify(readings: Sequence[StoredReading]) -> None:
    for listener in list(_LISTENERS):
        try:
            listener(readings)
        except Exception:  # a listener's bug must not stop ingestion or the other listeners
            log.exception("readings listener %r failed", listener)
