"""The API root (/api/v1/): one NinjaAPI, module routers mounted here, problem+json errors."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from territoire.automations.api import router as automations_router
from territoire.core.api import ApiKeyAuth, SessionAuth
from territoire.core.api import router as core_router
from territoire.core.problems import django_validation_errors, field_errors, problem
from territoire.governance.api import router as governance_router
from territoire.knowledge.api import router as knowledge_router
from territoire.participation.api import router as participation_router
from territoire.procedures.api import router as procedures_router
from territoire.rights.api import router as rights_router
from territoire.sensors.api import router as sensors_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="API Territoire",
    version="1",
    description=(
        "API de la plateforme Territoire de la Communauté Urbaine d'Arras. "
        "Authentification : clé d'API (en-tête `X-API-Key`) pour les machines, "
        "session pour les personnes connectées. Les erreurs suivent RFC 9457 "
        "(application/problem+json)."
    ),
    auth=[ApiKeyAuth(), SessionAuth()],
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/sensors", sensors_router)
api.add_router("/participation", participation_router)
api.add_router("/governance", governance_router)
api.add_router("/rights", rights_router)
api.add_router("/automations", automations_router)
api.add_router("/knowledge", knowledge_router)
api.add_router("/procedures", procedures_router)


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError):
    errors = field_errors(exc.errors)
    if any(error["code"] == "json_invalid" for error in errors) or not errors:
        return problem(
            request,
            status=400,
            title="Requête illisible",
            detail="Le corps de la requête n'est pas un JSON valide.",
            slug="json-invalide",
        )
    return problem(
        request,
        status=422,
        title="Données invalides",
        detail="Corrigez les champs indiqués puis renvoyez la requête.",
        slug="validation",
        errors=errors,
    )


@api.exception_handler(ValidationError)
def _django_validation(request: HttpRequest, exc: ValidationError):
    return problem(
        request,
        status=422,
        title="Données invalides",
        detail="Corrigez les champs indiqués puis renvoyez la requête.",
        slug="validation",
        errors=django_validation_errors(exc),
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
    response = problem(
        request,
        status=401,
        title="Authentification requise",
        detail="Fournissez une clé d'API valide dans l'en-tête X-API-Key, ou connectez-vous.",
        slug="authentification",
    )
    response["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return problem(
        request,
        status=403,
        title="Action non autorisée",
        detail="Vos droits ne permettent pas cette action.",
        slug="interdit",
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return problem(
        request,
        status=404,
        title="Ressource introuvable",
        detail=str(exc) or "",
        slug="introuvable",
    )


_HTTP_TITLES = {
    400: ("Requête illisible", "Le corps de la requête n'est pas un JSON valide."),
    401: ("Authentification requise", "Fournissez une clé d'API valide ou connectez-vous."),
    403: (
        "Action non autorisée",
        "Requête refusée : jeton CSRF absent ou invalide, ou droits insuffisants. "
        "Rechargez la page d'où vient la requête.",
    ),
    405: ("Méthode non permise", "Cette adresse n'accepte pas cette méthode HTTP."),
    429: ("Trop de requêtes", "Attendez un peu avant de renvoyer la requête."),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    title, detail = _HTTP_TITLES.get(exc.status_code, ("Requête refusée", str(exc)))
    return problem(request, status=exc.status_code, title=title, detail=detail, slug="http")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception):
    logger.exception("Unexpected API error on %s", request.path)
    return problem(
        request,
        status=500,
        title="Erreur interne",
        detail="Une erreur imprévue est survenue ; elle a été enregistrée. Réessayez plus tard.",
        slug="erreur-interne",
    )
