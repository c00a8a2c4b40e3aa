"""Test data for the insights tests: devices with a year-or-a-day of history loaded through
the hub's bulk path (territoire.sensors.history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from territoire.sensors.history import Run, load_history, series_of
from territoire.sensors.models import Device


def device(commune, dev_eui: str, name: str, model: str, tags=(), **fields) -> Device:
    return Device.objects.create(
        commune=commune,
        dev_eui=dev_eui,
        name=name,
        model=model,
        tags=list(tags),
        reporting_interval_s=fields.pop("reporting_interval_s", 900),
        installed_on=fields.pop("installed_on", date(2025, 1, 1)),
        **fields,
    )


def history(dev: Device, quantity: str, instants: Sequence[datetime], values: Sequence[float]):
    series = series_of(dev, quantity)
    report = load_history([Run(series, list(instants), list(values))])
    assert not report.refused, report.refused
    series.refresh_from_db()
    return series
