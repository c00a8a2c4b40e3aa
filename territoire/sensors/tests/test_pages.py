"""The sensor hub's pages: commune isolation, the device list (search, pagination, CSV,
bounded queries), the device page (chart data and its table), registration, CSV import,
quarantine replay and integrations (secret shown once)."""

import base64
import csv
import io
import json
import re
import struct
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from territoire.core.models import AuditEntry, Role
from territoire.core.testing import assert_commune_isolation, logged_in_client, person_with_role
from territoire.sensors import ingest, services
from territoire.sensors.integrations.chirpstack import parse_chirpstack
from territoire.sensors.models import Device, RawUplink, UplinkState

pytestmark = pytest.mark.django_db

ARRAS_EUI = "24e124136b000001"
BEAURAINS_EUI = "24e124136b000099"
UNKNOWN_EUI = "a84041000181c8f1"


def em300_th(temperature: float, humidity: float = 50, battery: int = 90) -> bytes:
    return (
        bytes([0x01, 0x75, battery])
        + bytes([0x03, 0x67])
        + struct.pack("<h", round(temperature * 10))
        + bytes([0x04, 0x68, round(humidity * 2)])
    )


def send(integration, dev_eui: str, frame: bytes, at) -> ingest.BatchReport:
    """One ChirpStack uplink through the real ingestion path."""
    body = {
        "deduplicationId": f"{dev_eui}-{at.isoformat()}",
        "time": at.isoformat(),
        "deviceInfo": {"devEui": dev_eui, "applicationId": "app"},
        "fCnt": 1,
        "fPort": 85,
        "data": base64.b64encode(frame).decode(),
        "rxInfo": [{"gatewayId": "00800000a0001234", "rssi": -97, "snr": 6.5}],
    }
    return ingest.ingest(integration, [(parse_chirpstack("up", body, now=at), body)])


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="sensors", email="agent@arras.fr")


@pytest.fixture
def admin(arras):
    return person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")


@pytest.fixture
def integration(admin, arras):
    integration, _secret = services.integration_create(
        actor=admin, name="ChirpStack Arras", source="chirpstack", commune=arras
    )
    return integration


@pytest.fixture
def sensor(agent, arras, integration):
    """A thermometer of Arras with two hours of readings."""
    device = services.device_register(
        actor=agent,
        commune=arras,
        data=services.DeviceData(
            dev_eui=ARRAS_EUI,
            name="Thermomètre école Jean-Macé",
            model="milesight-em300-th",
            place="École Jean-Macé",
        ),
    )
    # Two readings in the previous hour, one a minute ago (in the current hour).
    now = timezone.now().replace(second=0, microsecond=0)
    hour = now.replace(minute=0)
    for at, temperature in [
        (hour - timedelta(minutes=50), 18.0),
        (hour - timedelta(minutes=45), 20.0),
        (max(hour, now - timedelta(minutes=1)), 21.5),
    ]:
        send(integration, ARRAS_EUI, em300_th(temperature), at)
    device.refresh_from_db()
    return device


@pytest.fixture
def beaurains_data(beaurains):
    """A device, a quarantined message, an unknown device and an integration of Beaurains."""
    admin = person_with_role(Role.COMMUNE_ADMIN, beaurains, email="admin@beaurains.fr")
    integration, _ = services.integration_create(
        actor=admin, name="LNS Beaurains", source="chirpstack", commune=beaurains
    )
    device = services.device_register(
        actor=admin,
        commune=beaurains,
        data=services.DeviceData(
            dev_eui=BEAURAINS_EUI, name="Sonde secrète Beaurains", model="milesight-em300-th"
        ),
    )
    now = timezone.now()
    send(integration, BEAURAINS_EUI, b"\x03\x67", now)  # cut short: quarantined
    send(integration, "b0b0b0b0b0b0b0b0", em300_th(12), now)  # unknown device
    bad = RawUplink.objects.get(state=UplinkState.QUARANTINED)
    return {"device": device, "uplink": bad}


# --- access and isolation -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMMUNE_ADMIN, Role.AGENT, Role.ELECTED])
def test_people_of_arras_cannot_reach_beaurains_sensors(arras, beaurains_data, role):
    client = logged_in_client(person_with_role(role, arras))
    uplink = beaurains_data["uplink"]
    assert_commune_isolation(
        client,
        hidden_urls=[f"/capteurs/{BEAURAINS_EUI}/", f"/capteurs/{BEAURAINS_EUI.upper()}/"],
        lists=[
            ("/capteurs/", "Sonde secrète"),
            (f"/capteurs/?q={BEAURAINS_EUI}", "Sonde secrète"),
            ("/capteurs/?commune=62099", "Sonde secrète"),
            ("/capteurs/capteurs.csv", BEAURAINS_EUI),
            ("/capteurs/quarantaine/", BEAURAINS_EUI.upper()),
            ("/capteurs/quarantaine/?commune=62099", BEAURAINS_EUI.upper()),
            ("/capteurs/a-enregistrer/", "B0B0B0B0B0B0B0B0"),
            ("/capteurs/integrations/", "LNS Beaurains"),
        ],
        writes=[
            ("POST", "/capteurs/quarantaine/rejouer/", {"uplink": str(uplink.pk)}),
            ("POST", "/capteurs/quarantaine/rejouer/", {"all": "1", "shown": str(uplink.pk)}),
        ],
    )
    RawUplink.objects.get(pk=uplink.pk, state=UplinkState.QUARANTINED)


def test_the_hub_is_in_the_menu_of_sensor_readers_only(arras, agent, sensor):
    body = logged_in_client(agent).get("/mon-espace/").content.decode()
    assert 'href="/capteurs/"' in body
    citizen = person_with_role(Role.CITIZEN, arras)
    client = logged_in_client(citizen)
    assert 'href="/capteurs/"' not in client.get("/mon-espace/").content.decode()
    for url in [
        "/capteurs/",
        "/capteurs/enregistrer/",
        "/capteurs/quarantaine/",
        f"/capteurs/{ARRAS_EUI}/",
    ]:
        assert client.get(url).status_code == 403
    # An agent of another module sees none of the commune's sensors.
    other_module = logged_in_client(person_with_role(Role.AGENT, arras, module="insights"))
    response = other_module.get("/capteurs/")
    assert response.status_code == 403 or "Thermomètre" not in response.content.decode()
    assert other_module.get(f"/capteurs/{ARRAS_EUI}/").status_code in (403, 404)


def test_elected_officials_read_but_do_not_manage(arras, sensor):
    client = logged_in_client(person_with_role(Role.ELECTED, arras))
    body = client.get("/capteurs/").content.decode()
    assert "Thermomètre école Jean-Macé" in body and "Quarantaine" not in body
    assert client.get(f"/capteurs/{ARRAS_EUI}/").status_code == 200
    for url in [
        "/capteurs/enregistrer/",
        "/capteurs/importer/",
        "/capteurs/a-enregistrer/",
        "/capteurs/quarantaine/",
        "/capteurs/integrations/",
    ]:
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in():
    from django.test import Client

    response = Client().get("/capteurs/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


# --- the device list ------------------------------------------------------------------------


def _devices(commune, count: int, **fields) -> list[Device]:
    """Devices created directly (test data, not audited writes)."""
    return Device.objects.bulk_create(
        Device(
            commune=commune,
            dev_eui=f"{0xA000000000000000 + n:016x}",
            name=fields.get("name", f"Capteur {n:03d}"),
            model=fields.get("model", "milesight-em300-th"),
            place=f"Bâtiment {n % 7}",
            reporting_interval_s=600,
        )
        for n in range(count)
    )


def test_the_list_shows_health_model_label_and_last_seen(agent, sensor, arras):
    Device.objects.create(
        commune=arras,
        dev_eui="0000000000000abc",
        name="Capteur jamais vu",
        model="dragino-lwl02",
        reporting_interval_s=7200,
    )
    Device.objects.create(
        commune=arras,
        dev_eui="0000000000000abd",
        name="Capteur muet",
        model="dragino-lwl02",
        reporting_interval_s=600,
        last_seen_at=timezone.now() - timedelta(hours=1),
    )
    body = logged_in_client(agent).get("/capteurs/").content.decode()
    assert "Milesight EM300-TH (température, humidité)" in body
    assert ARRAS_EUI.upper() in body and "90 %" in body
    rows = {
        name: row
        for name, row in re.findall(
            r"<tr>\s*<th scope=\"row\"><a[^>]*>([^<]+)</a>(.*?)</tr>", body, re.S
        )
    }
    assert "émet normalement" in rows["Thermomètre école Jean-Macé"]
    assert "il y a" in rows["Thermomètre école Jean-Macé"]
    assert "jamais vu" in rows["Capteur jamais vu"]
    assert "silencieux" in rows["Capteur muet"]


def test_the_list_searches_filters_and_paginates(agent, arras):
    _devices(arras, 30)
    client = logged_in_client(agent)
    body = client.get("/capteurs/").content.decode()
    assert "30 capteurs" in body and "Page 1 sur 2" in body
    assert body.count('<th scope="row">') == 25
    second = client.get("/capteurs/?page=2").content.decode()
    assert second.count('<th scope="row">') == 5 and "Capteur 029" in second
    assert "1 capteur." in client.get("/capteurs/?q=Capteur+007").content.decode()
    by_eui = client.get(f"/capteurs/?q={0xA000000000000000 + 12:016X}").content.decode()
    assert "Capteur 012" in by_eui and "1 capteur." in by_eui
    by_place = client.get("/capteurs/?q=bâtiment+3").content.decode()
    assert "Capteur 003" in by_place and "Capteur 010" in by_place and "Capteur 004" not in by_place
    assert "0 capteur" in client.get("/capteurs/?model=dragino-lwl02").content.decode()
    assert "30 capteurs" in client.get("/capteurs/?status=active").content.decode()
    empty = client.get("/capteurs/?q=zzzz").content.decode()
    assert "Aucun capteur ne correspond" in empty


def test_invalid_filters_say_what_to_correct(agent, arras):
    _devices(arras, 3)
    response = logged_in_client(agent).get("/capteurs/?model=inconnu")
    body = response.content.decode()
    assert "<title>Erreur — Capteurs" in body and "Le formulaire contient 1 erreur" in body
    assert "Aucun capteur ne correspond" in body


def test_a_person_of_several_communes_filters_by_commune(arras, beaurains):
    cua = person_with_role(Role.CUA_ADMIN)
    Device.objects.create(
        commune=arras,
        dev_eui="00000000000000a1",
        name="Capteur d'Arras",
        model="dragino-lwl02",
        reporting_interval_s=600,
    )
    Device.objects.create(
        commune=beaurains,
        dev_eui="00000000000000b1",
        name="Capteur de Beaurains",
        model="dragino-lwl02",
        reporting_interval_s=600,
    )
    client = logged_in_client(cua)
    body = client.get("/capteurs/?commune=62099").content.decode()
    assert "Capteur de Beaurains" in body and "Capteur d&#x27;Arras" not in body
    # An agent of one commune has no commune filter to choose from.
    agent = person_with_role(Role.AGENT, arras)
    assert 'name="commune"' not in logged_in_client(agent).get("/capteurs/").content.decode()


def test_the_list_stays_at_a_fixed_number_of_queries(agent, arras, django_assert_max_num_queries):
    """No query per row: the page costs the same with 3 devices or 60."""
    client = logged_in_client(agent)
    _devices(arras, 3)
    client.get("/capteurs/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get("/capteurs/")
    Device.objects.all().delete()
    _devices(arras, 60)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get("/capteurs/?q=Capteur")
    assert response.content.decode().count('<th scope="row">') == 25
    assert len(many) == len(few)


def test_csv_export_of_the_filtered_list(agent, arras):
    _devices(arras, 3)
    Device.objects.create(
        commune=arras,
        dev_eui="00000000000000f1",
        name="=SOMME(A1:A9)",
        model="dragino-lwl02",
        reporting_interval_s=600,
        place="+33 mairie",
    )
    response = logged_in_client(agent).get("/capteurs/capteurs.csv?q=SOMME")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["dev_eui", "nom", "commune_insee"]
    assert len(rows) == 2
    assert rows[1][1] == "'=SOMME(A1:A9)" and rows[1][6] == "'+33 mairie"
    assert rows[1][2] == "62041" and rows[1][-1] == "jamais vu"
    full = logged_in_client(agent).get("/capteurs/capteurs.csv")
    assert len(b"".join(full.streaming_content).decode().strip().splitlines()) == 5


# --- the device page ------------------------------------------------------------------------


def _chart_json(body: str) -> dict:
    match = re.search(
        r'<script id="sensors-chart-data" type="application/json">(.*?)</script>', body, re.S
    )
    assert match, "no chart data"
    return json.loads(match.group(1))


def test_device_page_shows_identity_latest_values_chart_and_table(agent, sensor):
    response = logged_in_client(agent).get(f"/capteurs/{ARRAS_EUI.upper()}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Thermomètre école Jean-Macé</h1>" in body
    assert "émet normalement" in body and "RSSI -97 dBm" in body
    # Latest values: 21.5 °C, the last reading.
    assert re.search(r"Température</th>\s*<td class=\"num\">21,5</td>\s*<td>°C</td>", body)
    chart = _chart_json(body)
    assert chart["type"] == "line" and chart["unit"] in ("%", "°C", "%HR")
    assert "vendor/chartjs/chart.umd.js" in body and "js/sensors-chart.js" in body
    # The chart and the table carry the same numbers.
    for value in chart["values"]:
        assert f'<td class="num">{value:g}'.replace(".", ",") in body
    assert len(chart["values"]) == len(chart["labels"]) == body.count("<time datetime=") - 3 - 1


def test_device_page_chart_of_a_chosen_series_and_period(agent, sensor):
    client = logged_in_client(agent)
    body = client.get(f"/capteurs/{ARRAS_EUI}/?serie=temperature").content.decode()
    hourly = _chart_json(body)
    assert hourly["unit"] == "°C"
    # Two readings in the first hour (18 and 20: mean 19), one in the second (21.5).
    assert hourly["values"] == [19.0, 21.5]
    assert "Moyenne (°C)" in body
    daily = _chart_json(
        client.get(f"/capteurs/{ARRAS_EUI}/?serie=temperature&periode=jours").content.decode()
    )
    assert sum(daily["values"]) > 0 and len(daily["values"]) in (1, 2)
    # Unknown choices fall back to the defaults rather than failing.
    assert client.get(f"/capteurs/{ARRAS_EUI}/?serie=xx&periode=yy").status_code == 200


def test_device_page_without_data(agent, arras):
    Device.objects.create(
        commune=arras,
        dev_eui="00000000000000c1",
        name="Neuf",
        model="dragino-lwl02",
        reporting_interval_s=7200,
    )
    body = logged_in_client(agent).get("/capteurs/00000000000000c1/").content.decode()
    assert "aucune mesure" in body and "sensors-chart-data" not in body
    assert "chart.umd.js" not in body


def test_pages_have_no_inline_code(agent, sensor):
    client = logged_in_client(agent)
    for url in [
        "/capteurs/",
        f"/capteurs/{ARRAS_EUI}/",
        "/capteurs/enregistrer/",
        "/capteurs/importer/",
        "/capteurs/a-enregistrer/",
        "/capteurs/quarantaine/",
    ]:
        body = client.get(url).content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
        assert all('type="application/json"' in attrs for attrs in scripts), url
        assert not re.search(r"\sstyle=\"", body), url
        assert not re.search(r"<[^>]+\son[a-z]+=", body), url


# --- registration ---------------------------------------------------------------------------


def test_registration_errors_keep_what_was_typed(agent):
    client = logged_in_client(agent)
    response = client.post(
        "/capteurs/enregistrer/",
        {
            "dev_eui": "pas-un-eui",
            "name": "Compteur gymnase",
            "model": "milesight-em300-di",
            "latitude": "50,2910",
            "place": "Gymnase",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "<title>Erreur — Enregistrer un capteur" in body
    assert "Le formulaire contient 1 erreur" in body and 'href="#id_dev_eui"' in body
    assert 'value="pas-un-eui"' in body and 'value="Compteur gymnase"' in body
    assert 'value="Gymnase"' in body and 'value="50,29100"' in body or 'value="50,2910"' in body
    assert 'aria-invalid="true"' in body and "id_dev_eui_error" in body
    assert not Device.objects.exists()


def test_registration_with_a_duplicate_deveui_is_explained(agent, sensor):
    response = logged_in_client(agent).post(
        "/capteurs/enregistrer/",
        {"dev_eui": ARRAS_EUI.upper(), "name": "Doublon", "model": "milesight-em300-th"},
    )
    assert response.status_code == 400
    assert "déjà enregistré" in response.content.decode()


def test_registration_from_the_to_register_list(agent, integration):
    send(integration, UNKNOWN_EUI, em300_th(19.5), timezone.now() - timedelta(minutes=5))
    client = logged_in_client(agent)
    listing = client.get("/capteurs/a-enregistrer/").content.decode()
    assert UNKNOWN_EUI.upper() in listing
    assert f'href="/capteurs/enregistrer/?dev_eui={UNKNOWN_EUI}"' in listing
    form = client.get(f"/capteurs/enregistrer/?dev_eui={UNKNOWN_EUI}").content.decode()
    assert f'value="{UNKNOWN_EUI}"' in form
    response = client.post(
        "/capteurs/enregistrer/",
        {
            "dev_eui": UNKNOWN_EUI,
            "name": "Sonde salle des fêtes",
            "model": "milesight-em300-th",
            "latitude": "50.2910712",
            "longitude": "2,78",
            "installed_on": "2026-03-02",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/capteurs/{UNKNOWN_EUI}/"
    body = response.content.decode()
    assert "Le capteur « Sonde salle des fêtes » est enregistré." in body
    device = Device.objects.get(dev_eui=UNKNOWN_EUI)
    assert str(device.latitude) == "50.29107" and device.installed_on.isoformat() == "2026-03-02"
    assert AuditEntry.objects.filter(action="sensors.device_register").count() == 1
    # Its backlog was decoded: its temperature is shown.
    assert "19,5" in body
    assert UNKNOWN_EUI.upper() not in client.get("/capteurs/a-enregistrer/").content.decode()


# --- CSV import -----------------------------------------------------------------------------


def _upload(content: str, name: str = "capteurs.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def test_import_reports_each_bad_line(agent):
    content = (
        "dev_eui;nom;modele;latitude;longitude;lieu;installe_le;etiquettes\n"
        "24E124136B100001;Compteur A;milesight-em300-di;50,29;2,78;Gymnase;2026-03-02;eau\n"
        "pas-un-eui;Compteur B;milesight-em300-di;;;;;\n"
        "24E124136B100003;Compteur C;modele-inconnu;;;;;\n"
        "24E124136B100004;Compteur D;dragino-lwl02;;;;;\n"
    )
    response = logged_in_client(agent).post("/capteurs/importer/", {"file": _upload(content)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 capteurs enregistrés" in body and "2 lignes refusées" in body
    assert re.search(r'<th scope="row" class="num">3</th><td>Le DevEUI', body)
    assert re.search(r'<th scope="row" class="num">4</th><td>Modèle inconnu', body)
    assert Device.objects.count() == 2


def test_import_page_documents_the_columns_with_an_example(agent):
    client = logged_in_client(agent)
    body = client.get("/capteurs/importer/").content.decode()
    for column in services.CSV_COLUMNS:
        assert f"<code>{column}</code>" in body
    assert 'href="/capteurs/importer/exemple.csv"' in body
    example = client.get("/capteurs/importer/exemple.csv")
    content = b"".join(example.streaming_content)
    # The example imports cleanly.
    response = client.post(
        "/capteurs/importer/", {"file": SimpleUploadedFile("exemple.csv", content)}
    )
    assert "2 capteurs enregistrés" in response.content.decode()
    assert "Aucune ligne refusée" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("capteurs.txt", "dev_eui;nom;modele\n", "extension .csv"),
        ("capteurs.csv", "a;b;c\n1;2;3\n", "Colonnes manquantes"),
        ("capteurs.csv", "dev_eui;nom;modele\n" + "x" * (2 * 1024 * 1024), "dépasse 2 Mo"),
        ("capteurs.csv", "dev_eui;nom;modele\n;" + "x" * 200_000 + ";\n", "lu comme un CSV"),
    ],
)
def test_import_refuses_unusable_files(agent, name, content, message):
    response = logged_in_client(agent).post("/capteurs/importer/", {"file": _upload(content, name)})
    body = response.content.decode()
    assert response.status_code == 400 and message in body
    assert "<title>Erreur — Importer des capteurs" in body


def test_import_without_a_file(agent):
    response = logged_in_client(agent).post("/capteurs/importer/", {})
    assert response.status_code == 400 and 'href="#id_file"' in response.content.decode()


# --- quarantine -----------------------------------------------------------------------------


@pytest.fixture
def quarantined(sensor, integration):
    """Two messages quarantined while the device's model had no codec, then fixed."""
    Device.objects.filter(pk=sensor.pk).update(model="modele-retire")
    now = timezone.now()
    for minutes in (3, 2):
        send(integration, ARRAS_EUI, em300_th(22), now - timedelta(minutes=minutes))
    Device.objects.filter(pk=sensor.pk).update(model="milesight-em300-th")
    uplinks = list(RawUplink.objects.filter(state=UplinkState.QUARANTINED).order_by("pk"))
    assert len(uplinks) == 2
    return uplinks


def test_quarantine_lists_messages_with_reason(agent, quarantined):
    body = logged_in_client(agent).get("/capteurs/quarantaine/").content.decode()
    assert "2 messages en quarantaine" in body
    assert "Modèle de capteur sans décodeur : modele-retire" in body
    assert ARRAS_EUI.upper() in body and "ChirpStack Arras" in body
    assert body.count('type="checkbox"') == 2


def test_replay_the_checked_messages(agent, quarantined):
    client = logged_in_client(agent)
    response = client.post(
        "/capteurs/quarantaine/rejouer/", {"uplink": [str(quarantined[0].pk)]}, follow=True
    )
    assert "1 message rejoué : 1 enregistré." in response.content.decode()
    states = [RawUplink.objects.get(pk=u.pk).state for u in quarantined]
    assert states == [UplinkState.STORED, UplinkState.QUARANTINED]
    assert AuditEntry.objects.filter(action="sensors.uplinks_replay").count() == 1


def test_replay_everything_shown_works_without_javascript(agent, quarantined):
    client = logged_in_client(agent)
    page = client.get("/capteurs/quarantaine/").content.decode()
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    response = client.post(
        "/capteurs/quarantaine/rejouer/", {"all": "1", "shown": shown}, follow=True
    )
    assert "2 messages rejoués : 2 enregistrés." in response.content.decode()
    assert not RawUplink.objects.filter(state=UplinkState.QUARANTINED).exists()


def test_replay_without_a_choice_says_what_to_do(agent, quarantined):
    response = logged_in_client(agent).post("/capteurs/quarantaine/rejouer/", {}, follow=True)
    assert "Aucun message choisi" in response.content.decode()


def test_unreadable_messages_are_listed_but_not_replayed(agent, integration):
    ingest.quarantine_unreadable(integration, b"{pas du json", "Corps illisible : JSON invalide")
    uplink = RawUplink.objects.get()
    client = logged_in_client(agent)
    body = client.get("/capteurs/quarantaine/").content.decode()
    assert "Corps illisible" in body and 'type="checkbox"' not in body
    response = client.post(
        "/capteurs/quarantaine/rejouer/", {"uplink": [str(uplink.pk)]}, follow=True
    )
    assert "1 message illisible ne peut pas être rejoué." in response.content.decode()


# --- integrations ---------------------------------------------------------------------------


def test_an_integration_secret_is_shown_once(admin, arras):
    client = logged_in_client(admin)
    response = client.post(
        "/capteurs/integrations/",
        {"name": "ChirpStack mairie", "source": "chirpstack", "scope": "62041"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="new-secret" type="text" readonly value="([^"]+)"', body).group(1)
    assert services.integration_authenticate(secret, "chirpstack").commune == arras
    assert "http://testserver/api/v1/sensors/ingest/chirpstack" in body
    assert f"Bearer {secret}" in body and "sensors_consume" in body
    again = client.get("/capteurs/integrations/")
    assert secret not in again.content.decode() and "ChirpStack mairie" in again.content.decode()
    assert "no-store" in again["Cache-Control"]


def test_integration_form_errors_and_scopes(admin, arras):
    client = logged_in_client(admin)
    response = client.post("/capteurs/integrations/", {"name": "", "source": "x", "scope": "62099"})
    body = response.content.decode()
    assert response.status_code == 400 and "<title>Erreur — " in body
    assert "Le formulaire contient 3 erreurs" in body
    # A commune administrator configures the commune's integrations, not the territory's.
    assert 'value="territoire"' not in body and 'value="62041"' in body
    cua = logged_in_client(person_with_role(Role.CUA_ADMIN))
    response = cua.post(
        "/capteurs/integrations/", {"name": "TTS CUA", "source": "tts", "scope": "territoire"}
    )
    assert "http://testserver/api/v1/sensors/ingest/tts" in response.content.decode()
    secret = re.search(r'value="(lns_[^"]+)"', response.content.decode()).group(1)
    assert services.integration_authenticate(secret, "tts").commune is None


def test_agents_do_not_configure_integrations(agent):
    client = logged_in_client(agent)
    assert client.get("/capteurs/integrations/").status_code == 403
    assert "Intégrations" not in client.get("/capteurs/").content.decode()
