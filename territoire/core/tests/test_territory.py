"""The territory and its communes load from the shipped CSV, idempotently."""

import csv

import pytest

from territoire.core.models import AuditEntry, Commune, Territory
from territoire.core.services import COMMUNES_CSV, territory_load


@pytest.mark.django_db
def test_load_creates_the_cua_and_its_46_communes():
    report = territory_load(actor=None)
    assert report.created == 46
    territory = Territory.objects.get()
    assert territory.siren == "200033579"
    assert Commune.objects.count() == 46
    arras = Commune.objects.get(insee_code="62041")
    assert (arras.name, arras.postcode, arras.population) == ("Arras", "62000", 42600)
    assert str(arras.latitude) == "50.28990"
    assert sum(c.population for c in Commune.objects.all()) == 109776


@pytest.mark.django_db
def test_second_load_changes_nothing_and_writes_nothing():
    territory_load(actor=None)
    report = territory_load(actor=None)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 46)
    entry = AuditEntry.objects.get(action="territory.load")
    assert entry.changes == {"created": 46, "updated": 0, "unchanged": 0}


@pytest.mark.django_db
def test_new_population_figures_update_existing_communes(tmp_path):
    territory_load(actor=None)
    rows = list(csv.DictReader(COMMUNES_CSV.open(encoding="utf-8")))
    rows[0]["population"] = str(int(rows[0]["population"]) + 10)
    newer = tmp_path / "communes.csv"
    with newer.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    report = territory_load(actor=None, path=newer)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 45)
    assert Commune.objects.get(insee_code=rows[0]["insee_code"]).population == int(
        rows[0]["population"]
    )


@pytest.mark.django_db
def test_public_commune_pages_search_and_paginate(client, communes):
    response = client.get("/communes/", {"q": "saint"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Saint-Laurent-Blangy" in body and "Beaurains" not in body
    page2 = client.get("/communes/", {"page": "2"}).content.decode()
    assert "Page 2 sur 2" in page2
    # A malformed page number gives a page, not an error.
    assert client.get("/communes/", {"page": "abc"}).status_code == 200
    assert client.get("/communes/62041/").status_code == 200
    assert client.get("/communes/99999/").status_code == 404
