"""The `Simulator`: every device's samples merged in time order, wrapped in ChirpStack "up"
bodies."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from territoire.sensors.simulator.envelope import Envelope
from territoire.sensors.simulator.events import LeakDetector, ParkingSpace
from territoire.sensors.simulator.profiles import (
    Behaviour,
    ElectricityMeter,
    IndoorClimate,
    NoiseMeter,
    PassageCounter,
    WaterMeter,
)
from territoire.sensors.simulator.scenario import Sample, Scenario, SimDevice

PROFILES: dict[str, type[Behaviour]] = {
    "water": WaterMeter,
    "electricity": ElectricityMeter,
    "passages": PassageCounter,
    "noise": NoiseMeter,
    "indoor": IndoorClimate,
    "parking": ParkingSpace,
    "leak_detector": LeakDetector,
}


class Simulator:
    """The devices of a demo under one scenario. Keep one instance for a realtime loop: the
    behaviours cache their day profiles."""

    def __init__(self, devices: Iterable[SimDevice], scenario: Scenario | None = None):
        self.scenario = scenario or Scenario()
        self.devices = list(devices)
        self.behaviours = {d.dev_eui: behaviour(d, self.scenario) for d in self.devices}
        self.envelopes = {d.dev_eui: Envelope(d, self.scenario.seed) for d in self.devices}

    def samples(self, dev_eui: str, start: datetime, end: datetime) -> Iterator[Sample]:
        return self.behaviours[dev_eui].samples(start, end)

    def uplinks(self, start: datetime, end: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
        """(DevEUI, ChirpStack "up" body) of every uplink in (start, end], in time order."""

        def stream(dev_eui: str) -> Iterator[tuple[datetime, str, Sample]]:
            for sample in self.behaviours[dev_eui].samples(start, end):
                yield sample.at, dev_eui, sample

        merged = heapq.merge(*(stream(d.dev_eui) for d in self.devices), key=lambda i: i[:2])
        for _at, dev_eui, sample in merged:
            yield dev_eui, self.envelopes[dev_eui].body(sample)


def behaviour(device: SimDevice, scenario: Scenario) -> Behaviour:
    try:
        cls = PROFILES[device.profile]
    except KeyError:
        raise KeyError(f"unknown simulation profile {device.profile!r}") from None
    return cls(device, scenario)
