"""Browser tests: one headless Chromium (Debian's) for the whole session, a live Django
server (pytest-django's ``live_server``) on loopback, and the real data loaders.

Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls when a
loop is running unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The ORM is only used here to prepare
data before the browser acts, never concurrently with it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("TERRITOIRE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "Territoire-Demo-2026"

# Demo accounts crawled, one per role (territoire/core/management/commands/seed_demo.py).
DEMO_ROLES = [
    "admin.cua@demo.territoire.fr",
    "admin.arras@demo.territoire.fr",
    "agent.arras@demo.territoire.fr",
    "elu.arras@demo.territoire.fr",
    "comite@demo.territoire.fr",
    "moderation@demo.territoire.fr",
    "habitant@demo.territoire.fr",
]


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is a browser test, whatever its module declares."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        # On a developer's machine without a browser, skip; in CI a missing browser fails.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser) -> Iterator:
    """A fresh browser profile (cookies, storage) for one test or one role."""
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@dataclass
class SiteData:
    api_key_names: list[str]
    invited_emails: list[str]


@pytest.fixture
def site_data(live_server) -> SiteData:
    """The territory and the demo accounts from the real loaders, plus enough content for
    every list to show a table and, where it can, a second page."""
    from django.core.management import call_command

    from territoire.core import services
    from territoire.core.models import Commune, Role, User

    call_command("load_territory", verbosity=0, stdout=io.StringIO())
    call_command("seed_demo", "--force", verbosity=0, stdout=io.StringIO())

    arras = Commune.objects.get(insee_code="62041")
    beaurains = Commune.objects.get(insee_code="62099")
    achicourt = Commune.objects.get(insee_code="62004")  # first in the lists the crawl samples
    admin_arras = User.objects.get(email="admin.arras@demo.territoire.fr")
    admin_cua = User.objects.get(email="admin.cua@demo.territoire.fr")

    names = []
    for actor, commune, name, module in [
        (admin_arras, arras, "Serveur de réseau LoRaWAN", "sensors"),
        (admin_arras, arras, "Export des indicateurs", "insights"),
        (admin_arras, arras, "Ancienne passerelle", "sensors"),
        (admin_cua, beaurains, "Capteurs de Beaurains", "sensors"),
        (admin_cua, achicourt, "Station météo d'Achicourt", "insights"),
    ]:
        key, _secret = services.api_key_create(
            actor=actor, commune=commune, name=name, module=module
        )
        names.append(key.name)
        if name == "Ancienne passerelle":
            services.api_key_revoke(actor=actor, key=key)

    # 55 more people in Arras: the members list and the audit log get a second page.
    invited = []
    for n in range(55):
        role = [Role.AGENT, Role.ELECTED, Role.CITIZEN][n % 3]
        membership = services.member_invite(
            actor=admin_arras,
            email=f"personne{n:02d}@arras.example.fr",
            first_name="Dominique",
            last_name=f"Exemple {n:02d}",
            role=role,
            commune=arras,
            module="sensors" if role == Role.AGENT and n % 2 else "",
        )
        invited.append(membership.user.email)
    _sensor_data(arras, beaurains, admin_arras, admin_cua)
    return SiteData(api_key_names=names, invited_emails=invited)


def _uplink(dev_eui: str, frame: bytes, at, f_cnt: int) -> dict:
    """A ChirpStack v4 uplink event, as its HTTP integration posts it."""
    import base64

    return {
        "deduplicationId": f"demo-{dev_eui}-{f_cnt}",
        "time": at.isoformat(),
        "deviceInfo": {"devEui": dev_eui, "applicationId": "demo"},
        "fCnt": f_cnt,
        "fPort": 85,
        "data": base64.b64encode(frame).decode(),
        "rxInfo": [{"gatewayId": "00800000a0001234", "rssi": -97, "snr": 6.5}],
    }


def _sensor_data(arras, beaurains, admin_arras, admin_cua) -> None:
    """The sensor hub's pages with content: integrations, devices of Arras and Beaurains with
    two days of readings, a device never heard from, one waiting to be registered and one
    quarantined message."""
    import struct
    from datetime import timedelta

    from django.utils import timezone

    from territoire.sensors import ingest, services
    from territoire.sensors.integrations.chirpstack import parse_chirpstack

    arras_lns, _ = services.integration_create(
        actor=admin_arras, name="ChirpStack d'Arras", source="chirpstack", commune=arras
    )
    services.integration_create(
        actor=admin_cua, name="The Things Stack de la CUA", source="tts", commune=None
    )
    beaurains_lns, _ = services.integration_create(
        actor=admin_cua, name="ChirpStack de Beaurains", source="chirpstack", commune=beaurains
    )
    devices = [
        (arras, "24e124136b000001", "Thermomètre école", "milesight-em300-th", "École Jean-Macé"),
        (arras, "24e124136b000002", "Compteur d'eau", "milesight-em300-di", "Gymnase Tchuenté"),
        (arras, "a840410001810003", "Détecteur de fuite", "dragino-lwl02", "Hôtel de ville"),
        (beaurains, "24e124136b000004", "Thermomètre", "milesight-em300-th", "Salle des fêtes"),
    ]
    for commune, dev_eui, name, model, place in devices:
        actor = admin_arras if commune == arras else admin_cua
        services.device_register(
            actor=actor,
            commune=commune,
            data=services.DeviceData(dev_eui=dev_eui, name=name, model=model, place=place),
        )

    def thermometer(n: int) -> bytes:
        temperature = round((19 + 3 * ((n % 24) - 12) / 12) * 10)
        return (
            bytes([0x01, 0x75, 87, 0x03, 0x67])
            + struct.pack("<h", temperature)
            + bytes([0x04, 0x68, 96])
        )

    def water_meter(n: int) -> bytes:
        return bytes([0x01, 0x75, 92, 0x05, 0xC8]) + struct.pack("<I", 1000 + 7 * n)

    now = timezone.now().replace(second=0, microsecond=0)
    for integration, dev_eui, frame in [
        (arras_lns, "24e124136b000001", thermometer),
        (arras_lns, "24e124136b000002", water_meter),
        (beaurains_lns, "24e124136b000004", thermometer),
    ]:
        bodies = [_uplink(dev_eui, frame(n), now - timedelta(hours=47 - n), n) for n in range(48)]
        ingest.ingest(integration, [(parse_chirpstack("up", b, now=now), b) for b in bodies])
    odd = [
        _uplink("24e124136b000002", b"\x05\xc8\x01", now, 100),  # cut short: quarantined
        _uplink("70b3d57ed0000005", thermometer(0), now, 1),  # unknown: to register
    ]
    ingest.ingest(arras_lns, [(parse_chirpstack("up", b, now=now), b) for b in odd])


def login(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form, as a person would."""
    page.goto(f"{base_url}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
