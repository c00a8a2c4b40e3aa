"""Procedures API: the public catalogue (each procedure with the fields of its current form),
and for agents (API keys of the procedures module, scoped to one commune, or a signed-in
agent's session) the queue of requests, one request with its history, and status changes
through the same service as the back-office (same rules, same audit, same e-mails)."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from territoire.core.api import PlainText, principal_of
from territoire.core.models import Commune, User
from territoire.core.pagination import ApiPagination
from territoire.core.permissions import can, require
from territoire.core.selectors import commune_find
from territoire.procedures import selectors, workflow
from territoire.procedures.models import FormVersion, Procedure, Request, RequestStatus

router = Router(tags=["Démarches en ligne"])

# --- public catalogue -----------------------------------------------------------------


class ConditionOut(Schema):
    field: str
    value: str


class FieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    choices: list[str] | None = None
    min: float | None = None
    max: float | None = None
    condition: ConditionOut | None = None
    fields: list["FieldOut"] | None = Field(None, description="Sous-champs d'un groupe répétable")


class PageOut(Schema):
    title: str
    fields: list[FieldOut]


class ProcedureOut(Schema):
    id: int
    title: str
    summary: str
    commune: str | None = Field(description="Code INSEE ; vide pour une démarche de toute la CUA")
    service: str
    who_can_ask: str
    documents_needed: str
    delay_days: int
    allow_anonymous: bool
    routing: str = Field(
        description="cua : traitée par la CUA ; commune : par la commune choisie dans le formulaire"
    )
    form_version: int | None
    pages: list[PageOut]


def _field(raw: dict[str, Any]) -> dict[str, Any]:
    condition = raw.get("condition")
    return {
        "name": raw.get("name", ""),
        "label": raw.get("label", ""),
        "type": raw.get("type", ""),
        "required": bool(raw.get("required")),
        "help": raw.get("help") or "",
        "choices": raw.get("choices") or None,
        "min": raw.get("min"),
        "max": raw.get("max"),
        "condition": {"field": condition["field"], "value": str(condition.get("value", ""))}
        if condition
        else None,
        "fields": [_field(sub) for sub in raw["fields"]] if raw.get("fields") else None,
    }


def _procedure(procedure: Procedure, version: FormVersion | None) -> dict[str, Any]:
    schema = version.schema if version else {"pages": []}
    return {
        "id": procedure.pk,
        "title": procedure.title,
        "summary": procedure.summary,
        "commune": procedure.commune.insee_code if procedure.commune else None,
        "service": procedure.service,
        "who_can_ask": procedure.who_can_ask,
        "documents_needed": procedure.documents_needed,
        "delay_days": procedure.delay_days,
        "allow_anonymous": procedure.allow_anonymous,
        "routing": procedure.routing,
        "form_version": version.number if version else None,
        "pages": [
            {"title": page.get("title", ""), "fields": [_field(f) for f in page.get("fields", [])]}
            for page in schema.get("pages", [])
        ],
    }


def _commune(insee_code: str) -> Commune | None:
    if not insee_code:
        return None
    commune = commune_find(insee_code=insee_code)
    if commune is None:
        raise Http404("Ce code INSEE n'est pas celui d'une commune de la CUA.")
    return commune


@router.get(
    "/catalogue",
    response=list[ProcedureOut],
    auth=None,
    summary="Démarches en ligne (d'une commune et de la CUA), avec les champs du formulaire",
)
@paginate(ApiPagination)
def catalogue(
    request: HttpRequest,
    commune: str = Query("", description="Code INSEE : ses démarches et celles de la CUA"),
    q: str = Query("", max_length=200, description="Recherche (accents et formes ignorés)"),
):
    procedures = selectors.catalogue(query=q, commune=_commune(commune))
    latest = selectors.latest_versions(procedures)
    return [_procedure(p, latest.get(p.pk)) for p in procedures]


@router.get(
    "/catalogue/{procedure_id}",
    response=ProcedureOut,
    auth=None,
    summary="Une démarche en ligne et les champs de son formulaire",
)
def catalogue_detail(request: HttpRequest, procedure_id: int):
    try:
        procedure = selectors.published_procedure(pk=procedure_id)
        return _procedure(procedure, procedure.current_version)
    except Procedure.DoesNotExist:
        raise Http404("Aucune démarche en ligne ne porte ce numéro.") from None


# --- agents: the queue, one request, status changes --------------------------------------

Status = Literal[tuple(RequestStatus.values)]  # type: ignore[valid-type]


class RequestOut(Schema):
    tracking_number: str
    procedure_id: int
    procedure: str
    commune: str | None
    service: str
    status: str
    status_label: str
    submitted_at: datetime | None
    due_at: date | None
    overdue: bool
    decided_at: datetime | None
    assigned_to: str | None

    # The queue is paginated in the database: each row is a model, resolved here.
    @staticmethod
    def resolve_procedure(obj) -> str:
        return obj["procedure"] if isinstance(obj, dict) else obj.procedure.title

    @staticmethod
    def resolve_commune(obj) -> str | None:
        if isinstance(obj, dict):
            return obj["commune"]
        return obj.commune.insee_code if obj.commune else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj["status_label"] if isinstance(obj, dict) else obj.get_status_display()

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj["overdue"] if isinstance(obj, dict) else obj.is_overdue

    @staticmethod
    def resolve_assigned_to(obj) -> str | None:
        if isinstance(obj, dict):
            return obj["assigned_to"]
        return obj.assigned_to.email if obj.assigned_to else None


class EventOut(Schema):
    at: datetime
    kind: str = Field(description="status, message, note (interne), assignment")
    from_status: str
    to_status: str
    by_requester: bool
    author: str
    body: str


class RequestDetailOut(RequestOut):
    email: str
    form_version: int
    answers: dict[str, Any]
    allowed_statuses: list[str] = Field(description="Statuts vers lesquels la faire passer")
    history: list[EventOut]


def _request(request: Request) -> dict[str, Any]:
    return {
        "tracking_number": request.tracking_number,
        "procedure_id": request.procedure_id,
        "procedure": request.procedure.title,
        "commune": request.commune.insee_code if request.commune else None,
        "service": request.service,
        "status": request.status,
        "status_label": request.get_status_display(),
        "submitted_at": request.submitted_at,
        "due_at": request.due_at,
        "overdue": request.is_overdue,
        "decided_at": request.decided_at,
        "assigned_to": request.assigned_to.email if request.assigned_to else None,
    }


def _detail(request: Request) -> dict[str, Any]:
    events = request.events.select_related("author")
    return {
        **_request(request),
        "email": request.email,
        "form_version": request.version.number,
        "answers": request.data,
        "allowed_statuses": list(workflow.AGENT_TRANSITIONS.get(request.status, ())),
        "history": [
            {
                "at": e.created_at,
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "by_requester": e.by_requester,
                "author": e.author.display_name if e.author else e.author_label,
                "body": e.body,
            }
            for e in events
        ],
    }


class QueueQuery(Schema):
    status: Literal[tuple(["open", "all", *RequestStatus.values])] = Field(  # type: ignore[valid-type]
        "open", description="open (à traiter), all, ou un statut"
    )
    procedure: int | None = None
    service: str = Field("", max_length=100)
    assigned: Literal["", "me", "none"] = Field(
        "", description="me : les miennes (personnes connectées) ; none : sans agent"
    )
    overdue: bool = False
    q: str = Field("", max_length=254, description="Numéro de suivi ou adresse électronique")
    sort: Literal[tuple(selectors.SORTS)] = "-submitted_at"  # type: ignore[valid-type]


class QueuePagination(ApiPagination):
    """Limit/offset over the queue, read like the queue page: the database sorts and slices
    ids only, then the page's rows are read by primary key (sorting whole joined rows with
    their JSON answers costs several times more; see docs/benchmarks.md)."""

    def paginate_queryset(self, queryset, pagination, request: HttpRequest, **params: Any):
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
        rows = Request.objects.select_related("procedure", "commune", "assigned_to").in_bulk(ids)
        return {
            self.items_attribute: [rows[pk] for pk in ids if pk in rows],
            "count": self._items_count(queryset),
        }


def _agent(request: HttpRequest):
    principal = principal_of(request)
    require(principal, "procedures.process")
    return principal


@router.get(
    "/requests",
    response=list[RequestOut],
    summary="File des demandes des communes de l'appelant (filtres, tri, pagination)",
)
@paginate(QueuePagination)
def requests_list(request: HttpRequest, filters: Query[QueueQuery]):
    principal = _agent(request)
    if filters.assigned == "me" and not isinstance(principal, User):
        raise PermissionDenied("Une clé d'API n'a pas de demandes attribuées.")
    procedure = None
    if filters.procedure is not None:
        procedure = selectors.managed_procedures(principal).filter(pk=filters.procedure).first()
        if procedure is None:
            return Request.objects.none()
    return selectors.queue(
        principal,
        selectors.QueueFilters(
            procedure=procedure,
            service=filters.service,
            status=filters.status,
            assigned=filters.assigned,
            overdue=filters.overdue,
            query=filters.q,
            sort=filters.sort,
        ),
    )


def _agent_request(request: HttpRequest, tracking_number: str) -> Request:
    principal = _agent(request)
    try:
        return selectors.request_for_agent(principal, tracking_number=tracking_number.upper())
    except Request.DoesNotExist:
        raise Http404("Aucune demande de vos communes ne porte ce numéro.") from None


@router.get(
    "/requests/{tracking_number}",
    response=RequestDetailOut,
    summary="Une demande : réponses et historique (notes internes comprises)",
)
def requests_detail(request: HttpRequest, tracking_number: str):
    return _detail(_agent_request(request, tracking_number))


class TransitionIn(Schema):
    status: Status  # type: ignore[valid-type]
    message: PlainText = Field(
        "",
        max_length=5000,
        description="Message au demandeur (obligatoire pour « à compléter » et « refusée »)",
    )


@router.post(
    "/requests/{tracking_number}/transitions",
    response=RequestDetailOut,
    summary="Faire passer une demande à un autre statut (le demandeur est prévenu)",
)
def requests_transition(request: HttpRequest, tracking_number: str, body: TransitionIn):
    principal = principal_of(request)
    target = _agent_request(request, tracking_number)
    if not can(principal, "procedures.process", target):
        raise PermissionDenied("procedures.process")
    workflow.request_transition(
        actor=principal,  # type: ignore[arg-type]
        request=target,
        to_status=body.status,
        message=body.message,
    )
    return _detail(selectors.request_for_agent(principal, tracking_number=target.tracking_number))
