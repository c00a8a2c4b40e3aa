"""Core API: the territory's communes, the caller's identity, members and the audit log."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import AfterValidator

from territoire.core import selectors, services
from territoire.core.auth import security_log
from territoire.core.models import ApiKey, Commune, Membership, Role, User
from territoire.core.pagination import ApiPagination
from territoire.core.permissions import Principal, require


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Le caractère NUL n'est pas accepté.")
    return value


# Text from a JSON body: any string but the NUL character, which no database text takes.
PlainText = Annotated[str, AfterValidator(_no_nul)]


class ApiKeyAuth(APIKeyHeader):
    """Machine clients send their key in the X-API-Key header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        principal = services.api_key_authenticate(key) if key else None
        if key and principal is None:
            # Logged, not audited: anyone can send a bad key, and the audit log is for changes.
            security_log.warning("API key refused (prefix %r) on %s", key[:12], request.path)
        return principal


class SessionAuth(NinjaSessionAuth):
    """People signed in to the site use the API with their session (CSRF-checked)."""


router = Router(tags=["Territoire"])


def principal_of(request: HttpRequest) -> Principal:
    """Who called: the person of the session or the API key (set by ninja's auth)."""
    return request.auth  # type: ignore[attr-defined]


def person_of(request: HttpRequest) -> User:
    """The calling person; machine clients (API keys) may not do what follows."""
    principal = principal_of(request)
    if not isinstance(principal, User):
        raise PermissionDenied("Réservé aux personnes connectées.")
    return principal


class RootOut(Schema):
    name: str
    version: str
    documentation: str
    openapi: str


@router.get("/", response=RootOut, auth=None, summary="Point d'entrée de l'API")
def api_root(request: HttpRequest):
    return {
        "name": "API Territoire",
        "version": "1",
        "documentation": "/api/v1/docs",
        "openapi": "/api/v1/openapi.json",
    }


class CommuneOut(Schema):
    insee_code: str
    name: str
    postcode: str
    population: int
    population_year: int
    area_km2: Decimal
    latitude: Decimal
    longitude: Decimal


@router.get("/communes", response=list[CommuneOut], auth=None, summary="Communes de la CUA")
@paginate(ApiPagination)
def communes_list(request: HttpRequest, search: str = ""):
    return selectors.commune_list(search=search)


@router.get("/communes/{insee_code}", response=CommuneOut, auth=None, summary="Une commune")
def communes_detail(request: HttpRequest, insee_code: str):
    return get_object_or_404(selectors.commune_list(), insee_code=insee_code)


class GrantOut(Schema):
    role: str
    commune: str | None = Field(None, description="Code INSEE ; vide pour toute la CUA")
    module: str


class MeOut(Schema):
    kind: str = Field(description="« person » ou « api_key »")
    name: str
    grants: list[GrantOut]


@router.get("/me", response=MeOut, summary="Qui appelle l'API, avec quels droits")
def me(request: HttpRequest):
    principal = principal_of(request)
    if isinstance(principal, ApiKey):
        return {
            "kind": "api_key",
            "name": principal.name,
            "grants": [
                {
                    "role": Role.AGENT,
                    "commune": principal.commune.insee_code,
                    "module": principal.module,
                }
            ],
        }
    principal = person_of(request)
    memberships = selectors.roles_of(principal)
    return {
        "kind": "person",
        "name": principal.display_name,
        "grants": [
            {
                "role": m.role,
                "commune": m.commune.insee_code if m.commune else None,
                "module": m.module,
            }
            for m in memberships
        ],
    }


class MembershipOut(Schema):
    id: int
    email: str = Field(alias="user.email")
    first_name: str = Field(alias="user.first_name")
    last_name: str = Field(alias="user.last_name")
    role: str
    module: str
    created_at: datetime


class MembershipIn(Schema):
    email: PlainText = Field(min_length=3, max_length=254)
    first_name: PlainText = Field("", max_length=150)
    last_name: PlainText = Field("", max_length=150)
    role: Role
    module: PlainText = ""


def _commune(insee_code: str) -> Commune:
    return get_object_or_404(selectors.commune_list(), insee_code=insee_code)


@router.get(
    "/communes/{insee_code}/memberships",
    response=list[MembershipOut],
    summary="Membres d'une commune (administrateurs)",
)
@paginate(ApiPagination)
def memberships_list(request: HttpRequest, insee_code: str, search: str = "", role: str = ""):
    commune = _commune(insee_code)
    require(principal_of(request), "core.manage_members", commune)
    return selectors.memberships_of_commune(
        principal_of(request),
        commune=commune,
        search=search,
        role=role,
    )


@router.post(
    "/communes/{insee_code}/memberships",
    response={201: MembershipOut},
    summary="Donner un rôle dans une commune (invite la personne si besoin)",
)
def memberships_create(request: HttpRequest, insee_code: str, payload: MembershipIn):
    membership = services.member_invite(
        actor=person_of(request),
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        role=payload.role,
        commune=_commune(insee_code),
        module=payload.module,
    )
    return Status(201, membership)


@router.delete("/memberships/{membership_id}", response={204: None}, summary="Retirer un rôle")
def memberships_delete(request: HttpRequest, membership_id: int):
    actor = person_of(request)
    try:
        membership = selectors.membership_for_manager(actor, pk=membership_id)
    except Membership.DoesNotExist as exc:
        raise Http404("Rattachement introuvable.") from exc
    services.membership_revoke(actor=actor, membership=membership)
    return Status(204, None)


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str = Field(alias="actor_label")
    action: str
    object_type: str
    object_id: str
    object_repr: str
    commune_id: int | None
    changes: dict


class AuditQuery(Schema):
    search: str = ""
    commune: str = Field("", description="Code INSEE")
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


@router.get("/audit", response=list[AuditOut], summary="Journal des modifications")
@paginate(ApiPagination)
def audit_list(request: HttpRequest, filters: Query[AuditQuery]):
    principal = principal_of(request)
    require(principal, "core.view_audit", None)
    commune_id = _commune(filters.commune).pk if filters.commune else None
    return selectors.audit_entries(
        principal,
        selectors.AuditFilters(
            search=filters.search,
            commune_id=commune_id,
            action=filters.action,
            actor=filters.actor,
            since=filters.since,
            until=filters.until,
        ),
    )
