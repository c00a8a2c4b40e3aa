"""Project sheets and the committee's work: list, sheet with its legal screens, writing and
submitting, reviewers, opinions, decisions, conditions, meetings (agenda and minutes), and
the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, require
from territoire.core.views import person
from territoire.governance import impact_forms, selectors, services
from territoire.governance.forms import (
    ConditionMetForm,
    DecisionForm,
    MeetingForm,
    MeetingNotesForm,
    OpinionForm,
    ProjectFilterForm,
    ProjectForm,
    ReviewersForm,
)
from territoire.governance.models import Condition, Meeting, Opinion, Project
from territoire.governance.services.review import complete_reviewers
from territoire.governance.views.common import (
    attach_service_errors,
    get_or_404,
    gov_crumbs,
    page,
    posted,
)


def _projects_crumbs(*items):
    return gov_crumbs(("Projets", reverse("governance:projects")), *items)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.use_projects")
    form = ProjectFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"q": "", "state": ""}
    projects = selectors.projects(request.user, search=data["q"], state=data["state"])
    result = paginate(request, projects)
    return page(
        request,
        "governance/project_list.html",
        {
            "form": form,
            "page": result,
            "querystring": querystring_without_page(request),
            "filtered": bool(request.GET.get("q") or request.GET.get("state")),
            "may_create": can(request.user, "governance.create_any_project"),
            "breadcrumbs": gov_crumbs(("Projets", None)),
        },
    )


def _project_form(request: HttpRequest, project: Project | None = None) -> ProjectForm:
    return ProjectForm(
        posted(request),
        instance=Project.objects.get(pk=project.pk) if project else None,
        communes=selectors.communes_for_projects(request.user),
        with_cua=selectors.may_work_for_cua(request.user),
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.create_any_project")
    form = _project_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                actor=person(request), commune=form.owner_commune(), **form.values()
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(
                request, "Projet enregistré en brouillon. Relisez-le puis soumettez-le au comité."
            )
            return redirect("governance:project", pk=project.pk)
    return page(
        request,
        "governance/project_form.html",
        {"form": form, "breadcrumbs": _projects_crumbs(("Nouveau projet", None))},
        status=400 if form.errors else 200,
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_or_404(selectors.project_get, request.user, pk=pk)
    require(request.user, "governance.edit_project", project)
    form = _project_form(request, project)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.project_update(
                actor=person(request), project=project, **form.values()
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            if updated.revision != project.revision:
                messages.info(request, "Projet modifié : le comité l'examinera de nouveau.")
            else:
                messages.success(request, "Projet enregistré.")
            return redirect("governance:project", pk=project.pk)
    return page(
        request,
        "governance/project_form.html",
        {
            "form": form,
            "project": project,
            "breadcrumbs": _projects_crumbs(
                (project.title, reverse("governance:project", args=[pk])), ("Modifier", None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_or_404(selectors.project_get, request.user, pk=pk)
    user = request.user
    reviews = list(selectors.project_reviews(project))
    team = can(user, "governance.edit_project", project)
    committee = can(user, "governance.run_committee")
    return page(
        request,
        "governance/project_detail.html",
        {
            "project": project,
            "screening": project.screening(),
            "reviews": reviews,
            "open_review": next((r for r in reviews if r.is_open), None),
            "may_edit": team,
            "may_run_committee": committee,
            "may_mark_conditions": team or committee,
            "show_sheet": team or committee,
            "impact_forms": impact_forms.required_forms(project),
            "breadcrumbs": _projects_crumbs((project.title, None)),
        },
    )


@login_required
@require_POST
def project_submit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_or_404(selectors.project_get, request.user, pk=pk)
    try:
        services.project_submit(actor=person(request), project=project)
    except ValidationError as exc:
        messages.error(request, "Le projet ne peut pas être soumis : " + " ".join(exc.messages))
    else:
        messages.success(request, "Projet soumis au comité.")
    return redirect("governance:project", pk=pk)


@login_required
def review_assign(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "governance.run_committee")
    project = get_or_404(selectors.project_get, request.user, pk=pk)
    open_review = project.reviews.filter(is_open=True, revision=project.revision).first()
    form = ReviewersForm(
        posted(request),
        members=selectors.committee_members(),
        initial={"reviewers": list(open_review.reviewers.all()) if open_review else []},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_assign(
                actor=person(request), project=project, reviewers=form.cleaned_data["reviewers"]
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Rapporteurs désignés.")
            return redirect("governance:project", pk=pk)
    return page(
        request,
        "governance/review_assign.html",
        {
            "form": form,
            "project": project,
            "breadcrumbs": _projects_crumbs(
                (project.title, reverse("governance:project", args=[pk])), ("Rapporteurs", None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def opinion_give(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_or_404(selectors.review_get, request.user, pk=pk)
    require(request.user, "governance.give_opinion", review)
    principles = list(review.charter.principles.all())
    previous = {
        o.principle_id: o for o in Opinion.objects.filter(review=review, reviewer=person(request))
    }
    form = OpinionForm(posted(request), principles=principles, previous=previous)
    if request.method == "POST" and form.is_valid():
        try:
            services.opinions_record(actor=person(request), review=review, opinions=form.opinions())
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Vos avis sont enregistrés.")
            return redirect("governance:project", pk=review.project_id)
    return page(
        request,
        "governance/opinion_form.html",
        {
            "form": form,
            "review": review,
            "project": review.project,
            "screening": review.project.screening(),
            "breadcrumbs": _projects_crumbs(
                (review.project.title, reverse("governance:project", args=[review.project_id])),
                ("Donner mon avis", None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def decision_record(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "governance.run_committee")
    review = get_or_404(selectors.review_get, request.user, pk=pk)
    form = DecisionForm(posted(request), meetings=Meeting.objects.filter(reviews=review))
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_record(
                actor=person(request),
                review=review,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                conditions=form.condition_list(),
                meeting=form.cleaned_data["meeting"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Avis du comité enregistré.")
            return redirect("governance:project", pk=review.project_id)
    opinions = Opinion.objects.filter(review=review).select_related("reviewer", "principle")
    return page(
        request,
        "governance/decision_form.html",
        {
            "form": form,
            "review": review,
            "project": review.project,
            "opinions": opinions,
            "complete": len(complete_reviewers(review)),
            "min_reviewers": services.MIN_REVIEWERS,
            "breadcrumbs": _projects_crumbs(
                (review.project.title, reverse("governance:project", args=[review.project_id])),
                ("Avis du comité", None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def condition_met(request: HttpRequest, pk: int) -> HttpResponse:
    condition = get_or_404(
        Condition.objects.filter(decision__review__project__in=selectors.projects(request.user))
        .select_related("decision__review__project")
        .get,
        pk=pk,
    )
    project = condition.decision.review.project
    if not (
        can(request.user, "governance.edit_project", project)
        or can(request.user, "governance.run_committee")
    ):
        raise PermissionDenied("governance.condition_met")
    form = ConditionMetForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.condition_mark_met(
                actor=person(request), condition=condition, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Condition levée.")
            return redirect("governance:project", pk=project.pk)
    return page(
        request,
        "governance/condition_form.html",
        {
            "form": form,
            "condition": condition,
            "project": project,
            "breadcrumbs": _projects_crumbs(
                (project.title, reverse("governance:project", args=[project.pk])),
                ("Lever une condition", None),
            ),
        },
        status=400 if form.errors else 200,
    )


# --- committee ---------------------------------------------------------------------------


@login_required
def committee(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.run_committee")
    form = MeetingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(actor=person(request), **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(
                request, "Séance programmée ; son ordre du jour reprend la file d'attente."
            )
            return redirect("governance:meeting_agenda", pk=meeting.pk)
    return page(
        request,
        "governance/committee.html",
        {
            "form": form,
            "queue": selectors.queue(request.user),
            "assigned": selectors.reviews_assigned(request.user),
            "meetings": selectors.meetings()[:20],
            "conditions": selectors.pending_conditions(request.user)[:50],
            "breadcrumbs": gov_crumbs(("Comité", None)),
        },
        status=400 if form.errors else 200,
    )


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    require(request.user, "governance.run_committee")
    return get_or_404(Meeting.objects.get, pk=pk)


@login_required
def meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    reviews = meeting.reviews.select_related("project", "project__commune").prefetch_related(
        "reviewers"
    )
    return page(
        request,
        "governance/meeting_agenda.html",
        {
            "meeting": meeting,
            "items": [(review, review.project.screening()) for review in reviews],
            "breadcrumbs": gov_crumbs(
                ("Comité", reverse("governance:committee")), (f"Ordre du jour — {meeting}", None)
            ),
        },
    )


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """Minutes generated from the agenda: per project, the mean score per principle, the
    reviewers' comments and the decision taken, then the secretary's notes."""
    meeting = _meeting(request, pk)
    form = MeetingNotesForm(posted(request), initial={"notes": meeting.notes})
    if request.method == "POST" and form.is_valid():
        services.meeting_notes_update(
            actor=person(request), meeting=meeting, notes=form.cleaned_data["notes"]
        )
        messages.success(request, "Notes de séance enregistrées.")
        return redirect("governance:meeting_minutes", pk=pk)
    items = []
    for review in meeting.reviews.select_related("project", "project__commune", "charter"):
        opinions = list(review.opinions.select_related("principle", "reviewer"))
        by_principle: dict[str, list[Opinion]] = {}
        for opinion in opinions:
            by_principle.setdefault(opinion.principle.title, []).append(opinion)
        summary = [
            (title, sum(o.score for o in ops) / len(ops), ops)
            for title, ops in by_principle.items()
        ]
        decision = getattr(review, "decision", None)
        items.append((review, summary, decision))
    return page(
        request,
        "governance/meeting_minutes.html",
        {
            "meeting": meeting,
            "items": items,
            "form": form,
            "breadcrumbs": gov_crumbs(
                ("Comité", reverse("governance:committee")), (f"Procès-verbal — {meeting}", None)
            ),
        },
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.view_dashboard")
    figures = selectors.dashboard(request.user)
    return page(
        request,
        "governance/dashboard.html",
        {
            "figures": figures,
            "completeness": [
                (row, can(request.user, "governance.view_gdpr_register", row.commune))
                for row in selectors.register_completeness()
            ],
            "breadcrumbs": gov_crumbs(("Tableau de bord", None)),
        },
    )
