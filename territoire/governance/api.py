"""Governance API: the public register of algorithms (no authentication) and the project
sheets with their computed legal screens (scoped like the pages)."""

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from territoire.core.api import principal_of
from territoire.core.pagination import ApiPagination
from territoire.core.permissions import require
from territoire.governance import opendata, selectors
from territoire.governance.assessments import Assessment
from territoire.governance.models import Project, ProjectState
from territoire.governance.views import public as public_views

router = Router(tags=["Gouvernance des données"])


class AlgorithmOut(Schema):
    """One entry of the register, with the field names of its Table Schema."""

    identifiant: str
    administration: str
    code_insee: str | None
    service: str
    contact: str
    date_mise_a_jour: str
    nom: str
    contexte: str | None
    finalite: str
    place_dans_la_decision: str | None
    niveau_automatisation: str
    fondement_juridique: str | None
    decisions_par_an: int | None
    public_concerne: str | None
    effets_significatifs: bool
    donnees_traitees: str | None
    sources_des_donnees: str | None
    type_algorithme: str
    operations: str | None
    code_source: str | None
    documentation: str | None


class AlgorithmFilters(Schema):
    q: str = Field("", max_length=100, description="Recherche dans le nom, la finalité, le service")


@router.get(
    "/algorithms",
    response=list[AlgorithmOut],
    auth=None,
    summary="Registre public des algorithmes (champs du schéma Table Schema)",
)
@paginate(ApiPagination)
def algorithms_list(request: HttpRequest, filters: Query[AlgorithmFilters]):
    return [
        opendata.algorithm_row(entry)
        for entry in selectors.algorithms_public(search=filters.q.strip())
    ]


# --- open-data files (under /api/ so that machines, not page crawlers, fetch them) ----------


@router.get(
    "/open-data/algorithms.json",
    auth=None,
    url_name="governance_algorithms_json",
    summary="Registre des algorithmes, export open data JSON (avec le lien vers son schéma)",
)
def open_data_algorithms(request: HttpRequest, filters: Query[AlgorithmFilters]):
    return public_views.algorithms_json(request)


@router.get(
    "/open-data/algorithms.schema.json",
    auth=None,
    url_name="governance_algorithms_schema",
    summary="Table Schema du registre des algorithmes",
)
def open_data_algorithms_schema(request: HttpRequest):
    return public_views.algorithms_schema(request)


@router.get(
    "/open-data/catalogue.jsonld",
    auth=None,
    url_name="governance_catalogue_dcat",
    summary="Catalogue de données au format DCAT-AP (JSON-LD), moissonnable par data.gouv.fr",
)
def open_data_catalogue(request: HttpRequest):
    return public_views.datasets_dcat(request)


class ProjectFilters(Schema):
    q: str = Field("", max_length=100)
    state: ProjectState | None = None


class ProjectOut(Schema):
    id: int
    title: str
    commune: str | None = Field(None, description="Code INSEE ; vide : projet de la CUA")
    state: str
    revision: int
    updated_at: datetime


class ReasonOut(Schema):
    text: str
    reference: str
    url: str


class AssessmentOut(Schema):
    code: str
    label: str
    reasons: list[ReasonOut]
    duties: list[ReasonOut]


class ProjectDetailOut(ProjectOut):
    purpose: str
    is_ai: bool
    personal_data: bool
    dpia: AssessmentOut
    ai_act: AssessmentOut
    crpa: AssessmentOut
    decision: str | None = Field(
        None, description="Avis du comité sur la dernière version examinée"
    )


def _project_out(project: Project) -> dict:
    return {
        "id": project.pk,
        "title": project.title,
        "commune": project.commune.insee_code if project.commune else None,
        "state": project.state,
        "revision": project.revision,
        "updated_at": project.updated_at,
    }


def _assessment(result: Assessment) -> dict:
    def reasons(items):
        return [{"text": r.text, "reference": r.reference, "url": r.url} for r in items]

    return {
        "code": result.code,
        "label": result.label,
        "reasons": reasons(result.reasons),
        "duties": reasons(result.duties),
    }


@router.get("/projects", response=list[ProjectOut], summary="Projets données et IA")
@paginate(ApiPagination)
def projects_list(request: HttpRequest, filters: Query[ProjectFilters]):
    principal = principal_of(request)
    require(principal, "governance.use_projects")
    projects = selectors.projects(principal, search=filters.q.strip(), state=filters.state or "")
    return [_project_out(project) for project in projects]


@router.get(
    "/projects/{project_id}",
    response=ProjectDetailOut,
    summary="Un projet et ce que la loi lui demande (AIPD, règlement IA, CRPA)",
)
def projects_detail(request: HttpRequest, project_id: int):
    principal = principal_of(request)
    require(principal, "governance.use_projects")
    try:
        project = selectors.project_get(principal, pk=project_id)
    except Project.DoesNotExist:
        raise Http404("Projet introuvable.") from None
    screening = project.screening()
    decided = project.reviews.filter(decision__isnull=False).select_related("decision").first()
    return {
        **_project_out(project),
        "purpose": project.purpose,
        "is_ai": project.is_ai,
        "personal_data": project.personal_data,
        "dpia": _assessment(screening.dpia),
        "ai_act": _assessment(screening.ai_act),
        "crpa": _assessment(screening.crpa),
        "decision": decided.decision.get_outcome_display() if decided else None,
    }
