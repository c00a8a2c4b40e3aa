"""Insights pages in a real browser: every page checked with axe (WCAG 2.1 AA) and at
320 px, the map drawn without a tile server, and the journey of issue 4 — an agent sees a
planted leak appear live, acknowledges it, and the elected official sees it on the
summary."""

from __future__ import annotations

import base64
import time

import pytest

from tests.e2e.audit import Report, check_page, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DETECTOR = "a840410001810003"  # the Arras leak detector registered by site_data


def _leak_frame(leak: bool) -> str:
    status = (1 << 14 if leak else 0) | 3000  # leak bit + battery 3,000 mV
    frame = status.to_bytes(2, "big") + bytes([2]) + (1).to_bytes(3, "big") + bytes(3) + b"\x01"
    return base64.b64encode(frame).decode()


def _insights_data():
    """Rules and a building in Arras; the agent subscribed."""
    from territoire.core.models import Commune, User
    from territoire.insights import services
    from territoire.insights.models import Building
    from territoire.sensors.models import Device

    arras = Commune.objects.get(insee_code="62041")
    admin = User.objects.get(email="admin.cua@demo.territoire.fr")
    agent = User.objects.get(email="agent.arras@demo.territoire.fr")
    services.rule_save(actor=admin, commune=arras, kind="leak", name="Fuites", params={})
    services.subscription_set(actor=agent, commune=arras, subscribed=True)
    building = Building.objects.create(
        commune=arras,
        name="Hôtel de ville",
        reference_year=2019,
        reference_kwh=100_000,
        latitude=50.29,
        longitude=2.77,
    )
    building.devices.add(*Device.objects.filter(commune=arras))
    Device.objects.filter(commune=arras).update(latitude=50.291, longitude=2.777)
    return building


def _plant_leak():
    """The leak detector reports water, through the hub's ingestion (listener after commit)."""
    from django.utils import timezone

    from territoire.sensors import ingest
    from territoire.sensors.integrations.chirpstack import parse_chirpstack
    from territoire.sensors.models import Integration

    integration = Integration.objects.get(name="ChirpStack d'Arras")
    now = timezone.now()
    body = {
        "deduplicationId": "e2e-leak",
        "time": now.isoformat(),
        "deviceInfo": {"devEui": DETECTOR, "applicationId": "demo"},
        "fCnt": 7,
        "fPort": 10,
        "data": _leak_frame(True),
        "rxInfo": [{"gatewayId": "00800000a0001234", "rssi": -97, "snr": 6.5}],
    }
    ingest.ingest(integration, [(parse_chirpstack("up", body, now=now), body)])
    return now


def test_insights_pages_and_the_live_leak_journey(site_data, live_server, browser):
    base = live_server.url
    building = _insights_data()
    report = Report(label="Insights pages")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "agent.arras@demo.territoire.fr")

    # The agent watches the dashboard; the leak is planted; it appears without a reload.
    page.goto(f"{base}/indicateurs/")
    page.wait_for_selector("[data-live-active]:not(:empty)")
    check_page(page, report, "dashboard")
    planted = time.monotonic()
    _plant_leak()
    alert_link = page.locator("[data-live-alerts] a", has_text="Fuite d'eau signalée")
    alert_link.wait_for(timeout=5_000)
    seen_after = time.monotonic() - planted
    assert seen_after < 5, seen_after
    check_page(page, report, "dashboard with a live alert")

    with page.expect_navigation():
        alert_link.click()
    check_page(page, report, "alert")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter le commentaire").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "alert, empty comment refused")
    with page.expect_navigation():
        page.get_by_role("button", name="Prendre en compte").click()
    assert "Prise en compte" in page.locator(".facts").inner_text()
    check_page(page, report, "alert acknowledged")

    for label, path in [
        ("alerts", "/indicateurs/alertes/"),
        ("domain water", "/indicateurs/domaine/eau/"),
        ("domain noise", "/indicateurs/domaine/bruit/"),
        ("domain air", "/indicateurs/domaine/air/"),
        ("domain mobility", "/indicateurs/domaine/mobilite/"),
        ("domain parking", "/indicateurs/domaine/stationnement/"),
        ("buildings", "/indicateurs/batiments/"),
        ("building", f"/indicateurs/batiments/{building.pk}/"),
        ("building settings", f"/indicateurs/batiments/{building.pk}/reglages/"),
        ("open data", "/indicateurs/donnees-ouvertes/"),
        ("rules", "/indicateurs/alertes/regles/"),
        ("new rule", "/indicateurs/alertes/regles/nouvelle/"),
    ]:
        page.goto(base + path)
        if page.locator("details.chart-data").count():
            page.locator("details.chart-data summary").first.click()
        check_page(page, report, label)

    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la règle").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "new rule, errors")

    page.goto(f"{base}/indicateurs/batiments/{building.pk}/reglages/")
    page.get_by_label("Part du chauffage dans la consommation (%)").fill("140")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer les réglages").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "building settings, errors")

    page.goto(f"{base}/indicateurs/carte/")
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator(".leaflet-tile").count() == 0  # no tile server by default
    check_page(page, report, "map")

    # The elected official sees the acknowledged leak on the summary.
    elected = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(elected)
    official = elected.new_page()
    official.on("pageerror", lambda e: errors.append(str(e)))
    login(official, base, "elu.arras@demo.territoire.fr")
    official.goto(f"{base}/indicateurs/synthese/")
    table = official.locator("table", has_text="Fuite d'eau signalée")
    assert "Prise en compte" in table.inner_text()
    check_page(official, report, "elected official's summary")
    elected.close()
    context.close()
    assert not errors, errors
    report.assert_clean()
