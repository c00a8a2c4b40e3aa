"""Pages for participants' own settings (profile, account deletion), moderation, the agents'
work (new process, text synthesis, decisions and actions) and the open-data exports."""

from __future__ import annotations

from datetime import datetime, time
from itertools import chain

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from territoire.core.exports import csv_response
from territoire.core.forms import attach_service_errors
from territoire.core.permissions import can, require
from territoire.core.views import crumbs, person
from territoire.participation import authoring, editing, opendata, selectors, services
from territoire.participation.forms import (
    ActionForm,
    DecisionForm,
    ModerationForm,
    PhaseForm,
    ProcessEditForm,
    ProcessForm,
    ProfileForm,
    ReportForm,
    SurveyCreateForm,
    SynthesisForm,
    TextForm,
)
from territoire.participation.models import ActionStatus
from territoire.participation.views import _crumbs, _posted


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The participant profile: pseudonym, optional commune, the GDPR notice."""
    current = selectors.profile_of(request.user)
    initial = (
        {
            "pseudonym": current.pseudonym,
            "commune": current.commune,
            "digest_frequency": current.digest_frequency,
            "accept_notice": True,
        }
        if current
        else {}
    )
    form = ProfileForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_save(
                actor=person(request),
                pseudonym=data["pseudonym"],
                commune=data["commune"],
                accept_notice=data["accept_notice"],
                digest_frequency=data["digest_frequency"] or "daily",
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre profil de participant est enregistré.")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("participation:processes")
            return redirect(target or "participation:processes")
    return render(
        request,
        "participation/profile.html",
        {
            "form": form,
            "profile": current,
            "breadcrumbs": _crumbs(None, ("Mon profil de participant", None)),
        },
    )


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete one's account; contributions stay, anonymised."""
    if request.method == "POST" and request.POST.get("confirm") == "oui":
        user = person(request)
        logout(request)  # first: the logout is logged with the account that still exists
        services.account_delete(actor=user)
        messages.success(
            request, "Votre compte est supprimé. Vos contributions restent, sans votre nom."
        )
        return redirect("core:home")
    return render(
        request,
        "participation/account_delete.html",
        {"breadcrumbs": _crumbs(None, ("Supprimer mon compte", None))},
    )


# --- moderation -----------------------------------------------------------------------------


@login_required
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    obj = selectors.contribution_get(request.user, kind=kind, pk=pk)
    form = ReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(actor=person(request), obj=obj, **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Merci, votre signalement sera examiné par la modération.")
            return redirect("participation:process", slug=obj.process.slug)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Signaler une contribution",
            "intro": "Signalez une contribution qui ne respecte pas la charte de participation. "
            "Votre signalement reste anonyme pour son auteur.",
            "quote": getattr(obj, "title", None) or obj.body[:300],
            "submit": "Envoyer le signalement",
            "breadcrumbs": _crumbs(obj.process, ("Signaler", None)),
        },
    )


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    require(request.user, "participation.moderate")
    return render(
        request,
        "participation/moderation.html",
        {
            "items": selectors.moderation_queue(request.user),
            "banned": selectors.banned_profiles()[:100]
            if can(request.user, "participation.moderate", 0)
            else [],
            "form": ModerationForm(),
            "breadcrumbs": crumbs(("Modération de la participation", None)),
        },
    )


@require_POST
@login_required
def moderate(request: HttpRequest, kind: str, pk: int, verb: str) -> HttpResponse:
    obj = selectors.contribution_get(request.user, kind=kind, pk=pk)
    require(request.user, "participation.moderate", obj.process)
    form = ModerationForm(request.POST)
    service = services.contribution_hide if verb == "masquer" else services.contribution_restore
    if form.is_valid():
        try:
            service(actor=person(request), obj=obj, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, "Contribution masquée." if verb == "masquer" else "Contribution rétablie."
            )
    else:
        messages.error(request, "Indiquez le motif de la décision de modération.")
    return redirect("participation:moderation")


@require_POST
@login_required
def ban(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "participation.moderate", 0)
    target = selectors.profile_get(pk=pk)
    if request.POST.get("lift"):
        services.participant_unban(actor=person(request), profile=target)
        messages.success(request, f"L'exclusion de {target.pseudonym} est levée.")
    else:
        try:
            services.participant_ban(
                actor=person(request), profile=target, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{target.pseudonym} ne peut plus participer.")
    return redirect("participation:moderation")


# --- agents ---------------------------------------------------------------------------------


@login_required
def process_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "participation.manage")
    communes = selectors.manageable_communes(request.user)
    form = ProcessForm(_posted(request), communes=communes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        start = datetime.combine(data["starts_on"], time.min, tz)
        end = datetime.combine(data["ends_on"], time.min, tz)
        try:
            process = services.process_create(
                actor=person(request),
                title=data["title"],
                summary=data["summary"],
                description=data["description"],
                commune=data["commune"],
                residents_only=data["residents_only"],
                categories=[c.strip() for c in data["categories"].splitlines() if c.strip()],
                phases=[(data["kind"], start, end)],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("commune", "Vous ne gérez pas les concertations de cette portée.")
        else:
            return redirect("participation:process", slug=process.slug)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Nouvelle concertation",
            "submit": "Créer la concertation",
            "breadcrumbs": _crumbs(None, ("Nouvelle concertation", None)),
        },
    )


MANAGE_FORMS = {"phase": PhaseForm, "text": TextForm, "survey": SurveyCreateForm}


@login_required
def process_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """For agents: add phases, texts (article by article) and surveys to a process."""
    process = selectors.process_get(request.user, slug=slug)
    require(request.user, "participation.manage", process)
    which = request.POST.get("which", "") if request.method == "POST" else ""
    forms_ = {
        name: cls(request.POST if name == which else None, prefix=name)
        for name, cls in MANAGE_FORMS.items()
    }
    form = forms_.get(which)
    if form is not None and form.is_valid():
        data, actor = form.cleaned_data, person(request)
        tz = timezone.get_current_timezone()
        try:
            if which == "phase":
                authoring.phase_add(
                    actor=actor,
                    process=process,
                    kind=data["kind"],
                    starts_at=datetime.combine(data["starts_on"], time.min, tz),
                    ends_at=datetime.combine(data["ends_on"], time.min, tz),
                )
            elif which == "text":
                authoring.text_create(actor=actor, process=process, **data)
            else:
                authoring.survey_create(actor=actor, process=process, **data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "La concertation est mise à jour.")
            return redirect("participation:process_manage", slug=slug)
    return render(
        request,
        "participation/process_manage.html",
        {
            "process": process,
            "form": form,
            "forms": forms_,
            "phases": list(process.phases.all()),
            "breadcrumbs": _crumbs(process, ("Préparer la concertation", None)),
        },
    )


@login_required
def process_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """For agents: edit the presentation and settings of a process (audited)."""
    process = selectors.process_get(request.user, slug=slug)
    require(request.user, "participation.manage", process)
    initial = {
        "title": process.title,
        "summary": process.summary,
        "description": process.description,
        "residents_only": process.residents_only,
        "categories": "\n".join(process.categories),
        "votes_per_ballot": process.votes_per_ballot,
        "published": process.published,
    }
    form = ProcessEditForm(_posted(request), initial=initial)
    if process.commune_id is None:
        del form.fields["residents_only"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            editing.process_update(
                actor=person(request),
                process=process,
                title=data["title"],
                summary=data["summary"],
                description=data["description"],
                residents_only=data.get("residents_only", False),
                categories=data["categories"].splitlines(),
                published=data["published"],
                votes_per_ballot=data["votes_per_ballot"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "La concertation est modifiée.")
            return redirect("participation:process", slug=slug)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": f"Modifier la concertation : {process.title}",
            "submit": "Enregistrer les modifications",
            "breadcrumbs": _crumbs(process, ("Modifier", None)),
        },
    )


@login_required
def phase_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """For agents: change a phase's kind and dates, or delete it (audited)."""
    process = selectors.process_get(request.user, slug=slug)
    require(request.user, "participation.manage", process)
    phase = process.phases.filter(pk=pk).first()
    if phase is None:
        raise Http404("Étape introuvable.")
    tz = timezone.get_current_timezone()
    initial = {
        "kind": phase.kind,
        "starts_on": timezone.localtime(phase.starts_at, tz).date(),
        "ends_on": timezone.localtime(phase.ends_at, tz).date(),
    }
    if request.method == "POST" and request.POST.get("delete"):
        editing.phase_delete(actor=person(request), phase=phase)
        messages.success(request, "L'étape est supprimée.")
        return redirect("participation:process_manage", slug=slug)
    form = PhaseForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            editing.phase_update(
                actor=person(request),
                phase=phase,
                kind=data["kind"],
                starts_at=datetime.combine(data["starts_on"], time.min, tz),
                ends_at=datetime.combine(data["ends_on"], time.min, tz),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "L'étape est modifiée.")
            return redirect("participation:process_manage", slug=slug)
    return render(
        request,
        "participation/phase_edit.html",
        {
            "form": form,
            "process": process,
            "phase": phase,
            "breadcrumbs": _crumbs(process, ("Modifier une étape", None)),
        },
    )


@login_required
def synthesis(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """For agents: comments grouped per article with counts, and the synthesis form."""
    process = selectors.process_get(request.user, slug=slug)
    require(request.user, "participation.manage", process)
    text = selectors.text_get(process=process, pk=pk)
    form = SynthesisForm(_posted(request), initial={"synthesis": text.synthesis})
    if request.method == "POST" and form.is_valid():
        try:
            services.synthesis_publish(
                actor=person(request), text=text, synthesis=form.cleaned_data["synthesis"]
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "La synthèse est publiée avec le texte.")
            return redirect("participation:text", slug=slug, pk=pk)
    return render(
        request,
        "participation/synthesis.html",
        {
            "process": process,
            "text": text,
            "rows": selectors.article_counts(text),
            "form": form,
            "breadcrumbs": _crumbs(
                process,
                (text.title, reverse("participation:text", args=[slug, pk])),
                ("Synthèse", None),
            ),
        },
    )


@login_required
def decision(request: HttpRequest, slug: str) -> HttpResponse:
    """For agents: publish the decision and add or update the resulting actions."""
    process = selectors.process_get(request.user, slug=slug)
    require(request.user, "participation.manage", process)
    is_action = request.method == "POST" and "progress" in request.POST
    decision_form = DecisionForm(
        _posted(request) if request.method == "POST" and not is_action else None,
        initial={"decision": process.decision},
    )
    action_form = ActionForm(request.POST if is_action else None)
    actions = {a.pk: a for a in process.actions.all()}
    if request.method == "POST":
        form = action_form if is_action else decision_form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if is_action:
                    services.action_save(
                        actor=person(request),
                        process=process,
                        action=actions.get(int(request.POST.get("action") or 0)),
                        **data,
                    )
                else:
                    services.process_decide(
                        actor=person(request), process=process, decision=data["decision"]
                    )
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, "Les résultats sont mis à jour.")
                return redirect("participation:results", slug=slug)
    return render(
        request,
        "participation/decision.html",
        {
            "process": process,
            "form": action_form if is_action else decision_form,
            "decision_form": decision_form,
            "action_form": action_form,
            "actions": list(actions.values()),
            "status_choices": ActionStatus.choices,
            "breadcrumbs": _crumbs(process, ("Publier les résultats", None)),
        },
    )


# --- open data ------------------------------------------------------------------------------


def open_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/open_data.html",
        {
            "datasets": list(opendata.DATASETS),
            "breadcrumbs": _crumbs(None, ("Données ouvertes", None)),
        },
    )


def _cell(value):
    return "" if value is None else value


def open_data_file(request: HttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """Anonymised contributions (no author, no hidden content) as CSV; JSON and the Table
    Schema are served by the API (``/api/v1/participation/open-data/...``)."""
    if name not in opendata.DATASETS or fmt != "csv":
        raise Http404("Jeu de données inconnu.")
    header = opendata.field_names(name)
    rows = opendata.DATASETS[name]()
    lines = chain([header], ([_cell(row[h]) for h in header] for row in rows))
    return csv_response(lines, f"participation-{name}.csv")
