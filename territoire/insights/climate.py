"""Heating degree-days (DJU, base 18 °C) for the climate correction of the décret tertiaire.

Source, per commune: the outdoor temperature sensor chosen by the agents — a device
carrying the tag "temperature-exterieure" (given at registration, CSV column "etiquettes";
accents, case and spaces are ignored, so "Température extérieure" works too). The
commune's own sensor first, else one elsewhere in the territory (OPERAT itself uses one
Météo-France station per département); among several, the one that reported last (then the
smallest DevEUI, so that the choice is stable). A day is measured when the sensor's daily
rollup has at least ``MIN_READINGS`` readings: DJU = max(0, 18 − (Tmin + Tmax) / 2) of the
local day. Days without measure are filled with the shipped normals
(``indicators.buildings.NORMAL_DJU_MONTHLY``, approximate), and without any sensor the
normals alone are used, so that the correction is then neutral — the page says which."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from territoire.insights.dashboards import PARIS, as_utc, cached, local_day_start, raw_rows, today
from territoire.insights.indicators import buildings as maths
from territoire.sensors.models import Rollup, Series

OUTDOOR_TAG = "temperature-exterieure"
MIN_READINGS = 8  # a day with fewer readings has no meaningful Tmin/Tmax


def _normalised(tag: object) -> str:
    text = unicodedata.normalize("NFKD", str(tag)).encode("ascii", "ignore").decode()
    return "-".join(text.lower().replace("_", " ").replace("-", " ").split())


def is_outdoor_reference(tags: Iterable[object] | None) -> bool:
    return any(_normalised(t) == OUTDOOR_TAG for t in tags or [])


@dataclass(frozen=True)
class Station:
    series_id: int
    device: str
    commune: str
    commune_id: int


@dataclass(frozen=True)
class DjuSource:
    """The DJU of a period and where they come from, said on the pages."""

    dju: maths.PeriodDju
    station: Station | None

    @property
    def label(self) -> str:
        if self.station is None or not self.dju.measured_days:
            return f"{maths.NORMALS_LABEL} : aucune mesure de température extérieure"
        text = (
            f"capteur de température extérieure « {self.station.device} » "
            f"({self.station.commune}), {self.dju.measured_days} jour"
            f"{'s' if self.dju.measured_days > 1 else ''} mesuré"
            f"{'s' if self.dju.measured_days > 1 else ''}"
        )
        if self.dju.filled_days:
            text += f", {self.dju.filled_days} complété{'s' if self.dju.filled_days > 1 else ''}"
            text += f" par les {maths.NORMALS_LABEL}"
        return text

    @property
    def corrects(self) -> bool:
        """False when the period's DJU are the normals alone (the correction is neutral)."""
        return self.station is not None and self.dju.measured_days > 0


def outdoor_station(commune_id: int) -> Station | None:
    """The outdoor reference of a commune (see the module's docstring for the choice)."""
    rows = Series.objects.filter(quantity="temperature").values_list(
        "pk",
        "last_at",
        "device__dev_eui",
        "device__name",
        "device__tags",
        "device__commune_id",
        "device__commune__name",
    )
    candidates = [r for r in rows if is_outdoor_reference(r[4])]
    if not candidates:
        return None
    # Own commune first, then the most recent report (never-reported last), then DevEUI.
    candidates.sort(
        key=lambda r: (r[5] != commune_id, r[1] is None, -(r[1].timestamp() if r[1] else 0), r[2])
    )
    pk, _, _, name, _, cid, commune = candidates[0]
    return Station(pk, name, commune, cid)


def measured_days(series_id: int, since: date, until: date) -> dict[date, float]:
    """{local day: DJU} of the days the sensor measured in [since, until)."""
    queryset = Rollup.objects.filter(
        series_id=series_id,
        period="day",
        start__gte=local_day_start(since),
        start__lt=local_day_start(until),
        count__gte=MIN_READINGS,
    ).values_list("start", "minimum", "maximum")
    return {
        as_utc(start).astimezone(PARIS).date(): maths.day_degree_days(low, high)
        for start, low, high in raw_rows(queryset)
    }


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=i) for i in range((until - since).days)]


def dju_between(commune_id: int, since: date, until: date) -> DjuSource:
    station = outdoor_station(commune_id)
    measured = measured_days(station.series_id, since, until) if station else {}
    return DjuSource(maths.period_dju(_days(since, until), measured), station)


def dju_last_year(commune_id: int, refresh: bool = False) -> DjuSource:
    """The last 365 complete days (the period of ``dashboards.buildings_last_year``),
    cached for the day like the consumption it corrects."""
    end = today()
    since = end - timedelta(days=365)
    return cached("dju", [commune_id], lambda: dju_between(commune_id, since, end), refresh)


def monthly_dju(commune_id: int, months: list[date], until: date) -> dict[date, DjuSource]:
    """DJU of each month (first day given) up to ``until`` (excluded), for the OPERAT export."""
    out: dict[date, DjuSource] = {}
    station = outdoor_station(commune_id)
    if not months:
        return out
    measured = measured_days(station.series_id, months[0], until) if station else {}
    for first in months:
        last = min((first + timedelta(days=32)).replace(day=1), until)
        out[first] = DjuSource(maths.period_dju(_days(first, last), measured), station)
    return out


def compare_building(
    building, measured_kwh: float, year: int
) -> tuple[maths.Comparison, DjuSource]:
    """The building's last 365 days against its reference, raw and climate-corrected."""
    source = dju_last_year(building.commune_id)
    comparison = maths.compare(
        year=year,
        reference_kwh=building.reference_kwh,
        reference_dju=building.reference_dju,
        measured_kwh=measured_kwh,
        dju=source.dju,
        heating_share=building.heating_share,
    )
    return comparison, source
