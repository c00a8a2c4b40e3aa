"""The automations demo in Arras, with real actuator commands:

- lighting of the Hôtel de Ville (Milesight WS558, relay 1) switched on at sunset and off at
  23:30;
- watering at the Pôle éducatif du Val de Scarpe (Milesight UC511 valve, 15 minutes at
  21:30), skipped when the soil is wet (EM500-SMTC) or when it rained over the last 24 h
  (DL-TBRG rain gauge);
- the door of the Salle des fêtes (door strike on a WS558) opened for its booking slots, with
  one slot tomorrow evening.

The actuators and the two field sensors are created here (the traffic simulator does not
simulate them), with two days of hourly soil-moisture and rain readings so that the watering
conditions and the dry run have something to read. Idempotent."""

from __future__ import annotations

from datetime import time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from territoire.automations import services
from territoire.automations.models import Booking, Rule, Trigger
from territoire.automations.services import BookingData, ConditionData, RuleData
from territoire.core.models import Commune, User
from territoire.sensors.codecs import get_codec
from territoire.sensors.models import Device, Reading, Series

AGENT = "agent.arras@demo.territoire.fr"
ARRAS = "62041"
LIGHTING_ON = "Éclairage de l'Hôtel de Ville — allumage au coucher du soleil"
LIGHTING_OFF = "Éclairage de l'Hôtel de Ville — extinction à 23 h 30"
WATERING = "Arrosage du Val de Scarpe — 21 h 30, sauf sol humide ou pluie"
ACCESS = "Salle des fêtes — ouverture de la porte aux créneaux réservés"
# Demo rules of earlier versions, which sent set_interval for lack of actuators.
OLD_NAMES = (
    "Éclairage au crépuscule — Hôtel de Ville (démo : intervalle d'émission)",
    "Arrosage du soir — Val de Scarpe, sauf air humide (démo : intervalle d'émission)",
)

# DevEUIs in the style of the simulator's (vendor prefix, "de", INSEE code, serial).
DEVICES = {
    "lighting": (
        "24e124de62041201",
        "Éclairage — Hôtel de Ville, façade",
        "milesight-ws558",
        "Hôtel de Ville, place des Héros",
    ),
    "valve": (
        "24e124de62041202",
        "Arrosage — Val de Scarpe, jardin",
        "milesight-uc511",
        "Pôle éducatif du Val de Scarpe",
    ),
    "soil": (
        "24e124de62041203",
        "Sol — Val de Scarpe, jardin",
        "milesight-em500-smtc",
        "Pôle éducatif du Val de Scarpe",
    ),
    "rain": (
        "70b3d5de62041204",
        "Pluviomètre — Val de Scarpe",
        "decentlab-dl-tbrg",
        "Pôle éducatif du Val de Scarpe",
    ),
    "door": (
        "24e124de62041205",
        "Porte — Salle des fêtes",
        "milesight-ws558-door",
        "Salle des fêtes, Arras",
    ),
}


def _series(device: Device, quantity_name: str) -> Series:
    quantity = get_codec(device.model).quantity(quantity_name)
    series, _ = Series.objects.get_or_create(
        device=device,
        quantity=quantity.name,
        defaults={"label": quantity.label, "unit": quantity.unit, "kind": quantity.kind},
    )
    return series


def _readings(soil: Series, rain: Series) -> None:
    """Two days of hourly readings: a drying soil (31 % → 27 %) and no rain since yesterday
    morning, so tonight's watering goes ahead and the dry run shows both outcomes."""
    if soil.readings.exists() or rain.readings.exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=h) for h in range(48, 0, -1)]
    Reading.objects.bulk_create(
        Reading(series=soil, at=at, value=round(31 - 4 * n / len(hours), 1))
        for n, at in enumerate(hours)
    )
    total, rows = 120.0, []
    for n, at in enumerate(hours):
        delta = 0.4 if n < 12 else 0.0  # a shower two days ago
        total += delta
        rows.append(Reading(series=rain, at=at, value=round(total, 1), delta=delta))
    Reading.objects.bulk_create(rows)


class Command(BaseCommand):
    help = "Create the automations demo (actuators, rules, a booking slot) in Arras. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        agent = User.objects.filter(email=AGENT).first()
        commune = Commune.objects.filter(insee_code=ARRAS).first()
        if agent is None or commune is None:
            raise CommandError("Run seed_demo and seed_sensors_demo first.")
        devices = {}
        for key, (eui, name, model, place) in DEVICES.items():
            devices[key], _ = Device.objects.get_or_create(
                dev_eui=eui,
                defaults={
                    "commune": commune,
                    "name": name,
                    "model": model,
                    "place": place,
                    "reporting_interval_s": get_codec(model).default_interval_s,
                },
            )
        for rule in Rule.objects.filter(commune=commune, name__in=OLD_NAMES):
            services.rule_delete(actor=agent, rule=rule)
        soil = _series(devices["soil"], "humidite_sol")
        rain = _series(devices["rain"], "pluie")
        _readings(soil, rain)
        wanted = [
            RuleData(
                name=LIGHTING_ON,
                trigger=Trigger.SUNSET,
                command="switch_on",
                params={"relay": 1},
                devices=[devices["lighting"]],
            ),
            RuleData(
                name=LIGHTING_OFF,
                trigger=Trigger.TIME,
                at_time=time(23, 30),
                command="switch_off",
                params={"relay": 1},
                devices=[devices["lighting"]],
            ),
            RuleData(
                name=WATERING,
                trigger=Trigger.TIME,
                at_time=time(21, 30),
                command="open_valve",
                params={"valve": 1, "seconds": 900},
                devices=[devices["valve"]],
                conditions=[
                    # Water only a dry soil...
                    ConditionData(series=soil, operator="lt", threshold=30, aggregate="last"),
                    # ...and not after 2 mm of rain or more over the last 24 h.
                    ConditionData(
                        series=rain, operator="lt", threshold=2, aggregate="sum", window_hours=24
                    ),
                ],
            ),
            RuleData(
                name=ACCESS,
                trigger=Trigger.BOOKING,
                command="open_door",
                devices=[devices["door"]],
            ),
        ]
        created = 0
        for data in wanted:
            if not Rule.objects.filter(commune=commune, name=data.name).exists():
                services.rule_create(actor=agent, commune=commune, data=data)
                created += 1
        if not Booking.objects.filter(device=devices["door"]).exists():
            tomorrow = timezone.localtime().replace(
                hour=18, minute=0, second=0, microsecond=0
            ) + timedelta(days=1)
            services.booking_create(
                actor=agent,
                commune=commune,
                data=BookingData(
                    device=devices["door"],
                    starts_at=tomorrow,
                    ends_at=tomorrow + timedelta(hours=3),
                    booked_by="Association des Amis du Beffroi",
                    reason="Assemblée générale",
                ),
            )
        self.stdout.write(f"Automatisations de démonstration : {created} règle(s) créée(s).")
