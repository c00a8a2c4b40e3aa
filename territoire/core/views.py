"""Pages of the core: public pages, sign-in, "Mon espace", and the administration of members,
audit log and API keys. Views check abilities and call selectors and services only."""

from __future__ import annotations

import itertools
import json
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from territoire.core import selectors, services
from territoire.core.audit import action_label
from territoire.core.auth import security_log
from territoire.core.exports import csv_response
from territoire.core.forms import (
    ApiKeyForm,
    AuditFilterForm,
    CommuneSearchForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    ResetRequestForm,
    attach_service_errors,
)
from territoire.core.models import ApiKey, Commune, Membership, User
from territoire.core.modules import MODULES
from territoire.core.navigation import my_space_links
from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, require

CUA_SCOPE = "cua"


def person(request: HttpRequest) -> User:
    """The signed-in person (views using it are behind login_required)."""
    return cast(User, request.user)


def crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    """Breadcrumbs from the home page; the last item is the current page (no link)."""
    return [("Accueil", reverse_lazy("core:home")), *items]


# --- public pages ------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"modules": MODULES})


def commune_list(request: HttpRequest) -> HttpResponse:
    form = CommuneSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    page = paginate(request, selectors.commune_list(search=search))
    return render(
        request,
        "core/commune_list.html",
        {
            "form": form,
            "page": page,
            "search": search,
            "querystring": querystring_without_page(request),
            "breadcrumbs": crumbs(("Les communes", None)),
        },
    )


def commune_detail(request: HttpRequest, insee_code: str) -> HttpResponse:
    try:
        commune = selectors.commune_get(insee_code=insee_code)
    except Commune.DoesNotExist as exc:
        raise Http404("Commune introuvable") from exc
    return render(
        request,
        "core/commune_detail.html",
        {
            "commune": commune,
            "breadcrumbs": crumbs(("Les communes", reverse("core:communes")), (commune.name, None)),
        },
    )


def static_page(template: str, title: str):
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template, {"breadcrumbs": crumbs((title, None)), "title": title})

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


def site_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/site_map.html",
        {"breadcrumbs": crumbs(("Plan du site", None)), "modules": MODULES},
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/errors/csrf.html", status=403)


# --- sign-in ----------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "core/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"breadcrumbs": crumbs(("Connexion", None))}


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "core/auth/password_reset.html"
    email_template_name = "core/auth/password_reset_email.txt"
    subject_template_name = "core/auth/password_reset_subject.txt"
    form_class = ResetRequestForm
    success_url = reverse_lazy("core:password_reset_done")
    extra_context = {"breadcrumbs": crumbs(("Mot de passe oublié", None))}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/auth/password_reset_done.html"
    extra_context = {"breadcrumbs": crumbs(("Mot de passe oublié", None))}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/auth/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("core:password_reset_complete")
    extra_context = {"breadcrumbs": crumbs(("Nouveau mot de passe", None))}

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink:
            security_log.info("password reset link refused (expired, used or forged)")
        return response

    def form_valid(self, form):
        # The new password and its audit entry are saved together, or not at all.
        with transaction.atomic():
            response = super().form_valid(form)
            services.security_event_record(action="auth.password_reset", actor=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/auth/password_reset_complete.html"
    extra_context = {"breadcrumbs": crumbs(("Nouveau mot de passe", None))}


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/auth/password_change.html"
    success_url = reverse_lazy("core:my_space")
    extra_context = {
        "breadcrumbs": crumbs(
            ("Mon espace", reverse_lazy("core:my_space")), ("Changer de mot de passe", None)
        )
    }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["old_password"].widget.attrs["autocomplete"] = "current-password"
        return form

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.security_event_record(action="auth.password_change", actor=form.user)
        messages.success(self.request, "Votre mot de passe a été changé.")
        return response


@login_required
def my_space(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/my_space.html",
        {
            "memberships": selectors.roles_of(person(request)),
            "administered": selectors.communes_administered(request.user),
            "module_links": my_space_links(request.user),
            "breadcrumbs": crumbs(("Mon espace", None)),
        },
    )


# --- administration ---------------------------------------------------------------------


def _scope(request: HttpRequest, scope: str) -> Commune | None:
    """The commune named in the URL (or None for the territory-wide scope)."""
    if scope == CUA_SCOPE:
        return None
    try:
        return selectors.commune_get(insee_code=scope)
    except Commune.DoesNotExist as exc:
        raise Http404("Commune introuvable") from exc


@login_required
def members_home(request: HttpRequest) -> HttpResponse:
    require(request.user, "core.use_admin_area")
    communes = selectors.communes_administered(request.user)
    if not can(request.user, "core.manage_members", None) and communes.count() == 1:
        return redirect("core:members", scope=communes.get().insee_code)
    return render(
        request,
        "core/admin/members_home.html",
        {
            "communes": communes,
            "cua_scope": CUA_SCOPE if can(request.user, "core.manage_members", None) else None,
            "breadcrumbs": crumbs(("Mon espace", reverse("core:my_space")), ("Membres", None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, scope: str) -> HttpResponse:
    commune = _scope(request, scope)
    require(request.user, "core.manage_members", commune)
    form = InviteForm(request.POST or None, principal=request.user, commune=commune)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.member_invite(
                actor=person(request),
                commune=commune,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            role = membership.get_role_display()
            messages.success(request, f"{membership.user.email} a maintenant le rôle « {role} ».")
            return redirect("core:members", scope=scope)
    search = request.GET.get("q", "").strip()[:100]
    page = paginate(
        request, selectors.memberships_of_commune(request.user, commune=commune, search=search)
    )
    title = commune.name if commune else "Toute la CUA"
    return render(
        request,
        "core/admin/members.html",
        {
            "form": form,
            "page": page,
            "search": search,
            "scope": scope,
            "scope_title": title,
            "commune": commune,
            "querystring": querystring_without_page(request),
            "breadcrumbs": crumbs(
                ("Mon espace", reverse("core:my_space")),
                ("Membres", reverse("core:members_home")),
                (title, None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        membership = selectors.membership_for_manager(request.user, pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404("Rattachement introuvable") from exc
    scope = membership.commune.insee_code if membership.commune else CUA_SCOPE
    error = ""
    if request.method == "POST":
        try:
            services.membership_revoke(actor=person(request), membership=membership)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Le rôle de {membership.user.email} a été retiré.")
            return redirect("core:members", scope=scope)
    return render(
        request,
        "core/admin/membership_revoke.html",
        {
            "membership": membership,
            "scope": scope,
            "error": error,
            "breadcrumbs": crumbs(
                ("Membres", reverse("core:members", kwargs={"scope": scope})),
                ("Retirer un rôle", None),
            ),
        },
        status=400 if error else 200,
    )


def _audit_entries(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    """The filter form and the entries it selects; invalid filters select nothing (the page
    says what to correct rather than showing an unfiltered log)."""
    form = AuditFilterForm(
        request.GET or None,
        communes=selectors.communes_administered(request.user),
    )
    entries = selectors.audit_entries(request.user).select_related("commune")
    if not form.is_bound:
        return form, entries
    if not form.is_valid():
        return form, entries.none()
    data: dict[str, Any] = form.cleaned_data
    filters = selectors.AuditFilters(
        search=data["q"],
        commune_id=data["commune"].pk if data["commune"] else None,
        action=data["action"],
        actor=data["actor"],
        since=data["since"],
        until=data["until"],
    )
    return form, selectors.audit_entries(request.user, filters).select_related("commune")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, "core.view_audit", None)
    form, entries = _audit_entries(request)
    return render(
        request,
        "core/admin/audit_log.html",
        {
            "form": form,
            "page": paginate(request, entries, per_page=50),
            "querystring": querystring_without_page(request),
            "breadcrumbs": crumbs(
                ("Mon espace", reverse("core:my_space")), ("Journal des modifications", None)
            ),
        },
    )


@login_required
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV."""
    require(request.user, "core.view_audit", None)
    _form, entries = _audit_entries(request)
    header = [
        "date",
        "auteur",
        "action",
        "libelle_action",
        "type_objet",
        "id_objet",
        "objet",
        "commune_insee",
        "modifications",
        "adresse_ip",
    ]
    rows = (
        (
            timezone.localtime(entry.at).isoformat(),
            entry.actor_label,
            entry.action,
            action_label(entry.action),
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            entry.commune.insee_code if entry.commune else "",
            json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
            entry.ip_address or "",
        )
        for entry in entries.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(itertools.chain([header], rows), f"journal-{stamp}.csv")


@login_required
def api_keys_home(request: HttpRequest) -> HttpResponse:
    require(request.user, "core.use_admin_area")
    communes = selectors.communes_administered(request.user)
    if communes.count() == 1:
        return redirect("core:api_keys", insee_code=communes.get().insee_code)
    return render(
        request,
        "core/admin/api_keys_home.html",
        {
            "communes": communes,
            "breadcrumbs": crumbs(("Mon espace", reverse("core:my_space")), ("Clés d'API", None)),
        },
    )


@never_cache  # the page may show a new secret: no browser or proxy may keep it
@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest, insee_code: str) -> HttpResponse:
    commune = _scope(request, insee_code)
    if commune is None:
        raise Http404
    require(request.user, "core.manage_api_keys", commune)
    form = ApiKeyForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, new_secret = services.api_key_create(
                actor=person(request),
                commune=commune,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            form = ApiKeyForm()
    return render(
        request,
        "core/admin/api_keys.html",
        {
            "commune": commune,
            "form": form,
            "new_secret": new_secret,
            "page": paginate(request, selectors.api_keys_of_commune(request.user, commune=commune)),
            "querystring": querystring_without_page(request),
            "breadcrumbs": crumbs(
                ("Mon espace", reverse("core:my_space")),
                ("Clés d'API", reverse("core:api_keys_home")),
                (commune.name, None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        key = selectors.api_key_for_manager(request.user, pk=pk)
    except ApiKey.DoesNotExist as exc:
        raise Http404("Clé introuvable") from exc
    try:
        services.api_key_revoke(actor=person(request), key=key)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise
    else:
        messages.success(request, f"La clé « {key.name} » est révoquée.")
    return redirect("core:api_keys", insee_code=key.commune.insee_code)
