"""The automations demo in Arras: lighting at dusk for the Hôtel de Ville and evening watering
at the Pôle éducatif du Val de Scarpe unless the air has been humid. Idempotent.

The sensor hub has no relay (lighting) or valve (watering) codec yet, and no rain gauge: the
demo rules command the only downlink the demo devices accept (``set_interval``, the reporting
interval of the Milesight boxes of those buildings), and the watering condition reads the
relative humidity of the school's EM300-TH instead of rain. Their names say so."""

from __future__ import annotations

from datetime import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from territoire.automations import services
from territoire.automations.models import Rule, Trigger
from territoire.automations.services import ConditionData, RuleData
from territoire.core.models import Commune, User
from territoire.sensors.codecs import get_codec
from territoire.sensors.models import Device, Series
from territoire.sensors.simulator import DEMO_DEVICES

AGENT = "agent.arras@demo.territoire.fr"
ARRAS = "62041"
LIGHTING = "Éclairage au crépuscule — Hôtel de Ville (démo : intervalle d'émission)"
WATERING = "Arrosage du soir — Val de Scarpe, sauf air humide (démo : intervalle d'émission)"


def _device(name: str) -> Device:
    eui = next(d.dev_eui for d in DEMO_DEVICES if d.name == name)
    return Device.objects.get(dev_eui=eui)


class Command(BaseCommand):
    help = "Create the automations demo rules in Arras. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        agent = User.objects.filter(email=AGENT).first()
        commune = Commune.objects.filter(insee_code=ARRAS).first()
        if agent is None or commune is None:
            raise CommandError("Run seed_demo and seed_sensors_demo first.")
        try:
            town_hall = _device("Eau — Hôtel de Ville")
            school = _device("Eau — Pôle éducatif du Val de Scarpe")
            dormitory = _device("Dortoir — Val de Scarpe")
        except Device.DoesNotExist as exc:
            raise CommandError("Run seed_sensors_demo first.") from exc
        created = 0
        if not Rule.objects.filter(commune=commune, name=LIGHTING).exists():
            services.rule_create(
                actor=agent,
                commune=commune,
                data=RuleData(
                    name=LIGHTING,
                    trigger=Trigger.SUNSET,
                    offset_minutes=-15,
                    command="set_interval",
                    params={"seconds": 300},
                    devices=[town_hall],
                ),
            )
            created += 1
        if not Rule.objects.filter(commune=commune, name=WATERING).exists():
            # The series ingestion would create at the first reading, with the codec's own
            # definition (the demo may be seeded before any reading arrives).
            quantity = get_codec(dormitory.model).quantity("humidite")
            humidity, _ = Series.objects.get_or_create(
                device=dormitory,
                quantity=quantity.name,
                defaults={"label": quantity.label, "unit": quantity.unit, "kind": quantity.kind},
            )
            services.rule_create(
                actor=agent,
                commune=commune,
                data=RuleData(
                    name=WATERING,
                    trigger=Trigger.TIME,
                    at_time=time(21, 30),
                    command="set_interval",
                    params={"seconds": 900},
                    devices=[school],
                    conditions=[
                        ConditionData(
                            series=humidity,
                            operator="lt",
                            threshold=80,
                            aggregate="max",
                            window_hours=24,
                        )
                    ],
                ),
            )
            created += 1
        self.stdout.write(f"Automatisations de démonstration : {created} règle(s) créée(s).")
