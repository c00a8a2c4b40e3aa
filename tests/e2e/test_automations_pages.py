"""Automations pages in a real browser: the list, a rule with its actions and its override,
the new-rule form (empty and with errors), the dry run (and its error state) and the device
page's automations block — each with zero axe violations (WCAG 2.1 AA) and reflow at 320 px."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from tests.e2e.audit import Report, check_page, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

THERMOMETER = "24e124136b000001"  # the Arras EM300-TH registered by site_data, with readings


def _rules():
    from django.utils import timezone

    from territoire.automations import services
    from territoire.automations.models import Trigger
    from territoire.automations.services import ConditionData, RuleData
    from territoire.core.models import Commune, User
    from territoire.sensors.models import Device, Series

    arras = Commune.objects.get(insee_code="62041")
    agent = User.objects.get(email="agent.arras@demo.territoire.fr")
    device = Device.objects.get(dev_eui=THERMOMETER)
    humidity = Series.objects.get(device=device, quantity="humidite")
    watering = services.rule_create(
        actor=agent,
        commune=arras,
        data=RuleData(
            name="Arrosage de l'école",
            trigger=Trigger.TIME,
            at_time=time(21, 0),
            command="set_interval",
            params={"seconds": 600},
            devices=[device],
            conditions=[ConditionData(series=humidity, operator="lt", threshold=99)],
        ),
    )
    lighting = services.rule_create(
        actor=agent,
        commune=arras,
        data=RuleData(
            name="Éclairage au crépuscule",
            trigger=Trigger.SUNSET,
            offset_minutes=-15,
            command="set_interval",
            params={"seconds": 300},
            devices=[device],
        ),
    )
    now = timezone.now()
    services.rule_fire(rule=watering, at=now, now=now)  # refused: no downlink server here
    services.rule_suspend(
        actor=agent, rule=lighting, until=now + timedelta(days=1), reason="Fête de la ville"
    )
    return watering, lighting


def test_automations_pages_are_accessible(site_data, live_server, context, page):
    watering, lighting = _rules()
    prepare_context(context)
    report = Report(label="Automations pages")
    base = live_server.url
    login(page, base, "agent.arras@demo.territoire.fr")
    for url, label in [
        ("/automatisations/", "rule list"),
        (f"/automatisations/{watering.pk}/", "rule with actions"),
        (f"/automatisations/{lighting.pk}/", "suspended rule"),
        ("/automatisations/nouvelle/", "new rule form"),
        (f"/automatisations/{watering.pk}/simulation/?days=3", "dry run"),
        (f"/automatisations/{watering.pk}/simulation/?days=0", "dry run, error"),
        (f"/capteurs/{THERMOMETER}/", "device page with automations"),
    ]:
        page.goto(base + url)
        check_page(page, report, label)
    assert page.get_by_role("heading", name="Automatisations").is_visible()

    page.goto(base + "/automatisations/nouvelle/")
    page.fill("#id_name", "Règle incomplète")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer la règle").click()
    assert page.locator(".error-summary").is_visible()
    assert page.input_value("#id_name") == "Règle incomplète"
    check_page(page, report, "new rule form, errors")

    page.goto(f"{base}/automatisations/{watering.pk}/")
    page.fill("#id_until", "01/01/2000 08:00")
    page.fill("#id_reason", "Essai")
    with page.expect_navigation():
        page.get_by_role("button", name="Suspendre", exact=True).click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "override, error")
    print(report.summary())
    report.assert_clean()
