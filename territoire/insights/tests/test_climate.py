"""The DJU source of the climate correction: the outdoor reference sensor chosen by its tag,
measured days from its daily rollups, the shipped normals as fallback; the building
settings page; raw and corrected figures on the pages and in the OPERAT export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.insights import climate, dashboards
from territoire.insights.indicators import buildings as maths
from territoire.insights.models import Building
from territoire.insights.tests.factories import device, history

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="insights", email="agent@arras.fr")


@pytest.fixture
def elected(arras):
    return person_with_role(Role.ELECTED, arras, email="elu@arras.fr")


def thermometer(commune, dev_eui, tags, name="Température extérieure"):
    return device(commune, dev_eui, name, "milesight-em300-th", tags=tags)


def hourly(day: date, low: float, high: float, hours: int = 24):
    """Hourly readings of a local day going from ``low`` to ``high`` and back."""
    instants, values = [], []
    for h in range(hours):
        instants.append(datetime(day.year, day.month, day.day, h, 30, tzinfo=PARIS))
        values.append(low + (high - low) * (1 - abs(h - 12) / 12))
    return instants, values


def test_the_outdoor_tag_is_read_without_accents_case_or_spaces():
    assert climate.is_outdoor_reference(["Température extérieure"])
    assert climate.is_outdoor_reference(["bruit", "temperature-exterieure"])
    assert climate.is_outdoor_reference(["TEMPERATURE_EXTERIEURE"])
    assert not climate.is_outdoor_reference(["température", "extérieur"])
    assert not climate.is_outdoor_reference(None)


def test_the_communes_own_sensor_first_then_the_territorys(arras, beaurains):
    indoor = device(arras, "24e124de00000001", "Salle", "milesight-em300-th", tags=["confort"])
    history(indoor, "temperature", [datetime(2026, 1, 5, tzinfo=UTC)], [20])
    assert climate.outdoor_station(arras.pk) is None  # a room is no outdoor reference
    other = thermometer(beaurains, "24e124de00000002", ["temperature-exterieure"])
    history(other, "temperature", [datetime(2026, 1, 5, tzinfo=UTC)], [3])
    assert climate.outdoor_station(arras.pk).commune_id == beaurains.pk
    own = thermometer(arras, "24e124de00000003", ["température extérieure"], name="Station")
    history(own, "temperature", [datetime(2026, 1, 4, tzinfo=UTC)], [3])
    station = climate.outdoor_station(arras.pk)
    assert station.device == "Station" and station.commune_id == arras.pk
    assert climate.outdoor_station(beaurains.pk).commune_id == beaurains.pk


def test_measured_days_and_the_fallback_to_the_normals(arras):
    """5 Jan 2026 from 2 to 8 °C → 13 DJU; 6 Jan at 20 °C → 0; 7 Jan only 3 readings →
    not measured, filled with 428/31."""
    sensor = thermometer(arras, "24e124de00000003", ["temperature-exterieure"])
    instants, values = [], []
    for day, low, high, hours in (
        (date(2026, 1, 5), 2, 8, 24),
        (date(2026, 1, 6), 20, 20, 24),
        (date(2026, 1, 7), 0, 0, 3),
    ):
        i, v = hourly(day, low, high, hours)
        instants += i
        values += v
    history(sensor, "temperature", [i.astimezone(UTC) for i in instants], values)
    source = climate.dju_between(arras.pk, date(2026, 1, 5), date(2026, 1, 8))
    assert source.dju.measured_days == 2
    assert source.dju.total == pytest.approx(13 + 0 + 428 / 31)
    assert source.dju.normal == pytest.approx(3 * 428 / 31)
    assert source.corrects
    assert "« Température extérieure » (Arras), 2 jours mesurés, 1 complété" in source.label


def test_without_outdoor_sensor_the_normals_make_a_neutral_correction(arras):
    source = climate.dju_between(arras.pk, date(2026, 1, 1), date(2026, 2, 1))
    assert source.station is None and not source.corrects
    assert source.dju.total == pytest.approx(428) == pytest.approx(source.dju.normal)
    assert "normales approchées" in source.label


def year_of_electricity(commune, kwh_per_day=200.0):
    """340 days at ``kwh_per_day`` up to yesterday (a year to compare with the reference)."""
    meter = device(commune, "24e124de00000011", "Électricité — mairie", "generic-electricity-pulse")
    start = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
    instants = [start - timedelta(days=340 - i) for i in range(341)]
    history(meter, "energie", instants, [kwh_per_day * 1000 * i for i in range(341)])
    return meter


def mild_year(commune):
    """An outdoor sensor whose every day of the last 365 averages 10 °C: 8 DJU a day."""
    sensor = thermometer(commune, "24e124de00000003", ["temperature-exterieure"])
    end = dashboards.today()
    instants, values = [], []
    for i in range(365, 0, -1):
        day = end - timedelta(days=i)
        for h in (3, 6, 9, 12, 15, 18, 21, 23):
            instants.append(datetime(day.year, day.month, day.day, h, tzinfo=PARIS))
            values.append(6.0 if h == 3 else 14.0 if h == 15 else 10.0)
    history(sensor, "temperature", [i.astimezone(UTC) for i in instants], values)


def test_the_pages_show_raw_and_corrected_figures_with_their_dju_source(arras, agent):
    """68,000 kWh measured (340 days × 200) against 100,000 (2019, 2,643 DJU = normal):
    365 days at 8 DJU = 2,920 DJU, colder than normal, so the heating share (50 %) is
    brought down: 34,000 + 34,000 × 2,643·k / 2,920 where k = the normal of those days
    / 2,643 (≈ 1, the window straddles one 29 February at most)."""
    meter = year_of_electricity(arras)
    mild_year(arras)
    building = Building.objects.create(
        commune=arras,
        name="Mairie",
        reference_year=2019,
        reference_kwh=100_000,
        reference_dju=2643,
        heating_share=0.5,
    )
    building.devices.add(meter)
    source = climate.dju_last_year(arras.pk)
    assert source.dju.measured_days == 365 and source.dju.total == pytest.approx(2920)
    normal = source.dju.normal
    kwh, _ = dashboards.building_last_year(building)
    expected_now = kwh / 2 + kwh / 2 * normal / 2920
    expected_ref = 50_000 + 50_000 * normal / 2643
    client = logged_in_client(agent)
    page = client.get(f"/indicateurs/batiments/{building.pk}/").content.decode()
    assert "Corrigés du climat" in page and "Bruts (mesurés)" in page
    assert f"{round(expected_now):,}".replace(",", "\u202f") in page or str(
        round(expected_now)
    ) in page.replace("\u202f", "").replace("\xa0", "")
    assert "« Température extérieure » (Arras), 365 jours mesurés" in page
    change = round((expected_now / expected_ref - 1) * 100)
    assert f'<td class="num">−{abs(change)} %</td>' in page
    summary = client.get("/indicateurs/synthese/").content.decode().replace("\xa0", "")
    summary = summary.replace("\u202f", "")
    saved_corrected = round(expected_ref - expected_now)
    assert f"{saved_corrected} kWh corrigés du climat, {round(100_000 - kwh)} kWh bruts" in summary
    assert "source des DJU : capteur de température extérieure" in summary


def test_operat_export_has_what_the_declaration_needs(arras, agent):
    meter = year_of_electricity(arras)
    building = Building.objects.create(
        commune=arras, name="Mairie", floor_area_m2=1500, reference_year=2019,
        reference_kwh=100_000, reference_dju=2700,
    )  # fmt: skip
    building.devices.add(meter)
    response = logged_in_client(agent).get(f"/indicateurs/batiments/{building.pk}/operat.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    for column in ("Surface de plancher (m²)", "Énergie", "Code INSEE", "Source des DJU",
                   "Consommation (kWh d'énergie finale)", "DJU de la période (base 18 °C)",
                   "Consommation corrigée du climat (kWh, indicatif)", "Année de référence",
                   "Consommation de l'année de référence (kWh)"):  # fmt: skip
        assert column in header
    assert len(rows) == 14  # header, 12 months, the 12 months' total
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Mois"].endswith("(total)") and total["Code INSEE"] == arras.insee_code
    months = [dict(zip(header, r, strict=True)) for r in rows[1:-1]]
    kwh = sum(float(m["Consommation (kWh d'énergie finale)"]) for m in months)
    assert float(total["Consommation (kWh d'énergie finale)"]) == pytest.approx(kwh, abs=1)
    # No outdoor sensor: the normals, a neutral correction, said so.
    assert "normales approchées" in total["Source des DJU"]
    assert float(total["Consommation corrigée du climat (kWh, indicatif)"]) == pytest.approx(
        kwh, abs=1
    )
    assert total["Surface de plancher (m²)"] == "1500" and total["Énergie"] == "Électricité"


def test_the_agent_changes_the_building_settings_with_one_audit_entry(arras, agent):
    building = Building.objects.create(commune=arras, name="Mairie")
    client = logged_in_client(agent)
    url = f"/indicateurs/batiments/{building.pk}/reglages/"
    assert client.get(url).status_code == 200
    form = {
        "floor_area_m2": "1500",
        "reference_year": "2019",
        "reference_kwh": "120000",
        "heating_share": "55",
        "reference_dju": "2710",
    }
    with audit_entries_added(expected=1):
        response = client.post(url, form)
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.heating_share == pytest.approx(0.55)
    assert (building.reference_year, building.reference_kwh) == (2019, 120_000)
    assert building.reference_dju == 2710 and building.floor_area_m2 == 1500


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reference_year", "2021", "2019"),
        ("heating_share", "140", "100"),
        ("heating_share", "", "obligatoire"),
        ("reference_kwh", "", "ensemble"),
        ("reference_dju", "abc", "nombre"),
    ],
)
def test_bad_settings_are_refused_in_french_keeping_what_was_typed(
    arras, agent, field, value, message
):
    building = Building.objects.create(commune=arras, name="Mairie")
    form = {"reference_year": "2019", "reference_kwh": "120000", "heating_share": "60",
            "floor_area_m2": "1500", field: value}  # fmt: skip
    client = logged_in_client(agent)
    with audit_entries_added(expected=0):
        response = client.post(f"/indicateurs/batiments/{building.pk}/reglages/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'value="1500"' in page
    building.refresh_from_db()
    assert building.reference_year is None


def test_elected_officials_and_other_communes_cannot_change_settings(arras, beaurains, elected):
    mine = Building.objects.create(commune=arras, name="Mairie")
    theirs = Building.objects.create(commune=beaurains, name="Mairie de Beaurains")
    reader = logged_in_client(elected)
    assert reader.get(f"/indicateurs/batiments/{mine.pk}/reglages/").status_code == 403
    page = reader.get(f"/indicateurs/batiments/{mine.pk}/").content.decode()
    assert "Modifier les réglages" not in page
    agent = person_with_role(Role.AGENT, arras, module="insights", email="a2@arras.fr")
    assert_commune_isolation(
        logged_in_client(agent),
        hidden_urls=[f"/indicateurs/batiments/{theirs.pk}/reglages/"],
        writes=[("post", f"/indicateurs/batiments/{theirs.pk}/reglages/", {"heating_share": "50"})],
    )


def test_normals_are_the_reference_climate_of_a_full_year():
    days = [date(2025, 3, 1) + timedelta(days=i) for i in range(365)]
    assert maths.period_dju(days, {}).normal == pytest.approx(2643)
