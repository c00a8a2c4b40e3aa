"""problem+json (RFC 9457) answers for the API: every error, expected or not, is one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"

# French wording of the pydantic error types a client meets most.
_FIELD_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Cette valeur est trop courte.",
    "string_too_long": "Cette valeur est trop longue.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_type": "Un nombre entier est attendu.",
    "float_parsing": "Un nombre est attendu.",
    "bool_parsing": "Une valeur vrai/faux est attendue.",
    "string_type": "Une chaîne de caractères est attendue.",
    "enum": "Cette valeur ne fait pas partie des choix possibles.",
    "literal_error": "Cette valeur ne fait pas partie des choix possibles.",
    "value_error": "Cette valeur n'est pas valide.",
    "date_from_datetime_parsing": "Une date au format AAAA-MM-JJ est attendue.",
    "date_parsing": "Une date au format AAAA-MM-JJ est attendue.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
}


def problem(
    request: HttpRequest | None,
    *,
    status: int,
    title: str,
    detail: str = "",
    slug: str = "",
    errors: list[dict[str, Any]] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"urn:territoire:probleme:{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


# French titles for the statuses Django or ninja may answer on their own.
STATUS_TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Action non autorisée",
    404: "Ressource introuvable",
    405: "Méthode non permise",
    413: "Requête trop volumineuse",
    429: "Trop de requêtes",
    500: "Erreur interne",
}


class ApiProblemMiddleware:
    """Under /api/, every error answer is problem+json, including those made outside the
    API's exception handlers: an unknown path (404), a wrong method (405), a CSRF refusal,
    an unexpected crash (500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            converted = problem(
                request,
                status=response.status_code,
                title=STATUS_TITLES.get(response.status_code, "Requête refusée"),
            )
            if response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
            return converted
        return response


class RejectNulMiddleware:
    """A NUL character is never valid in an address or a query (PostgreSQL refuses it in any
    text), so such a request is answered 400 before it reaches a view or the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            from django.shortcuts import render

            return render(request, "400.html", status=400)
        return self.get_response(request)


def field_errors(pydantic_errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{field, message, code}`` with a French message."""
    out = []
    for error in pydantic_errors:
        location = [str(part) for part in error.get("loc", ())]
        # ninja prefixes the location with where the value came from (body, query, path).
        field = ".".join(location[1:] if len(location) > 1 else location)
        code = str(error.get("type", "invalid"))
        out.append(
            {
                "field": field,
                "message": _FIELD_MESSAGES.get(code, str(error.get("msg", "Valeur invalide."))),
                "code": code,
            }
        )
    return out


def django_validation_errors(exc: Any) -> list[dict[str, Any]]:
    """A django ValidationError as field errors ("" for errors not tied to a field)."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": message, "code": "invalid"}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": message, "code": "invalid"} for message in exc.messages]
