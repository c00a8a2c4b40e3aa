"""Full-text search over the knowledge base, on SQLite (FTS5) and PostgreSQL (tsvector).

Both databases index the same normalised text (``text.document``): accents folded, French
stop words dropped, words stemmed with Snowball French plus derivational rules. The database
then only matches and ranks terms, so "demarche" finds "démarches" and "inscrire" finds
"inscription" identically on both. Titles weigh more than bodies. A query first asks for
entries holding every term, and falls back to any term when that finds nothing.

- SQLite: an FTS5 table ``knowledge_entry_fts`` (rowid = entry id) written by the services in
  their transaction, ranked by bm25 with the title weighing 10 times the body.
- PostgreSQL: a stored generated column ``search_vector`` = ``setweight(to_tsvector('simple',
  search_title), 'A') || setweight(to_tsvector('simple', search_body), 'B')`` with a GIN
  index, ranked by ``ts_rank``; the ``simple`` configuration only splits words, the French
  processing being done already.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from territoire.knowledge.models import Entry
from territoire.knowledge.text import document, terms

FTS_TABLE = "knowledge_entry_fts"
PG_VECTOR = (
    "setweight(to_tsvector('simple', search_title), 'A') || "
    "setweight(to_tsvector('simple', search_body), 'B')"
)

SQLITE_SCHEMA = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_DROP = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
# A stored generated column: ranking reads the vector instead of recomputing it per row.
PG_SCHEMA = [
    "ALTER TABLE knowledge_entry ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_entry_search ON knowledge_entry "
    "USING gin (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS knowledge_entry_search",
    "ALTER TABLE knowledge_entry DROP COLUMN IF EXISTS search_vector",
]


def create_index(schema_editor) -> None:
    """Migration step: the search structure of the current database."""
    vendor = schema_editor.connection.vendor
    for statement in (
        SQLITE_SCHEMA if vendor == "sqlite" else PG_SCHEMA if vendor == "postgresql" else []
    ):
        schema_editor.execute(statement)


def drop_index(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in (
        SQLITE_DROP if vendor == "sqlite" else PG_DROP if vendor == "postgresql" else []
    ):
        schema_editor.execute(statement)


def index_text(entry: Entry) -> None:
    """Set the entry's normalised fields from its title, summary and body (before save)."""
    entry.search_title = document(entry.title)
    entry.search_body = document(" ".join([entry.summary, entry.body, entry.legal_reference]))


def index_entry(entry: Entry) -> None:
    """After save: refresh the entry's row of the FTS5 table (PostgreSQL indexes the
    columns themselves)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
            [entry.pk, entry.search_title, entry.search_body],
        )


def unindex_entry(entry_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry_id])  # noqa: S608


def query_terms(query: str) -> list[str]:
    """The distinct search terms of what a person typed, in order, at most 12."""
    seen: list[str] = []
    for term in terms(query):
        if term not in seen:
            seen.append(term)
    return seen[:12]


def ranked_ids(
    query: str,
    *,
    published_only: bool = True,
    commune_ids: list[int] | None = None,
    kind: str = "",
    limit: int = 200,
) -> list[int]:
    """Ids of the entries matching ``query``, best first (every term, else any term).

    ``commune_ids``: None for every entry, else entries of those communes or of the whole
    CUA; ``published_only`` leaves drafts and archived entries out."""
    words = query_terms(query)
    if not words:
        return []
    where, params = _scope(published_only, commune_ids, kind)
    for all_terms in (True, False):
        if connection.vendor == "sqlite":
            match = (" AND " if all_terms else " OR ").join(f'"{word}"' for word in words)
            ids = _sqlite(match, where, params, limit)
        else:
            ids = _postgres((" & " if all_terms else " | ").join(words), where, params, limit)
        if ids or len(words) == 1:
            return ids
    return []


def _scope(published_only: bool, commune_ids: list[int] | None, kind: str) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if published_only:
        clauses.append("e.status = %s")
        params.append("published")
    if commune_ids is not None:
        placeholders = ", ".join(["%s"] * len(commune_ids))
        clauses.append(
            f"(e.commune_id IS NULL OR e.commune_id IN ({placeholders}))"
            if commune_ids
            else "e.commune_id IS NULL"
        )
        params.extend(commune_ids)
    if kind:
        clauses.append("e.kind = %s")
        params.append(kind)
    return "".join(f" AND {clause}" for clause in clauses), params


def _sqlite(match: str, where: str, params: list[Any], limit: int) -> list[int]:
    # Terms are [0-9a-z]+ (see text.py) and quoted all the same, so none reads as an operator.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.rowid FROM {FTS_TABLE} f JOIN knowledge_entry e ON e.id = f.rowid "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s{where} ORDER BY bm25({FTS_TABLE}, 10.0, 1.0) LIMIT %s",
            [match, *params, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _postgres(tsquery: str, where: str, params: list[Any], limit: int) -> list[int]:
    vector = "e.search_vector"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id FROM knowledge_entry e WHERE ({vector}) @@ to_tsquery('simple', %s)"  # noqa: S608
            f"{where} ORDER BY ts_rank({vector}, to_tsquery('simple', %s)) DESC, e.id LIMIT %s",
            [tsquery, *params, tsquery, limit],
        )
        return [row[0] for row in cursor.fetchall()]
