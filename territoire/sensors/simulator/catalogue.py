"""The demo's devices in Arras and the three pilot communes (`DEMO_DEVICES`, `DEMO_COMMUNES`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from territoire.sensors.codecs import get_codec
from territoire.sensors.simulator.envelope import application_id
from territoire.sensors.simulator.scenario import SimDevice

# --- the demo ------------------------------------------------------------------------------

ARRAS, BEAURAINS, TILLOY, SAINT_LAURENT = "62041", "62099", "62817", "62753"
DEMO_COMMUNES = (ARRAS, BEAURAINS, TILLOY, SAINT_LAURENT)

# One gateway per commune, on a high public building (DevEUI-like identifiers, invented).
GATEWAYS = {
    ARRAS: "0080000000a01001",  # belfry of the Hôtel de Ville
    BEAURAINS: "0080000000a02001",
    TILLOY: "0080000000a03001",  # water tower
    SAINT_LAURENT: "0080000000a04001",
}

# OUI prefixes of the vendors (Milesight 24:E1:24, Elsys A8:17:58, Dragino A8:40:41); the
# platform's generic counters and the Bosch sensors get a private-range prefix.
_PREFIX = {
    "milesight-em300-di": "24e124",
    "milesight-em300-th": "24e124",
    "milesight-ws302": "24e124",
    "milesight-am308": "24e124",
    "generic-electricity-pulse": "24e124",
    "elsys-ers": "a81758",
    "dragino-lwl02": "a84041",
    "bosch-tps110": "02b0c5",
    "generic-bidirectional-counter": "02c0de",
}


@dataclass(frozen=True)
class DemoDevice:
    commune: str  # INSEE code
    serial: int  # 1-999 within the commune; with the model it makes the DevEUI
    name: str
    model: str
    profile: str
    place: str
    latitude: float
    longitude: float
    tags: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    # The pilot was equipped in the autumn of 2025 (a plausible date, not a sourced one).
    installed_on: date = date(2025, 10, 6)

    @property
    def dev_eui(self) -> str:
        """Vendor prefix + "de" (demo) + INSEE code + serial: readable and 16 hex digits."""
        return f"{_PREFIX[self.model]}de{self.commune}{self.serial:03d}"


def _parking_spaces() -> list[DemoDevice]:
    spaces = []
    for n in range(1, 11):
        label = "place PMR" if n == 1 else f"place {n:02d}"
        spaces.append(
            DemoDevice(
                ARRAS,
                100 + n,
                f"Parking Victor-Hugo — {label}",
                "bosch-tps110",
                "parking",
                "Parking de la place Victor-Hugo, Arras",
                50.28685 + 0.00004 * (n % 5),
                2.77180 + 0.00006 * (n // 5) + 0.00002 * n,
                ("stationnement", "parking-victor-hugo"),
            )
        )
    return spaces


DEMO_DEVICES: tuple[DemoDevice, ...] = (
    # --- Arras ---
    DemoDevice(ARRAS, 1, "Eau — Hôtel de Ville", "milesight-em300-di", "water",
               "Hôtel de Ville, place des Héros", 50.29122, 2.77745, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 260}),
    DemoDevice(ARRAS, 2, "Eau — Pôle éducatif du Val de Scarpe", "milesight-em300-di", "water",
               "Pôle éducatif du Val de Scarpe", 50.29905, 2.77690, ("eau", "école"),
               {"schedule": "school", "litres_per_hour": 420}),
    DemoDevice(ARRAS, 3, "Eau — Citadelle (siège de la CUA)", "milesight-em300-di", "water",
               "Citadelle, 146 allée du Bastion de la Reine", 50.29090, 2.76990, ("eau",),
               {"schedule": "office", "litres_per_hour": 300}),
    DemoDevice(ARRAS, 11, "Électricité — Hôtel de Ville", "generic-electricity-pulse",
               "electricity", "Hôtel de Ville, place des Héros", 50.29125, 2.77750,
               ("électricité", "décret tertiaire"),
               {"schedule": "town_hall", "base_kw": 6, "work_kw": 22}),
    DemoDevice(ARRAS, 12, "Électricité — Aquarena, traitement d'air", "generic-electricity-pulse",
               "electricity", "Aquarena, Val de Scarpe", 50.29950, 2.78250,
               ("électricité", "décret tertiaire"),
               {"schedule": "pool", "base_kw": 25, "work_kw": 15}),
    DemoDevice(ARRAS, 21, "Vélos — boulevard Carnot", "generic-bidirectional-counter",
               "passages", "Piste cyclable du boulevard Carnot, vers la gare", 50.28720, 2.77930,
               ("vélo", "mobilité"), {"usage": "commute", "daily": 620}),
    DemoDevice(ARRAS, 22, "Piétons — place des Héros", "generic-bidirectional-counter",
               "passages", "Place des Héros (rue de la Taillerie)", 50.29140, 2.77800,
               ("piétons", "mobilité"), {"usage": "pedestrian", "daily": 2600}),
    DemoDevice(ARRAS, 31, "Bruit — entrée nord (RD 950)", "milesight-ws302", "noise",
               "Rocade, entrée nord d'Arras (RD 950)", 50.30120, 2.78600, ("bruit",),
               {"day_db": 67, "night_db": 49}),
    DemoDevice(ARRAS, 32, "Bruit — boulevard de Strasbourg", "milesight-ws302", "noise",
               "Boulevard de Strasbourg, près de la gare", 50.28600, 2.78300, ("bruit",),
               {"day_db": 64, "night_db": 46}),
    DemoDevice(ARRAS, 41, "Classe maternelle — Val de Scarpe", "elsys-ers", "indoor",
               "Pôle éducatif du Val de Scarpe, salle 1", 50.29908, 2.77685,
               ("qualité de l'air", "école"), {"schedule": "school", "co2_gain": 1150}),
    DemoDevice(ARRAS, 42, "Classe élémentaire — Val de Scarpe", "elsys-ers", "indoor",
               "Pôle éducatif du Val de Scarpe, salle 4", 50.29910, 2.77695,
               ("qualité de l'air", "école"), {"schedule": "school", "co2_gain": 1350}),
    DemoDevice(ARRAS, 43, "Salle de motricité — Val de Scarpe", "elsys-ers", "indoor",
               "Pôle éducatif du Val de Scarpe, salle de motricité", 50.29902, 2.77700,
               ("qualité de l'air", "école"), {"schedule": "school", "co2_gain": 700}),
    DemoDevice(ARRAS, 44, "Dortoir — Val de Scarpe", "milesight-em300-th", "indoor",
               "Pôle éducatif du Val de Scarpe, dortoir", 50.29906, 2.77680,
               ("confort", "école"), {"schedule": "school"}),
    *_parking_spaces(),
    DemoDevice(ARRAS, 51, "Fuite — chaufferie de l'Hôtel de Ville", "dragino-lwl02",
               "leak_detector", "Hôtel de Ville, chaufferie", 50.29118, 2.77740,
               ("eau", "fuite")),
    # --- Beaurains ---
    DemoDevice(BEAURAINS, 1, "Eau — mairie de Beaurains", "milesight-em300-di", "water",
               "Mairie de Beaurains", 50.25980, 2.79050, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 120}),
    DemoDevice(BEAURAINS, 2, "Eau — médiathèque de Beaurains", "milesight-em300-di", "water",
               "Médiathèque de Beaurains (réseau M)", 50.25900, 2.78880, ("eau",),
               {"schedule": "library", "litres_per_hour": 60}),
    DemoDevice(BEAURAINS, 11, "Électricité — mairie de Beaurains", "generic-electricity-pulse",
               "electricity", "Mairie de Beaurains", 50.25985, 2.79055, ("électricité",),
               {"schedule": "town_hall", "base_kw": 1.5, "work_kw": 6}),
    DemoDevice(BEAURAINS, 21, "Vélos — route de Bapaume", "generic-bidirectional-counter",
               "passages", "Piste cyclable de la route de Bapaume (RD 917), vers Arras",
               50.26300, 2.78750, ("vélo", "mobilité"), {"usage": "commute", "daily": 280}),
    DemoDevice(BEAURAINS, 31, "Bruit — route de Bapaume (RD 917)", "milesight-ws302", "noise",
               "Route de Bapaume (RD 917)", 50.25400, 2.79500, ("bruit",),
               {"day_db": 65, "night_db": 47}),
    # --- Tilloy-lès-Mofflaines ---
    DemoDevice(TILLOY, 1, "Eau — mairie de Tilloy-lès-Mofflaines", "milesight-em300-di",
               "water", "Mairie de Tilloy-lès-Mofflaines", 50.27720, 2.81720, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 90, "leak_lph": 24}),
    DemoDevice(TILLOY, 2, "Eau — lycée de Tilloy-lès-Mofflaines", "milesight-em300-di",
               "water", "Lycée de Tilloy-lès-Mofflaines", 50.28050, 2.81350, ("eau",),
               {"schedule": "lycee", "litres_per_hour": 900}),
    DemoDevice(TILLOY, 11, "Électricité — lycée de Tilloy-lès-Mofflaines",
               "generic-electricity-pulse", "electricity", "Lycée de Tilloy-lès-Mofflaines",
               50.28055, 2.81355, ("électricité", "décret tertiaire"),
               {"schedule": "lycee", "base_kw": 8, "work_kw": 45}),
    DemoDevice(TILLOY, 31, "Bruit — route de Cambrai (RD 939)", "milesight-ws302", "noise",
               "Route de Cambrai (RD 939), entrée ouest", 50.27900, 2.81000, ("bruit",),
               {"day_db": 68, "night_db": 50}),
    # --- Saint-Laurent-Blangy ---
    DemoDevice(SAINT_LAURENT, 1, "Eau — mairie de Saint-Laurent-Blangy", "milesight-em300-di",
               "water", "Mairie de Saint-Laurent-Blangy", 50.30310, 2.80360, ("eau",),
               {"schedule": "town_hall", "litres_per_hour": 140}),
    DemoDevice(SAINT_LAURENT, 2, "Eau — base nautique", "milesight-em300-di", "water",
               "Base nautique de Saint-Laurent-Blangy (vestiaires)", 50.29850, 2.79600,
               ("eau", "sport"), {"schedule": "water_sports", "litres_per_hour": 350}),
    DemoDevice(SAINT_LAURENT, 11, "Électricité — mairie de Saint-Laurent-Blangy",
               "generic-electricity-pulse", "electricity", "Mairie de Saint-Laurent-Blangy",
               50.30315, 2.80365, ("électricité",),
               {"schedule": "town_hall", "base_kw": 2, "work_kw": 8}),
    DemoDevice(SAINT_LAURENT, 21, "Vélos — chemin de halage de la Scarpe",
               "generic-bidirectional-counter", "passages",
               "Chemin de halage de la Scarpe, vers le Val de Scarpe", 50.29950, 2.79300,
               ("vélo", "mobilité", "loisirs"), {"usage": "leisure", "daily": 420}),
    DemoDevice(SAINT_LAURENT, 31, "Bruit — RD 260", "milesight-ws302", "noise",
               "RD 260, traversée de Saint-Laurent-Blangy", 50.30600, 2.81200, ("bruit",),
               {"day_db": 66, "night_db": 48}),
    DemoDevice(SAINT_LAURENT, 41, "Salle du conseil — mairie", "milesight-am308", "indoor",
               "Mairie de Saint-Laurent-Blangy, salle du conseil", 50.30312, 2.80362,
               ("qualité de l'air",), {"schedule": "council_room", "co2_gain": 1250}),
    DemoDevice(SAINT_LAURENT, 42, "Accueil — mairie", "milesight-em300-th", "indoor",
               "Mairie de Saint-Laurent-Blangy, accueil", 50.30308, 2.80358, ("confort",),
               {"schedule": "town_hall"}),
    DemoDevice(SAINT_LAURENT, 51, "Fuite — local technique de la base nautique",
               "dragino-lwl02", "leak_detector", "Base nautique, local technique",
               50.29845, 2.79610, ("eau", "fuite"), {"planted": True}),
)  # fmt: skip

LEAK_METER = next(d for d in DEMO_DEVICES if d.params.get("leak_lph")).dev_eui


def demo_sim_devices(intervals: Mapping[str, int] | None = None) -> list[SimDevice]:
    """The demo devices as the simulator sees them; `intervals` (DevEUI → seconds) overrides
    the codecs' default reporting intervals (the registered devices' values)."""
    intervals = intervals or {}
    return [
        SimDevice(
            dev_eui=d.dev_eui,
            model=d.model,
            profile=d.profile,
            params=d.params,
            interval_s=intervals.get(d.dev_eui) or get_codec(d.model).default_interval_s,
            name=d.name,
            commune=d.commune,
            application_id=application_id(d.commune),
            application_name=f"capteurs-{d.commune}",
            gateway_id=GATEWAYS[d.commune],
        )
        for d in DEMO_DEVICES
    ]
