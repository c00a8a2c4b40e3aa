"""Pieces shared by the governance pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from territoire.core.forms import attach_service_errors as core_attach_service_errors
from territoire.core.permissions import can
from territoire.core.views import crumbs


def hub_nav(request: HttpRequest) -> list[tuple[str, str]]:
    """The governance section's own menu: the pages this person may use."""
    user = request.user
    nav = [
        ("Accueil gouvernance", reverse("governance:home")),
        ("La charte", reverse("governance:charter")),
        ("Algorithmes publics", reverse("governance:algorithms")),
        ("Catalogue de données", reverse("governance:datasets")),
        ("Bilan annuel", reverse("governance:annual_report_latest")),
    ]
    if user.is_authenticated:
        if can(user, "governance.use_projects"):
            nav.append(("Projets", reverse("governance:projects")))
        if can(user, "governance.run_committee"):
            nav.append(("Comité", reverse("governance:committee")))
        if can(user, "governance.use_registers"):
            nav.append(("Registre RGPD", reverse("governance:gdpr")))
            nav.append(("Gérer les algorithmes", reverse("governance:algorithms_manage")))
            nav.append(("Gérer le catalogue", reverse("governance:datasets_manage")))
        if can(user, "governance.view_dashboard"):
            nav.append(("Tableau de bord", reverse("governance:dashboard")))
    return nav


def page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("hub_nav", hub_nav(request))
    return render(request, template, context, status=status)


def gov_crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Gouvernance des données", reverse("governance:home")), *items)


def posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def get_or_404(getter, *args, **kwargs):
    try:
        return getter(*args, **kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def attach_service_errors(form: BaseForm, exc: ValidationError) -> None:
    """core's helper, for model forms too."""
    core_attach_service_errors(form, exc)  # type: ignore[arg-type]
