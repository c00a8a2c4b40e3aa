"""Pages: list, new rule (errors keep what was typed), rule page with the override, dry run,
the device page's automations block, and commune isolation."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from territoire.automations import services
from territoire.automations.models import Outcome, Rule, Trigger
from territoire.automations.services import RuleData
from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)

pytestmark = pytest.mark.django_db


def _rule(world, arras, name="Éclairage du hall"):
    return services.rule_create(
        actor=world.agent,
        commune=arras,
        data=RuleData(
            name=name,
            trigger=Trigger.SUNSET,
            offset_minutes=-15,
            command="set_interval",
            params={"seconds": 600},
            devices=world.devices,
        ),
    )


def test_list_and_rule_pages(world, arras) -> None:
    rule = _rule(world, arras)
    now = timezone.now()
    services.rule_fire(rule=rule, at=now, now=now)
    client = logged_in_client(world.agent)
    page = client.get("/automatisations/").content.decode()
    assert "Éclairage du hall" in page and "coucher du soleil à Arras, 15 min avant" in page
    page = client.get(f"/automatisations/{rule.pk}/").content.decode()
    assert "Commande envoyée" in page and "Sonde 1" in page and "Suspendre" in page


def test_new_rule_form_creates_and_keeps_input_on_error(world, arras) -> None:
    client = logged_in_client(world.agent)
    assert client.get("/automatisations/nouvelle/").status_code == 200
    data = {
        "commune": arras.pk,
        "name": "Arrosage du parc",
        "trigger": "time",
        "at_time": "",
        "offset_minutes": "0",
        "cond_series": f"{world.devices[0].dev_eui}:pluie",
        "cond_aggregate": "sum",
        "cond_window": "24",
        "cond_operator": "lt",
        "cond_threshold": "2",
        "command": "set_interval",
        "params": '{"seconds": 600}',
        "devices": world.devices[0].dev_eui,
    }
    with audit_entries_added(expected=0):
        response = client.post("/automatisations/nouvelle/", data)
    body = response.content.decode()
    assert response.status_code == 400 and "Indiquez l&#x27;heure" in body
    assert "Arrosage du parc" in body  # what was typed is kept
    response = client.post("/automatisations/nouvelle/", {**data, "devices": "ffffffffffffffff"})
    assert response.status_code == 400 and "DevEUI est inconnu" in response.content.decode()
    response = client.post("/automatisations/nouvelle/", {**data, "params": "{oups"})
    assert response.status_code == 400 and "JSON" in response.content.decode()
    with audit_entries_added(expected=1):
        response = client.post("/automatisations/nouvelle/", {**data, "at_time": "21:00"})
    rule = Rule.objects.get(name="Arrosage du parc")
    assert response.status_code == 302 and rule.conditions.get().series == world.rain


def test_override_from_the_page(world, arras) -> None:
    rule = _rule(world, arras)
    client = logged_in_client(world.agent)
    response = client.post(
        f"/automatisations/{rule.pk}/suspendre/", {"until": "01/01/2000 08:00", "reason": "x"}
    )
    assert response.status_code == 400 and "futur" in response.content.decode()
    until = (timezone.localtime() + timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    with audit_entries_added(expected=1):
        response = client.post(
            f"/automatisations/{rule.pk}/suspendre/", {"until": until, "reason": "Fête"}
        )
    assert response.status_code == 302
    page = client.get(f"/automatisations/{rule.pk}/").content.decode()
    assert "Suspendue jusqu" in page and "Fête" in page
    with audit_entries_added(expected=1):
        client.post(f"/automatisations/{rule.pk}/reprendre/")
    rule.refresh_from_db()
    assert rule.suspended_until is None


def test_dry_run_page(world, arras) -> None:
    rule = _rule(world, arras)
    client = logged_in_client(world.agent)
    body = client.get(f"/automatisations/{rule.pk}/simulation/?days=3").content.decode()
    assert "Sur 3 jours" in body and "Commande envoyée" in body
    response = client.get(f"/automatisations/{rule.pk}/simulation/?days=abc")
    assert response.status_code == 400 and "nombre entier" in response.content.decode()


def test_device_page_shows_its_automations(world, arras) -> None:
    rule = _rule(world, arras)
    now = timezone.now()
    services.rule_fire(rule=rule, at=now, now=now)
    client = logged_in_client(world.agent)
    body = client.get(f"/capteurs/{world.devices[0].dev_eui}/").content.decode()
    assert "Automatisations" in body and "Éclairage du hall" in body
    assert str(Outcome.SENT.label) in body
    # Someone without the automations module sees nothing of it.
    sensors_agent = person_with_role(Role.AGENT, arras, module="sensors")
    body = logged_in_client(sensors_agent).get(f"/capteurs/{world.devices[0].dev_eui}/")
    assert "Éclairage du hall" not in body.content.decode()


def test_commune_isolation(world, arras, beaurains) -> None:
    rule = _rule(world, arras)
    other = person_with_role(Role.COMMUNE_ADMIN, beaurains)
    assert_commune_isolation(
        logged_in_client(other),
        hidden_urls=[f"/automatisations/{rule.pk}/", f"/automatisations/{rule.pk}/simulation/"],
        lists=[("/automatisations/", "Éclairage du hall")],
        writes=[
            (
                "post",
                f"/automatisations/{rule.pk}/suspendre/",
                {"until": "01/01/2030 08:00", "reason": "x"},
            ),
            ("post", f"/automatisations/{rule.pk}/reprendre/", None),
            ("post", f"/automatisations/{rule.pk}/supprimer/", None),
        ],
    )
    # An elected official of Arras reads but cannot change.
    elected = logged_in_client(person_with_role(Role.ELECTED, arras))
    assert elected.get(f"/automatisations/{rule.pk}/").status_code == 200
    assert elected.get("/automatisations/nouvelle/").status_code == 403
    assert elected.post(f"/automatisations/{rule.pk}/supprimer/").status_code == 403
    assert Rule.objects.filter(pk=rule.pk).exists()


def test_time_field_is_local(world, arras) -> None:
    rule = services.rule_create(
        actor=world.agent,
        commune=arras,
        data=RuleData(
            name="n",
            trigger=Trigger.TIME,
            at_time=time(6, 0),
            command="set_interval",
            params={"seconds": 600},
            devices=world.devices,
        ),
    )
    assert (
        "chaque jour à 06:00"
        in logged_in_client(world.agent).get(f"/automatisations/{rule.pk}/").content.decode()
    )
