"""Error pages that say what to do next, and problem+json for the API's paths. The 500 page
renders without a database, so it uses no context processor that queries."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from territoire.core.problems import problem


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem(request, status=403, title="Action non autorisée", slug="interdit")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem(request, status=404, title="Ressource introuvable", slug="introuvable")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem(request, status=500, title="Erreur interne", slug="erreur-interne")
    return HttpResponseServerError(loader.get_template("500.html").render({"request": None}))
