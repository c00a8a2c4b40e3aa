"""Indicative local ATMO-style index from the pollutants a sensor measures.

The official ATMO index (arrêté du 10 juillet 2020) is computed by the AASQA (Atmo
Hauts-de-France for Arras) per zone and day; this one uses the same thresholds on the
platform's own sensors and is always labelled "indicatif, pas l'indice officiel"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DISCLAIMER = (
    "Indice indicatif calculé à partir des capteurs de la plateforme : ce n'est pas l'indice "
    "ATMO officiel, publié chaque jour par Atmo Hauts-de-France."
)

CLASSES = (
    (1, "Bon", "#50f0e6"),
    (2, "Moyen", "#50ccaa"),
    (3, "Dégradé", "#f0e641"),
    (4, "Mauvais", "#ff5050"),
    (5, "Très mauvais", "#960032"),
    (6, "Extrêmement mauvais", "#872181"),
)

# Upper bounds (inclusive) of classes 1–5, µg/m³; above the fifth bound: class 6.
THRESHOLDS = {
    "so2": (100, 200, 350, 500, 750),  # maximum of the day's hourly values
    "no2": (40, 90, 120, 230, 340),
    "o3": (50, 100, 130, 240, 380),
    "pm10": (20, 40, 50, 100, 150),  # daily mean
    "pm2_5": (10, 20, 25, 50, 75),
}
DAILY_MEAN = {"pm10", "pm2_5"}


def sub_index(pollutant: str, value: float) -> int:
    """Class 1–6 of one pollutant's daily value."""
    for klass, bound in enumerate(THRESHOLDS[pollutant], start=1):
        if value <= bound:
            return klass
    return 6


def daily_value(pollutant: str, hourly: Iterable[float]) -> float | None:
    """The day's value: mean of hourly values for particles, maximum for gases."""
    values = list(hourly)
    if not values:
        return None
    return sum(values) / len(values) if pollutant in DAILY_MEAN else max(values)


@dataclass(frozen=True)
class AtmoIndex:
    klass: int
    label: str
    colour: str
    pollutant: str  # the most degraded sub-index (the one that sets the index)
    sub_indices: dict[str, int]
    disclaimer: str = DISCLAIMER


def atmo_index(daily: Mapping[str, float | None]) -> AtmoIndex | None:
    """Index = the most degraded sub-index among the pollutants measured that day."""
    subs = {p: sub_index(p, v) for p, v in daily.items() if p in THRESHOLDS and v is not None}
    if not subs:
        return None
    worst = max(subs, key=lambda p: (subs[p], p))
    klass = subs[worst]
    _, label, colour = CLASSES[klass - 1]
    return AtmoIndex(klass, label, colour, worst, subs)
