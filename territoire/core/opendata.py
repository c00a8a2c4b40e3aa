"""The platform's open datasets, declared by the modules that publish them.

A module registers what it publishes (in its AppConfig.ready()); the governance module's data
catalogue lists every registered dataset (``governance.reference.reference_load``), so neither
imports the other and a new export cannot be forgotten in the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class Distribution:
    title: str
    url_name: str  # resolved when the catalogue is written (URLs are not loaded at ready())
    args: tuple[str, ...]
    media_type: str

    def path(self) -> str:
        return reverse(self.url_name, args=self.args)


@dataclass(frozen=True)
class OpenDataset:
    source_key: str  # stable identifier, "<module>.<name>"
    title: str
    description: str
    theme: str  # a DCAT-AP theme code (see governance DATA_THEMES)
    keywords: str
    frequency: str  # a DCAT frequency code (see governance FREQUENCIES)
    distributions: tuple[Distribution, ...] = field(default_factory=tuple)
    licence: str = "etalab-2.0"


_DATASETS: dict[str, OpenDataset] = {}


def register_open_dataset(dataset: OpenDataset) -> None:
    _DATASETS[dataset.source_key] = dataset


def open_datasets() -> list[OpenDataset]:
    return sorted(_DATASETS.values(), key=lambda d: d.source_key)
