"""Knowledge API: public reads of published entries only, French search, filters checked
with problem+json errors, bounded pagination."""

import pytest
from django.test import Client

from territoire.core.testing import assert_commune_isolation
from territoire.knowledge import search
from territoire.knowledge.models import Entry, Kind, Status, Theme
from territoire.knowledge.testing import load_corpus

pytestmark = pytest.mark.django_db
URL = "/api/v1/knowledge"


def make(title, *, commune=None, status=Status.PUBLISHED, body="Texte"):
    entry = Entry(kind=Kind.FAQ, title=title, body=body, commune=commune, status=status)
    search.index_text(entry)
    entry.save()
    search.index_entry(entry)
    return entry


def test_search_in_french_without_accents_ranks_expected_entry_first():
    entries = load_corpus()
    response = Client().get(f"{URL}/entries", {"q": "demarche"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["items"][0]["id"] == entries["demarches"].pk
    assert body["items"][0]["url"] == f"/aide/fiche/{entries['demarches'].pk}/"
    assert body["count"] == len(body["items"])


def test_list_without_query_is_published_entries_by_title(arras):
    make("Zèbre")
    make("Abeilles")
    make("Brouillon", status=Status.DRAFT)
    make("Archivée", status=Status.ARCHIVED)
    titles = [item["title"] for item in Client().get(f"{URL}/entries").json()["items"]]
    assert titles == ["Abeilles", "Zèbre"]


def test_commune_filter_keeps_its_entries_and_cua_wide_ones(arras, beaurains):
    make("Cantine de la CUA")
    make("Cantine d'Arras", commune=arras)
    make("Cantine de Beaurains", commune=beaurains)
    response = Client().get(f"{URL}/entries", {"q": "cantine", "commune": "62041"})
    titles = {item["title"] for item in response.json()["items"]}
    assert titles == {"Cantine de la CUA", "Cantine d'Arras"}


def test_kind_and_theme_filters():
    entries = load_corpus()
    school = Theme.objects.create(name="École", slug="ecole")
    entries["cantine"].themes.add(school)
    items = Client().get(f"{URL}/entries", {"theme": "ecole"}).json()["items"]
    assert [item["id"] for item in items] == [entries["cantine"].pk]
    items = Client().get(f"{URL}/entries", {"kind": "legal"}).json()["items"]
    assert {item["kind"] for item in items} == {"legal"} and len(items) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"commune": "99999"}, "commune"),
        ({"theme": "inconnu"}, "theme"),
        ({"kind": "roman"}, "kind"),
        ({"limit": 100000}, "limit"),
        ({"offset": -1}, "offset"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_problem_json_422(params, field):
    response = Client().get(f"{URL}/entries", params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert any(field in str(error) for error in problem["errors"]), problem


def test_query_of_operators_is_harmless():
    load_corpus()
    for query in ['"', "AND OR NOT", "*", "NEAR(", "'; DROP TABLE"]:
        assert Client().get(f"{URL}/entries", {"q": query}).status_code == 200


def test_entry_detail_and_unpublished_is_404(arras):
    theme = Theme.objects.create(name="Eau", slug="eau")
    entry = make("Fuite d'eau", commune=arras, body="Premier paragraphe.\n\nSecond.")
    entry.themes.add(theme)
    data = Client().get(f"{URL}/entries/{entry.pk}").json()
    assert data["body"] == "Premier paragraphe.\n\nSecond."
    assert data["themes"] == ["eau"] and data["commune_insee"] == "62041"
    draft = make("Brouillon", status=Status.DRAFT)
    response = Client().get(f"{URL}/entries/{draft.pk}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert Client().get(f"{URL}/entries/999999").status_code == 404


def test_drafts_of_another_commune_stay_hidden(arras, beaurains):
    draft = make("Projet de Beaurains", commune=beaurains, status=Status.DRAFT)
    assert_commune_isolation(
        Client(),
        hidden_urls=[f"{URL}/entries/{draft.pk}"],
        lists=[(f"{URL}/entries?q=projet", draft.title), (f"{URL}/entries", draft.title)],
    )


def test_themes_with_published_counts():
    entries = load_corpus()
    water = Theme.objects.create(name="Eau", slug="eau")
    Theme.objects.create(name="Vide", slug="vide")
    entries["eau"].themes.add(water)
    draft = make("Brouillon", status=Status.DRAFT)
    draft.themes.add(water)
    data = Client().get(f"{URL}/themes").json()
    assert data == [
        {"slug": "eau", "name": "Eau", "published_entries": 1},
        {"slug": "vide", "name": "Vide", "published_entries": 0},
    ]


def test_schema_kinds_are_the_model_kinds():
    from typing import get_args

    from territoire.knowledge.api import KindCode

    assert set(get_args(KindCode)) == set(Kind.values)
