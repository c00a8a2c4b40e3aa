"""Parking occupancy rate with the 65 % / 85 % bands of demand-responsive pricing (SFpark):
below 65 % spaces go unused, above 85 % drivers circle looking for one."""

from __future__ import annotations

LOW, TARGET, HIGH = 0.65, 0.85, None
BAND_LABELS = {
    "low": "Sous-occupé (< 65 %)",
    "ok": "Équilibré (65–85 %)",
    "high": "Saturé (> 85 %)",
}


def occupancy(occupied: float, spaces: int) -> float | None:
    """Share of the spaces occupied (0–1); None without spaces."""
    if spaces <= 0:
        return None
    return min(max(occupied / spaces, 0.0), 1.0)


def band(rate: float | None) -> str | None:
    if rate is None:
        return None
    if rate > TARGET:
        return "high"
    if rate < LOW:
        return "low"
    return "ok"
