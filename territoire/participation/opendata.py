"""Anonymised open data of participation: visible contributions of published processes,
without any author information, described by Table Schema files (``schemas/``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from territoire.participation import selectors

SCHEMA_DIR = Path(__file__).parent / "schemas"


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def field_names(name: str) -> list[str]:
    return [field["name"] for field in schema(name)["fields"]]


def proposal_rows() -> Iterator[dict[str, Any]]:
    for p in selectors.open_data_proposals().iterator(chunk_size=2000):
        yield {
            "id": p.pk,
            "concertation": p.process.slug,
            "commune_insee": p.process.commune.insee_code if p.process.commune else "",
            "titre": p.title,
            "description": p.body,
            "categorie": p.category,
            "statut": p.status,
            "reponse": p.answer,
            "soutiens": p.support_count,
            "commentaires": p.comment_count,
            "date_depot": p.created_at.date().isoformat(),
        }


def comment_rows() -> Iterator[dict[str, Any]]:
    for c in selectors.open_data_comments().iterator(chunk_size=2000):
        yield {
            "id": c.pk,
            "concertation": c.process.slug,
            "cible": "proposition" if c.proposal_id else "debat" if c.debate_id else "article",
            "cible_id": c.proposal_id or c.debate_id or c.article_id,
            "reponse_a": c.parent_id,
            "texte": c.body,
            "votes_pour": c.up_count,
            "votes_contre": c.down_count,
            "date": c.created_at.date().isoformat(),
        }


DATASETS = {"propositions": proposal_rows, "commentaires": comment_rows}
