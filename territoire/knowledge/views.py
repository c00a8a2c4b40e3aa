"""Pages of the knowledge base: public search and entry pages for everyone; the list and
the editor of entries for agents. Views check abilities and call selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from territoire.core.forms import attach_service_errors
from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, require
from territoire.core.views import crumbs, person
from territoire.knowledge import selectors, services
from territoire.knowledge.forms import (
    EditorFilterForm,
    EntryForm,
    SearchForm,
    ThemeDeleteForm,
    ThemeNameForm,
)
from territoire.knowledge.models import Entry, Status, Theme


def _crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Aide et informations", reverse("knowledge:search")), *items)


def search_page(request: HttpRequest) -> HttpResponse:
    """Search published FAQ, guides and legal references (public)."""
    form = SearchForm(request.GET or None)
    results: list[Entry] = []
    searched = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        searched = any(data.values())
        results = selectors.public_search(
            query=data["q"], commune=data["commune"], kind=data["kind"], theme=data["theme"]
        )
    elif not form.is_bound:
        results = selectors.public_search()
    page = paginate(request, results, per_page=20)
    return render(
        request,
        "knowledge/search.html",
        {
            "form": form,
            "page": page,
            "searched": searched,
            "querystring": querystring_without_page(request),
            "breadcrumbs": crumbs(("Aide et informations", None)),
        },
    )


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.public_entry(pk=pk)
    except Entry.DoesNotExist:
        raise Http404("Fiche introuvable") from None
    paragraphs = [part.strip() for part in entry.body.split("\n\n") if part.strip()]
    # The procedures app links entries (reverse relation "procedures"); none when absent.
    related = getattr(entry, "procedures", None)
    procedures = list(related.filter(status="published")) if related is not None else []
    return render(
        request,
        "knowledge/entry_detail.html",
        {
            "entry": entry,
            "paragraphs": paragraphs,
            "procedures": procedures,
            "may_edit": can(request.user, "knowledge.edit", entry),
            "breadcrumbs": _crumbs((entry.title, None)),
        },
    )


# --- agents -------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    require(request.user, "knowledge.edit")
    form = EditorFilterForm(request.GET or None)
    query, stale = "", False
    if form.is_bound and form.is_valid():
        query, stale = form.cleaned_data["q"], form.cleaned_data["stale"]
    entries = selectors.editable(request.user, query=query, stale_only=stale)
    return render(
        request,
        "knowledge/manage.html",
        {
            "form": form,
            "page": paginate(request, entries),
            "querystring": querystring_without_page(request),
            "breadcrumbs": _crumbs(("Gérer les fiches", None)),
        },
    )


def _entry_data(form: EntryForm) -> services.EntryData:
    data = form.cleaned_data
    return services.EntryData(
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        commune=data["commune"],
        summary=data["summary"],
        themes=list(data["themes"]),
        legal_reference=data["legal_reference"],
        source_url=data["source_url"],
        source_label=data["source_label"],
        review_by=data["review_by"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "knowledge.edit")
    communes = selectors.editor_communes(request.user)
    form = EntryForm(request.POST or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                actor=person(request), data=_entry_data(form), publish="publish" in request.POST
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, f"La fiche « {entry.title} » est enregistrée.")
            return redirect("knowledge:edit", pk=entry.pk)
    return render(
        request,
        "knowledge/entry_form.html",
        {
            "form": form,
            "entry": None,
            "breadcrumbs": _crumbs(
                ("Gérer les fiches", reverse("knowledge:manage")), ("Nouvelle fiche", None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.editable_entry(request.user, pk=pk)
    except Entry.DoesNotExist:
        raise Http404("Fiche introuvable") from None
    communes = selectors.editor_communes(request.user)
    initial = {
        "kind": entry.kind,
        "title": entry.title,
        "summary": entry.summary,
        "body": entry.body,
        "commune": entry.commune,
        "themes": list(entry.themes.all()),
        "legal_reference": entry.legal_reference,
        "source_url": entry.source_url,
        "source_label": entry.source_label,
        "review_by": entry.review_by,
    }
    form = EntryForm(request.POST or None, initial=initial, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(actor=person(request), entry=entry, data=_entry_data(form))
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Modifications enregistrées.")
            return redirect("knowledge:edit", pk=entry.pk)
    return render(
        request,
        "knowledge/entry_form.html",
        {
            "form": form,
            "entry": entry,
            "breadcrumbs": _crumbs(
                ("Gérer les fiches", reverse("knowledge:manage")), (entry.title, None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def entry_status(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.editable_entry(request.user, pk=pk)
    except Entry.DoesNotExist:
        raise Http404("Fiche introuvable") from None
    status = request.POST.get("status", "")
    try:
        services.entry_set_status(actor=person(request), entry=entry, status=status)
    except ValidationError:
        messages.error(request, "Action inconnue : utilisez les boutons de la page.")
    except PermissionDenied:
        raise
    else:
        messages.success(
            request, "Fiche publiée." if status == Status.PUBLISHED else "Fiche archivée."
        )
    return redirect("knowledge:edit", pk=entry.pk)


# --- themes (shared by every commune) -----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def themes(request: HttpRequest) -> HttpResponse:
    """The themes with the number of entries they classify; any editor adds one, a
    territory-wide editor renames or deletes them."""
    require(request.user, "knowledge.edit")
    form = ThemeNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.theme_create(actor=person(request), name=form.cleaned_data["name"])
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, f"Le thème « {theme.name} » est créé.")
            return redirect("knowledge:themes")
    return render(
        request,
        "knowledge/themes.html",
        {
            "form": form,
            "themes": selectors.themes_with_usage(),
            "may_manage": can(request.user, "knowledge.edit_cua"),
            "breadcrumbs": _crumbs(
                ("Gérer les fiches", reverse("knowledge:manage")), ("Thèmes", None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename or delete one theme (a theme in use is deleted only by moving its entries)."""
    require(request.user, "knowledge.edit_cua")
    try:
        theme = selectors.themes_with_usage().get(pk=pk)
    except Theme.DoesNotExist:
        raise Http404("Thème introuvable") from None
    action = request.POST.get("action")
    rename = ThemeNameForm(
        request.POST if action == "rename" else None, initial={"name": theme.name}
    )
    delete = ThemeDeleteForm(request.POST if action == "delete" else None, theme=theme)
    if action == "rename" and rename.is_valid():
        try:
            services.theme_rename(
                actor=person(request), theme=theme, name=rename.cleaned_data["name"]
            )
        except ValidationError as exc:
            attach_service_errors(rename, exc)
        else:
            messages.success(request, f"Le thème s'appelle désormais « {theme.name} ».")
            return redirect("knowledge:themes")
    elif action == "delete" and delete.is_valid():
        name = theme.name
        try:
            moved = services.theme_delete(
                actor=person(request), theme=theme, move_to=delete.cleaned_data["move_to"]
            )
        except ValidationError as exc:
            attach_service_errors(delete, exc)
        else:
            plural = "s" if moved > 1 else ""
            moved_text = f" ; {moved} fiche{plural} déplacée{plural}" if moved else ""
            messages.success(request, f"Le thème « {name} » est supprimé{moved_text}.")
            return redirect("knowledge:themes")
    return render(
        request,
        "knowledge/theme_form.html",
        {
            "theme": theme,
            "rename": rename,
            "delete": delete,
            "breadcrumbs": _crumbs(
                ("Gérer les fiches", reverse("knowledge:manage")),
                ("Thèmes", reverse("knowledge:themes")),
                (theme.name, None),
            ),
        },
        status=400 if rename.errors or delete.errors else 200,
    )
