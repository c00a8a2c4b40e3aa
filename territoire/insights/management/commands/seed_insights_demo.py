"""The insights demo: alert rules in the four demo communes (leak, silent device, low
battery, road noise, the Victor-Hugo car park over 85 %), the public buildings of the demo
devices (with invented surfaces and décret tertiaire references, said so) and the demo
agents subscribed to their commune's alerts. Idempotent: a second run creates nothing."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from territoire.core.models import Commune, User
from territoire.insights import services
from territoire.insights.models import AlertRule, Building, RuleKind, Subscription
from territoire.sensors.models import Device
from territoire.sensors.simulator import DEMO_COMMUNES, DEMO_DEVICES

ADMIN = "admin.cua@demo.territoire.fr"
SLUGS = {"62041": "arras", "62099": "beaurains", "62817": "tilloy", "62753": "saint-laurent"}
ALIASES = {"Base nautique": "Base nautique de Saint-Laurent-Blangy"}
BUILDING_TAGS = {"eau", "électricité", "qualité de l'air", "confort", "fuite"}
RULES: list[tuple[str, str, dict[str, Any]]] = [
    (RuleKind.LEAK, "Fuites d'eau (débit continu, débit de nuit, détecteurs)", {"night_lph": 5}),
    (RuleKind.SILENT, "Capteur muet (plus de 3 intervalles d'émission)", {"factor": 3}),
    (RuleKind.LOW_BATTERY, "Batterie sous 20 %", {"percent": 20}),
    (RuleKind.NOISE, "Bruit routier au-dessus des valeurs limites", {"lden": 68, "lnight": 62}),
]


def building_name(place: str) -> str:
    name = re.sub(r"\s*\(.*\)$", "", place.split(",")[0]).strip()
    return ALIASES.get(name, name)


class Command(BaseCommand):
    help = "Create the insights demo (rules, buildings, subscriptions). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        admin = User.objects.filter(email=ADMIN).first()
        if admin is None:
            raise CommandError("Run seed_demo first (the CUA administrator records the rules).")
        communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=DEMO_COMMUNES)}
        created = {"rules": 0, "buildings": 0, "subscriptions": 0}
        for insee, commune in communes.items():
            rules = list(RULES)
            if insee == "62041":
                rules.append((RuleKind.OCCUPANCY, "Parking Victor-Hugo saturé (> 85 %)",
                              {"tag": "parking-victor-hugo", "label": "Parking Victor-Hugo",
                               "rate": 0.85}))  # fmt: skip
            for kind, name, params in rules:
                if not AlertRule.objects.filter(commune=commune, kind=kind, name=name).exists():
                    services.rule_save(actor=admin, commune=commune, kind=kind, name=name,
                                       params=params)  # fmt: skip
                    created["rules"] += 1
            created["buildings"] += self._buildings(commune, insee)
            agent = User.objects.filter(email=f"agent.{SLUGS[insee]}@demo.territoire.fr").first()
            if agent and not Subscription.objects.filter(user=agent, commune=commune).exists():
                services.subscription_set(actor=agent, commune=commune, subscribed=True)
                created["subscriptions"] += 1
        self.stdout.write(self.style.SUCCESS(f"Insights demo: {created}."))

    def _buildings(self, commune: Commune, insee: str) -> int:
        """Public buildings = the demo devices' places; surfaces and references invented."""
        groups: dict[str, list] = {}
        for d in DEMO_DEVICES:
            if d.commune == insee and BUILDING_TAGS & set(d.tags):
                groups.setdefault(building_name(d.place), []).append(d)
        count = 0
        for name, members in groups.items():
            kw = sum(float(m.params.get("base_kw", 0)) * 8760 + float(m.params.get("work_kw", 0))
                     * 2600 for m in members)  # fmt: skip
            building, new = Building.objects.get_or_create(
                commune=commune,
                name=name,
                defaults={
                    "latitude": members[0].latitude,
                    "longitude": members[0].longitude,
                    # Demo values: a 2019 reference ~30 % above today's simulated use.
                    "floor_area_m2": 1200 + 300 * len(members) if kw else None,
                    "reference_year": 2019 if kw else None,
                    "reference_kwh": round(kw * 1.3, -2) if kw else None,
                },
            )
            building.devices.add(*Device.objects.filter(dev_eui__in=[m.dev_eui for m in members]))
            count += new
        return count
