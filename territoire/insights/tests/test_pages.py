"""Pages: every dashboard renders for agents and elected officials of the commune, shows
nothing of another commune, and bad input never gives a 500; CSV downloads and open data
(validated with frictionless against the shipped Table Schemas)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.insights import dashboards, services
from territoire.insights.models import Alert, AlertRule, AlertState, Building
from territoire.insights.tests.factories import device, history

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(arras, beaurains):
    """Two communes with a water meter, a counter, a sound sensor, spaces and an alert."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=48 - i) for i in range(48)]
    out = {}
    for commune, prefix in ((arras, "a"), (beaurains, "b")):
        name = commune.name
        meter = device(
            commune,
            f"24e124de000{prefix}0001",
            f"Eau — mairie de {name}",
            "milesight-em300-di",
            tags=["eau"],
            latitude=50.29,
            longitude=2.77,
        )
        history(meter, "impulsions", hours, [1000 + 10 * i for i in range(48)])
        counter = device(
            commune,
            f"02c0de00000{prefix}0021",
            f"Vélos — {name}",
            "generic-bidirectional-counter",
            tags=["vélo"],
        )
        history(counter, "passages_entree", hours, [5 * i for i in range(48)])
        sound = device(commune, f"24e124de000{prefix}0031", f"Bruit — {name}", "milesight-ws302")
        history(sound, "laeq", hours, [60.0] * 48)
        space = device(
            commune,
            f"02b0c5de000{prefix}0101",
            f"Place — {name}",
            "bosch-tps110",
            tags=["stationnement", f"parking-{prefix}"],
        )
        history(space, "occupation", hours[-2:], [0, 1])
        building = Building.objects.create(
            commune=commune,
            name=f"Mairie de {name}",
            reference_year=2019,
            reference_kwh=50_000,
            latitude=50.29,
            longitude=2.77,
        )
        building.devices.add(meter)
        rule = AlertRule.objects.create(commune=commune, kind="leak", name="Fuites")
        alert, _ = services.alert_raise(
            rule=rule,
            subject_key=meter.dev_eui,
            device=meter,
            subject=meter.name,
            title=f"Fuite à {name}",
        )
        out[prefix] = {"alert": alert, "building": building, "meter": meter}
    return out


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="insights", email="agent@arras.fr")


@pytest.fixture
def elected(arras):
    return person_with_role(Role.ELECTED, arras, email="elu@arras.fr")


PAGES = [
    "/indicateurs/",
    "/indicateurs/?commune=arras",
    "/indicateurs/domaine/eau/",
    "/indicateurs/domaine/energie/",
    "/indicateurs/domaine/bruit/",
    "/indicateurs/domaine/air/",
    "/indicateurs/domaine/mobilite/",
    "/indicateurs/domaine/stationnement/",
    "/indicateurs/synthese/",
    "/indicateurs/carte/",
    "/indicateurs/batiments/",
    "/indicateurs/alertes/",
    "/indicateurs/alertes/?etat=closed&type=leak",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_show_the_communes_data_and_nothing_of_another(url, data, agent):
    client = logged_in_client(agent)
    response = client.get(url)
    assert response.status_code == 200
    assert "Beaurains" not in response.content.decode()
    assert_commune_isolation(client, lists=[(url, "Fuite à Beaurains"), (url, "Bruit — Beaurains")])


def test_detail_pages_and_writes_of_another_commune_are_hidden(data, agent):
    b = data["b"]
    assert_commune_isolation(
        logged_in_client(agent),
        hidden_urls=[
            f"/indicateurs/alertes/{b['alert'].pk}/",
            f"/indicateurs/batiments/{b['building'].pk}/",
        ],
        writes=[
            ("post", f"/indicateurs/alertes/{b['alert'].pk}/prendre-en-compte/", {}),
            ("post", f"/indicateurs/alertes/{b['alert'].pk}/clore/", {"texte": "x"}),
        ],
    )


def test_overview_figures(data, agent):
    response = logged_in_client(agent).get("/indicateurs/?commune=arras")
    body = response.content.decode()
    assert "Fuite à Arras" in body
    water = dashboards.water({data["a"]["meter"].commune_id}, days=3)
    assert sum(v or 0 for _, v in water.rows) == pytest.approx(0.47, abs=0.01)  # 47 × 10 L
    assert "Parking A" in body and "1 places occupées sur 1" in body


def test_the_agent_acknowledges_and_comments_from_the_page(data, agent):
    alert = data["a"]["alert"]
    client = logged_in_client(agent)
    with audit_entries_added(1):
        response = client.post(f"/indicateurs/alertes/{alert.pk}/prendre-en-compte/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.assignee == agent
    with audit_entries_added(0):
        response = client.post(f"/indicateurs/alertes/{alert.pk}/commenter/", {"texte": "  "})
    assert response.status_code == 400 and "Écrivez un commentaire" in response.content.decode()
    with audit_entries_added(0):
        response = client.post(f"/indicateurs/alertes/{alert.pk}/attribuer/", {"personne": "x"})
    assert response.status_code == 400 and "Choisissez une personne" in response.content.decode()
    long = "é" * 4001
    response = client.post(f"/indicateurs/alertes/{alert.pk}/commenter/", {"texte": long})
    assert response.status_code == 400 and long in response.content.decode()  # kept as typed
    response = client.post(f"/indicateurs/alertes/{alert.pk}/clore/", {"texte": "Réparée"})
    assert Alert.objects.get(pk=alert.pk).state == AlertState.CLOSED
    assert client.post(f"/indicateurs/alertes/{alert.pk}/inconnue/").status_code == 404


def test_elected_officials_read_but_do_not_handle(data, elected):
    client = logged_in_client(elected)
    alert = data["a"]["alert"]
    page = client.get(f"/indicateurs/alertes/{alert.pk}/").content.decode()
    assert "Prendre en compte" not in page
    assert client.post(f"/indicateurs/alertes/{alert.pk}/prendre-en-compte/").status_code == 403
    summary = client.get("/indicateurs/synthese/").content.decode()
    assert "Fuite à Arras" in summary and "Fuite à Beaurains" not in summary


def test_people_without_a_role_and_visitors_are_kept_out(data, arras):
    citizen = person_with_role(Role.CITIZEN, arras, email="habitant@exemple.fr")
    assert logged_in_client(citizen).get("/indicateurs/").status_code == 403
    from django.test import Client

    assert Client().get("/indicateurs/").status_code == 302


def test_unknown_commune_and_domain_are_404_not_500(data, agent):
    client = logged_in_client(agent)
    assert client.get("/indicateurs/?commune=nulle-part").status_code == 404
    assert client.get("/indicateurs/domaine/inconnu/").status_code == 404
    assert client.get("/indicateurs/alertes/?etat=zz&type=zz&page=x").status_code == 200
    assert client.get("/indicateurs/alertes/?etat=%00").status_code == 400  # core refuses NUL
    assert client.get("/indicateurs/alertes/direct.json?apres=abc").status_code == 200


def test_live_feed_gives_new_alerts_of_the_communes_only(data, agent):
    client = logged_in_client(agent)
    a = data["a"]["alert"]
    feed = client.get(f"/indicateurs/alertes/direct.json?apres={a.pk - 1}").json()
    assert [x["title"] for x in feed["alerts"]] == ["Fuite à Arras"]
    assert feed["active"] == 1 and feed["newest_reading"]
    assert (
        client.get(f"/indicateurs/alertes/direct.json?apres={feed['last_id']}").json()["alerts"]
        == []
    )


def test_subscription_from_the_alerts_page(data, agent, arras):
    client = logged_in_client(agent)
    with audit_entries_added(1):
        client.post("/indicateurs/alertes/abonnement/", {"commune": "arras", "abonne": "1"})
    with audit_entries_added(0):  # already subscribed: nothing to record
        client.post("/indicateurs/alertes/abonnement/", {"commune": "arras", "abonne": "1"})
    assert (
        client.post(
            "/indicateurs/alertes/abonnement/", {"commune": "beaurains", "abonne": "1"}
        ).status_code
        == 404
    )


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_chart_csv_downloads(data, agent):
    client = logged_in_client(agent)
    rows = _csv(client.get("/indicateurs/domaine/eau.csv"))
    assert rows[0] == ["Jour", "Consommation d'eau par jour (m³)"] and len(rows) == 31
    rows = _csv(client.get("/indicateurs/domaine/bruit.csv?commune=arras"))
    assert rows[1][0] == "Bruit — Arras" and len(rows) == 2
    building = data["a"]["building"]
    rows = _csv(client.get(f"/indicateurs/batiments/{building.pk}/operat.csv"))
    assert rows[0][0] == "Bâtiment" and rows[1][0] == "Mairie de Arras" and len(rows) == 14
    rows = _csv(client.get(f"/indicateurs/batiments/{building.pk}/eau.csv"))
    assert rows[0] == ["Jour", "Eau par jour (m³)"]
    assert client.get(f"/indicateurs/batiments/{building.pk}/autre.csv").status_code == 404
    other = data["b"]["building"]
    assert client.get(f"/indicateurs/batiments/{other.pk}/operat.csv").status_code == 404
    assert client.get("/indicateurs/domaine/eau.csv?commune=beaurains").status_code == 404


def test_building_page(data, agent):
    building = data["a"]["building"]
    page = logged_in_client(agent).get(f"/indicateurs/batiments/{building.pk}/").content.decode()
    assert "Référence 2019" in page and "année complète de mesures" in page
    assert "Eau par jour" in page


@pytest.mark.parametrize(
    "slug", ["comptages-mobilites-jour", "bruit-jour", "stationnement-heure", "batiments-mois"]
)
def test_open_data_is_valid_against_its_table_schema(slug, data, client, tmp_path):
    from frictionless import Resource, Schema, formats

    response = client.get(f"/indicateurs/donnees-ouvertes/{slug}.csv")
    assert response.status_code == 200
    path = tmp_path / f"{slug}.csv"
    path.write_bytes(b"".join(response.streaming_content).removeprefix("\ufeff".encode()))
    schema = Schema.from_descriptor(
        client.get(f"/indicateurs/donnees-ouvertes/{slug}.schema.json").json()
    )
    report = Resource(
        path=path.name,
        basepath=str(tmp_path),
        schema=schema,
        control=formats.CsvControl(delimiter=";"),
    ).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = json.loads(client.get(f"/indicateurs/donnees-ouvertes/{slug}.json").content)
    assert rows, "the demo data gives at least one row"
    assert set(rows[0]) <= {f["name"] for f in schema.to_descriptor()["fields"]}


def test_dcat_catalogue(client):
    catalogue = client.get("/indicateurs/donnees-ouvertes/catalogue.jsonld").json()
    assert catalogue["@type"] == "dcat:Catalog" and len(catalogue["dcat:dataset"]) == 4
    first = catalogue["dcat:dataset"][0]["dcat:distribution"][0]
    assert first["dcat:mediaType"] == "text/csv" and first["dct:conformsTo"].endswith(
        ".schema.json"
    )
    assert client.get("/indicateurs/donnees-ouvertes/").status_code == 200
    assert client.get("/indicateurs/donnees-ouvertes/inconnu.csv").status_code == 404
    assert client.get("/indicateurs/donnees-ouvertes/bruit-jour.xml").status_code == 404


def test_rules_are_created_and_changed_by_handlers_only(data, agent, elected, arras):
    client = logged_in_client(agent)
    assert "Fuites" in client.get("/indicateurs/alertes/regles/").content.decode()
    form = {
        "commune": "arras",
        "kind": "threshold",
        "name": "CO₂ en classe",
        "is_active": "on",
        "quantity": "",
        "above": "",
        "percent": "12",
    }
    with audit_entries_added(0):
        response = client.post("/indicateurs/alertes/regles/nouvelle/", form)
    page = response.content.decode()
    assert response.status_code == 400 and "Indiquez la mesure surveillée" in page
    assert "CO₂ en classe" in page  # what was typed is kept
    form |= {"quantity": "co2", "above": "1500"}
    with audit_entries_added(1):
        response = client.post("/indicateurs/alertes/regles/nouvelle/", form)
    assert response.status_code == 302
    rule = AlertRule.objects.get(name="CO₂ en classe")
    assert rule.params == {"quantity": "co2", "above": 1500.0}  # the battery field is dropped
    form = {"commune": "beaurains", "kind": "leak", "name": "Ailleurs"}
    assert client.post("/indicateurs/alertes/regles/nouvelle/", form).status_code == 400
    assert not AlertRule.objects.filter(name="Ailleurs").exists()
    other = AlertRule.objects.get(commune__slug="beaurains")
    assert client.get(f"/indicateurs/alertes/regles/{other.pk}/").status_code == 404
    reader = logged_in_client(elected)
    assert reader.get("/indicateurs/alertes/regles/nouvelle/").status_code == 403
    assert reader.post(f"/indicateurs/alertes/regles/{rule.pk}/", form).status_code == 403


def test_a_full_year_of_electricity_is_compared_with_the_reference(arras, agent):
    """340 days at 200 kWh/day = 68,000 kWh against a 100,000 kWh reference: −32 %, on the
    linear path (−24 % required in 2026) and counted as 32,000 kWh saved on the summary."""
    meter = device(arras, "24e124de00000011", "Électricité — mairie", "generic-electricity-pulse")
    start = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
    instants = [start - timedelta(days=340 - i) for i in range(341)]
    history(meter, "energie", instants, [200_000.0 * i for i in range(341)])  # Wh
    building = Building.objects.create(
        commune=arras, name="Mairie", reference_year=2019, reference_kwh=100_000
    )
    building.devices.add(meter)
    kwh, days = dashboards.building_last_year(building)
    assert days >= 330 and kwh == pytest.approx(68_000, rel=0.01)
    client = logged_in_client(agent)
    page = client.get(f"/indicateurs/batiments/{building.pk}/").content.decode()
    assert "sur la trajectoire" in page
    summary = client.get("/indicateurs/synthese/").content.decode()
    assert "(1 bâtiment, 365 derniers jours)" in summary


def test_the_worker_warms_the_day_long_figures_of_the_pages(data, agent, arras, monkeypatch):
    """After the hourly task, the summary of the territory and of a commune reads the year
    of counts, the buildings' last year and the DJU from the cache, computing none."""
    from territoire.insights import climate, tasks

    Building.objects.filter(commune=arras).update(reference_kwh=50_000)
    tasks.warm_dashboards.call_local()

    def boom(*args, **kwargs):
        raise AssertionError("computed on a page although warmed")

    monkeypatch.setattr(dashboards, "_mobility_summary", boom)
    monkeypatch.setattr(dashboards, "_buildings_last_year", boom)
    monkeypatch.setattr(climate, "dju_between", boom)
    client = logged_in_client(agent)
    assert client.get("/indicateurs/synthese/").status_code == 200
    assert client.get("/indicateurs/synthese/?commune=arras").status_code == 200
    assert client.get("/indicateurs/").status_code == 200
    # A refresh recomputes even when the entry exists (late readings count within the hour).
    with pytest.raises(AssertionError, match="computed"):
        dashboards.mobility_summary({arras.pk}, refresh=True)


def test_cycling_change_on_the_same_counters_only(arras, agent):
    """Less than a year of data: the last 28 days against the 28 before. Counter A: 10
    passages a day, then 12 (+20 %); counter B reports only in the last 28 days, so it is
    left out (it would fake growth)."""
    end = dashboards.today()
    first = end - timedelta(days=57)

    def noon(day):
        return datetime(day.year, day.month, day.day, 12, tzinfo=dashboards.PARIS).astimezone(UTC)

    for dev_eui, start_day in (
        ("02c0de00000a0021", first),
        ("02c0de00000a0022", end - timedelta(days=29)),
    ):
        counter = device(arras, dev_eui, f"Vélos {dev_eui[-1]}", "generic-bidirectional-counter",
                         tags=["vélo"])  # fmt: skip
        days = [start_day + timedelta(days=i) for i in range((end - start_day).days)]
        values, total = [], 0.0
        for day in days:
            total += 12 if day >= end - timedelta(days=28) else 10
            values.append(total)
        history(counter, "passages_entree", [noon(d) for d in days], values)
    summary = dashboards.mobility_summary({arras.pk})
    assert summary.growth_label == "sur les 28 derniers jours"
    assert summary.growth.counters == 1
    assert (summary.growth.before, summary.growth.after) == (280, 336)
    assert summary.growth.change == pytest.approx(0.2)
    page = logged_in_client(agent).get("/indicateurs/synthese/").content.decode()
    assert "20 % (1 compteur)" in page
