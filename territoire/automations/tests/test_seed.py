import pytest
from django.core.management import call_command
from django.utils import timezone

from territoire.automations.engine import evaluate
from territoire.automations.models import Booking, Rule

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(communes) -> None:
    call_command("seed_demo", force=True, verbosity=0)
    call_command("seed_sensors_demo", force=True, verbosity=0)
    call_command("seed_automations_demo")
    rules = {r.trigger + ":" + r.command: r for r in Rule.objects.all()}
    assert set(rules) == {
        "sunset:switch_on",
        "time:switch_off",
        "time:open_valve",
        "booking:open_door",
    }
    watering = rules["time:open_valve"]
    quantities = {c.series.quantity for c in watering.conditions.select_related("series")}
    assert quantities == {"humidite_sol", "pluie"}
    assert Booking.objects.count() == 1
    # The seeded readings make the watering conditions readable (dry soil, no recent rain).
    assert evaluate(watering, timezone.now()).holds
    call_command("seed_automations_demo")
    assert Rule.objects.count() == 4 and Booking.objects.count() == 1
