"""French search on the database in use (the suite runs on SQLite and PostgreSQL): accent
folding, stemming and verb/noun families, with the expected top result of each query."""

import pytest

from territoire.knowledge import search, selectors
from territoire.knowledge.models import Entry, Kind, Status
from territoire.knowledge.testing import QUERIES, load_corpus
from territoire.knowledge.text import document, fold, terms

pytestmark = pytest.mark.django_db


def test_normalisation_folds_accents_and_stems():
    assert fold("Démarches ŒUVRE") == "demarches oeuvre"
    assert terms("demarche") == terms("Démarches")
    assert terms("inscrire") == terms("inscription") == terms("inscrits") == terms("inscrivez")
    assert terms("construire") == terms("construction")
    assert document("le la des") == ""


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_query_ranks_expected_entry_first(query, expected):
    entries = load_corpus()
    ids = search.ranked_ids(query)
    assert ids, f"{query!r} found nothing"
    assert ids[0] == entries[expected].pk, [Entry.objects.get(pk=pk).title for pk in ids]


def test_accentless_singular_finds_accented_plural():
    entries = load_corpus()
    assert entries["demarches"].pk in search.ranked_ids("demarche")
    assert entries["cantine"].pk in search.ranked_ids("inscrire")


def test_any_term_when_no_entry_has_every_term():
    entries = load_corpus()
    ids = search.ranked_ids("cantine xylophone")
    assert ids == [entries["cantine"].pk]


def test_query_of_operators_or_symbols_is_harmless():
    load_corpus()
    for query in ['"', "AND OR NOT", "*", "-", "(", "NEAR(", "'; DROP TABLE", "le la"]:
        search.ranked_ids(query)  # no database error


def test_scope_hides_drafts_and_other_communes(arras, beaurains):
    entries = load_corpus()
    draft = entries["cantine"]
    draft.status = Status.DRAFT
    draft.save()
    local = Entry(kind=Kind.FAQ, title="Cantine de Beaurains", body="Menus", commune=beaurains)
    local.status = Status.PUBLISHED
    search.index_text(local)
    local.save()
    search.index_entry(local)
    found = [e.pk for e in selectors.public_search(query="cantine", commune=arras)]
    assert draft.pk not in found and local.pk not in found
    found = [e.pk for e in selectors.public_search(query="cantine", commune=beaurains)]
    assert found == [local.pk]


def test_reindex_on_change_replaces_old_terms():
    entries = load_corpus()
    entry = entries["eau"]
    entry.title, entry.body = "Horaires de la piscine", "Ouverte le dimanche"
    search.index_text(entry)
    entry.save()
    search.index_entry(entry)
    assert entry.pk not in search.ranked_ids("fuite")
    assert search.ranked_ids("piscines") == [entry.pk]


def test_theme_filter_on_search_results():
    from territoire.knowledge.models import Theme

    entries = load_corpus()
    school = Theme.objects.create(name="École", slug="ecole")
    entries["cantine"].themes.add(school)
    found = selectors.public_search(query="inscription", theme=school)
    assert [e.pk for e in found] == [entries["cantine"].pk]
