"""Participation API: the published processes and the anonymised open data (rows paginated,
and their Table Schema). Public reads; contributions are made on the site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from territoire.core.pagination import ApiPagination
from territoire.participation import opendata, rules, selectors

router = Router(tags=["Participation"])


class ProcessOut(Schema):
    slug: str
    title: str
    summary: str
    commune_insee: str | None
    current_phase: str | None
    current_phase_ends_at: datetime | None
    allowed_now: list[str]
    proposal_count: int


@router.get(
    "/processes",
    response=list[ProcessOut],
    auth=None,
    summary="Concertations publiées, avec l'étape en cours et ce qu'elle permet",
)
@paginate(ApiPagination)
def process_list(request: HttpRequest):
    out = []
    for process in selectors.process_list(AnonymousUser()).filter(published=True).order_by("id"):
        now = rules.current(process)
        out.append(
            {
                "slug": process.slug,
                "title": process.title,
                "summary": process.summary,
                "commune_insee": process.commune.insee_code if process.commune else None,
                "current_phase": now.phase.kind if now.phase else None,
                "current_phase_ends_at": now.until,
                "allowed_now": now.actions,
                "proposal_count": process.proposal_count,
            }
        )
    return out


def _dataset(name: str) -> str:
    if name not in opendata.DATASETS:
        raise Http404("Jeu de données inconnu : « propositions » ou « commentaires ».")
    return name


@router.get(
    "/open-data/{name}",
    response=list[dict[str, Any]],
    auth=None,
    summary="Données ouvertes anonymisées (propositions ou commentaires)",
    url_name="participation_open_data",
)
@paginate(ApiPagination)
def open_data(request: HttpRequest, name: str):
    return list(opendata.DATASETS[_dataset(name)]())


@router.get(
    "/open-data/{name}/schema",
    response=dict[str, Any],
    auth=None,
    summary="Schéma (Table Schema) d'un jeu de données ouvertes",
    url_name="participation_open_data_schema",
)
def open_data_schema(request: HttpRequest, name: str):
    return opendata.schema(_dataset(name))
