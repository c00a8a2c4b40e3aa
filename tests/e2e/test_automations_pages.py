"""Automations pages in a real browser: the list, a rule with its actions and its override
(suspension, forced state), the new-rule and edit forms (empty and with errors), the dry run
(and its error state), booking slots (list, form by keyboard, errors) and the device page's
automations block — each with zero axe violations (WCAG 2.1 AA) and reflow at 320 px."""

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


def _door_and_booking():
    """A door strike in Arras, a booking rule, a slot tomorrow, and a forced state."""
    from django.utils import timezone

    from territoire.automations import services
    from territoire.automations.models import Trigger
    from territoire.automations.services import BookingData, RuleData
    from territoire.core.models import Commune, User
    from territoire.sensors.models import Device

    arras = Commune.objects.get(insee_code="62041")
    agent = User.objects.get(email="agent.arras@demo.territoire.fr")
    door = Device.objects.create(
        commune=arras,
        dev_eui="24e124de62041299",
        name="Porte — Salle des fêtes",
        model="milesight-ws558-door",
        reporting_interval_s=1200,
    )
    access = services.rule_create(
        actor=agent,
        commune=arras,
        data=RuleData(
            name="Porte aux créneaux", trigger=Trigger.BOOKING, command="", devices=[door]
        ),
    )
    start = timezone.localtime().replace(hour=18, minute=0, second=0, microsecond=0)
    start += timedelta(days=1)
    services.booking_create(
        actor=agent,
        commune=arras,
        data=BookingData(door, start, start + timedelta(hours=2), "Chorale", "Concert"),
    )
    services.rule_force(
        actor=agent,
        rule=access,
        command="lock",
        params={},
        until=timezone.now() + timedelta(hours=3),
        reason="Travaux dans la salle",
    )
    return door, access


def test_automations_pages_are_accessible(site_data, live_server, context, page):
    watering, lighting = _rules()
    door, access = _door_and_booking()
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
        (f"/automatisations/{watering.pk}/modifier/", "edit rule form"),
        (f"/automatisations/{access.pk}/", "booking rule, forced state"),
        ("/automatisations/reservations/", "booking list"),
        ("/automatisations/reservations/nouvelle/", "new booking form"),
        (f"/capteurs/{door.dev_eui}/", "door page with bookings"),
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

    # Keyboard only: fill the booking form with Tab and submit with Enter; errors keep input.
    page.goto(f"{base}/automatisations/reservations/nouvelle/")
    page.focus("#id_device")
    page.keyboard.press("Tab")
    page.keyboard.type("02/01/2030 18:00")
    page.keyboard.press("Tab")
    page.keyboard.type("02/01/2030 17:00")
    page.keyboard.press("Tab")
    page.keyboard.type("Chorale du clavier")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").is_visible()
    assert page.input_value("#id_booked_by") == "Chorale du clavier"
    check_page(page, report, "new booking form, errors")

    page.goto(f"{base}/automatisations/{watering.pk}/")
    page.select_option("#id_force-command", "set_interval")
    page.fill("#id_force-params", "{oups")
    page.fill("#id_force-until", "01/01/2000 08:00")
    page.fill("#id_force-reason", "Essai")
    with page.expect_navigation():
        page.get_by_role("button", name="Forcer et envoyer").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "forced state, error")
    print(report.summary())
    report.assert_clean()
