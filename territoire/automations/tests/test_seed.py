import pytest
from django.core.management import call_command

from territoire.automations.models import Rule

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(communes) -> None:
    call_command("seed_demo", force=True, verbosity=0)
    call_command("seed_sensors_demo", force=True, verbosity=0)
    call_command("seed_automations_demo")
    rules = list(Rule.objects.order_by("name"))
    assert len(rules) == 2 and rules[0].conditions.count() == 1
    assert {r.trigger for r in rules} == {"time", "sunset"}
    call_command("seed_automations_demo")
    assert Rule.objects.count() == 2
