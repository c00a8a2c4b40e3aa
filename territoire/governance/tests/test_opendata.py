"""Open-data outputs validated by the tools their consumers use: the register of
algorithms (CSV and JSON) against its Table Schema with frictionless, the catalogue as
DCAT-AP JSON-LD parsed by rdflib with the properties data.gouv.fr harvests."""

from __future__ import annotations

import csv
import json

import pytest
from django.test import Client
from frictionless import Resource, Schema, validate
from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, RDF

from territoire.core.opendata import open_datasets
from territoire.core.testing import cua_admin
from territoire.governance import services
from territoire.governance.opendata import algorithm_table_schema
from territoire.governance.reference import PLATFORM_ALGORITHMS

pytestmark = pytest.mark.django_db

# frictionless raises the csv module's field size limit for the whole process when it loads
# its CSV parser; other modules' tests rely on Python's standard limit, so it is put back.
_CSV_FIELD_LIMIT = 131_072


@pytest.fixture(autouse=True)
def _standard_csv_limit():
    yield
    csv.field_size_limit(_CSV_FIELD_LIMIT)


@pytest.fixture
def registers(charter, arras):
    admin = cua_admin()
    entry = services.algorithm_save(
        actor=admin,
        commune=arras,
        name="Calcul du quotient familial, cantine",
        service="Enfance",
        contact_email="enfance@arras.fr",
        context="Tarifs de la restauration scolaire",
        purpose='Calculer le tarif, "selon" les ressources; avec virgules',
        decision_role="Le tarif est appliqué par l'agent",
        automation_level="aid",
        legal_basis="Délibération du conseil municipal",
        decisions_per_year=1200,
        public_concerned="Familles",
        significant_effects=True,
        data_processed="Revenus, nombre de parts",
        data_sources="Avis d'imposition",
        algorithm_type="rules",
        operations="=QF/12 puis barème",
        source_code_url="",
        documentation_url="https://www.arras.fr/qf",
    )
    services.algorithm_publish(actor=admin, entry=entry, published=True)
    return entry


def test_schema_is_a_valid_table_schema():
    schema = Schema.from_descriptor(algorithm_table_schema())
    assert "identifiant" in schema.field_names
    assert Schema.validate_descriptor(algorithm_table_schema()).valid


def test_csv_export_validates_against_schema(registers, tmp_path):
    response = Client().get("/gouvernance/algorithmes/registre.csv")
    assert response.status_code == 200
    path = tmp_path / "registre.csv"
    path.write_bytes(b"".join(response.streaming_content))
    schema = Schema.from_descriptor(algorithm_table_schema())
    report = validate(Resource(path="registre.csv", basepath=str(tmp_path), schema=schema))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = Resource(path="registre.csv", basepath=str(tmp_path), schema=schema).read_rows()
    names = {row["nom"] for row in rows}
    assert {
        "Calcul du quotient familial, cantine",
        "Détection des fuites d'eau dans les bâtiments publics",
    } <= names
    formula = next(row for row in rows if row["code_insee"] == "62041")
    assert formula["operations"] == "=QF/12 puis barème"  # open data keeps values as typed
    assert formula["effets_significatifs"] is True


def test_json_export_validates_against_schema(registers):
    body = Client().get("/api/v1/governance/open-data/algorithms.json").json()
    assert body["schema"].endswith("/api/v1/governance/open-data/algorithms.schema.json")
    resource = Resource(data=body["data"], schema=Schema.from_descriptor(algorithm_table_schema()))
    report = validate(resource)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert len(body["data"]) == len(PLATFORM_ALGORITHMS) + 1  # and the fixture's entry


def test_unpublished_entries_stay_out_of_exports(registers):
    services.algorithm_publish(actor=cua_admin(email="x@cua.fr"), entry=registers, published=False)
    body = Client().get("/api/v1/governance/open-data/algorithms.json").json()
    assert all(row["code_insee"] != "62041" for row in body["data"])
    assert Client().get(f"/gouvernance/algorithmes/{registers.slug}/").status_code == 404


DCATAP = Namespace("http://data.europa.eu/r5r/")


def test_dcat_catalogue_has_what_data_gouv_harvests(registers, arras):
    services.dataset_register(
        source_key="test.velos",
        commune=arras,
        title="Comptages vélos",
        description="Passages horaires",
        theme="TRAN",
        keywords="vélo, mobilité",
        licence="odbl-1.0",
        frequency="DAILY",
        contact_email="mobilite@arras.fr",
        temporal_start="2025-01-01",
        distributions=[{"title": "CSV", "access_url": "/x.csv", "media_type": "text/csv"}],
    )
    response = Client().get("/api/v1/governance/open-data/catalogue.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.content.decode(), format="json-ld")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    # the registry's algorithms, this one, and what the other modules publish
    assert len(catalogs) == 1 and len(datasets) == 2 + len(open_datasets())
    for dataset in datasets:
        # DCAT-AP mandatory (title, description) and recommended properties
        for prop in (
            DCTERMS.title,
            DCTERMS.description,
            DCTERMS.publisher,
            DCAT.theme,
            DCTERMS.accrualPeriodicity,
            DCAT.distribution,
            DCAT.contactPoint,
            DCTERMS.spatial,
        ):
            assert graph.value(dataset, prop) is not None, (dataset, prop)
        for distribution in graph.objects(dataset, DCAT.distribution):
            url = str(graph.value(distribution, DCAT.accessURL))
            assert url.startswith("http://testserver/") or url.startswith("https://")
    velos = next(d for d in datasets if str(graph.value(d, DCTERMS.title)) == "Comptages vélos")
    assert str(graph.value(velos, DCTERMS.spatial)).endswith("/62041")
    temporal = graph.value(velos, DCTERMS.temporal)
    assert str(graph.value(temporal, DCAT.startDate)) == "2025-01-01"
    assert json.loads(response.content)["@context"]["dcat"] == str(DCAT)


def test_dataset_register_is_idempotent(charter):
    from territoire.core.testing import audit_entries_added
    from territoire.governance.reference import reference_load

    with audit_entries_added(0):
        reference_load()


def test_the_catalogue_lists_what_the_other_modules_publish(charter):
    """Participation and insights declare their open datasets; the catalogue lists each with
    working download addresses."""
    from django.test import Client

    from territoire.governance.models import Dataset

    keys = set(Dataset.objects.values_list("source_key", flat=True))
    assert {"participation.propositions", "insights.bruit-jour"} <= keys
    dataset = Dataset.objects.get(source_key="participation.propositions")
    urls = {d.media_type: d.access_url for d in dataset.distributions.all()}
    assert urls["text/csv"] == "/participation/donnees-ouvertes/propositions.csv"
    assert Client().get(urls["text/csv"]).status_code == 200
    assert Client().get(urls["application/json"]).status_code == 200
