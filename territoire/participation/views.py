"""Public pages of citizen participation: processes, proposals, debates, texts article by
article, surveys and their results, comments and votes. Views check abilities, call
selectors and services, and show service refusals in French without losing what was typed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from territoire.core.forms import attach_service_errors
from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, require
from territoire.core.views import crumbs, person
from territoire.participation import media, rules, selectors, services
from territoire.participation.forms import (
    AnswerForm,
    CommentForm,
    DebateForm,
    ProposalForm,
    survey_form,
)
from territoire.participation.models import Article, Debate, PhaseKind, Process, Proposal

PROPOSALS_PER_PAGE = 25


def _crumbs(process: Process | None = None, *items: tuple[str, Any]) -> list[tuple[str, Any]]:
    base: list[tuple[str, Any]] = [("Participer", reverse("participation:processes"))]
    if process is not None:
        base.append((process.title, reverse("participation:process", args=[process.slug])))
    return crumbs(*base, *items)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _needs_profile(request: HttpRequest) -> HttpResponse | None:
    """Send a signed-in person without a participant profile to create one first."""
    if selectors.profile_of(request.user) is None:
        messages.info(request, "Choisissez d'abord un pseudonyme pour participer.")
        return redirect(f"{reverse('participation:profile')}?next={request.path}")
    return None


def _map_data(points: list[dict[str, Any]], communes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "points": points,
        "communes": communes,
        "tiles": settings.MAP_TILE_URL or "",
        "attribution": settings.MAP_TILE_ATTRIBUTION or "",
    }


def place_picker(process: Process) -> dict[str, Any]:
    """What the map of the proposal form needs: where to open, the commune centres."""
    communes = selectors.commune_centres(process)
    arras = next((c for c in communes if c["name"] == "Arras"), None)
    centre = communes[0] if process.commune_id and communes else arras
    return {
        "centre": [centre["lat"], centre["lng"]] if centre else [50.2910, 2.7775],
        "zoom": 14 if process.commune_id else 11,
        **_map_data([], communes),
    }


def process_list(request: HttpRequest) -> HttpResponse:
    processes = list(selectors.process_list(request.user))
    rows = [(p, rules.current(p)) for p in processes]
    return render(
        request,
        "participation/process_list.html",
        {"rows": rows, "breadcrumbs": crumbs(("Participer", None)), "title": "Participer"},
    )


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The process page: what can be done now and until when, then a page of proposals."""
    process = selectors.process_get(request.user, slug=slug)
    order = "supports" if request.GET.get("tri") == "soutiens" else "recent"
    category = request.GET.get("categorie", "")[:100]
    search = request.GET.get("q", "").replace("\x00", "")[:100]
    proposals = selectors.proposals_of(
        request.user, process=process, order=order, category=category, search=search
    )
    page = paginate(request, proposals, PROPOSALS_PER_PAGE)
    points = selectors.proposal_points(request.user, process=process)
    return render(
        request,
        "participation/process_detail.html",
        {
            "process": process,
            "now": rules.current(process),
            "phases": rules.phases_of(process),
            "has_vote": any(p.kind == PhaseKind.VOTE for p in rules.phases_of(process)),
            "page": page,
            "order": order,
            "category": category,
            "search": search,
            "querystring": querystring_without_page(request),
            "debates": selectors.debates_of(request.user, process=process)[:10],
            "texts": list(process.texts.all()),
            "surveys": list(process.surveys.all()),
            "following": selectors.is_following(request.user, process=process),
            "may_manage": can(request.user, "participation.manage", process),
            "map_data": _map_data(points, selectors.commune_centres(process) if points else []),
            "breadcrumbs": _crumbs(None, (process.title, None)),
        },
    )


@login_required
def proposal_new(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    if (missing := _needs_profile(request)) is not None:
        return missing
    form = ProposalForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        categories=process.categories,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_create(
                actor=person(request),
                process=process,
                title=data["title"],
                body=data["body"],
                category=data.get("category", ""),
                latitude=data["latitude"],
                longitude=data["longitude"],
                photo=data.get("photo"),
                photo_alt=data.get("photo_alt", ""),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre proposition est publiée.")
            return redirect("participation:proposal", slug=process.slug, pk=proposal.pk)
    allowed = rules.allows(process, "propose")
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "process": process,
            "heading": "Déposer une proposition",
            "intro": None if allowed else rules.REFUSED["propose"],
            "picker": place_picker(process) if allowed else None,
            "submit": "Publier la proposition",
            "breadcrumbs": _crumbs(process, ("Déposer une proposition", None)),
        },
    )


def _comments_context(request: HttpRequest, target, process: Process) -> dict[str, Any]:
    kind = {Proposal: "proposition", Debate: "debat", Article: "article"}[type(target)]
    page, threads = selectors.comment_threads(request.user, request, target=target, process=process)
    return {
        "comment_page": page,
        "page": page,
        "threads": threads,
        "comment_action": reverse(
            "participation:comment_create", args=[process.slug, kind, target.pk]
        ),
        "may_comment": rules.allows(process, "comment"),
        "may_moderate": can(request.user, "participation.moderate", process),
        "querystring": querystring_without_page(request),
        "now_dt": timezone.now(),
    }


def proposal_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    proposal = selectors.proposal_get(request.user, process=process, pk=pk)
    context = _comments_context(request, proposal, process)
    context.update(
        {
            "process": process,
            "proposal": proposal,
            "may_support": rules.allows(process, "support"),
            "may_manage": can(request.user, "participation.manage", process),
            "answer_form": AnswerForm(initial={"status": proposal.status}),
            "following": selectors.is_following(request.user, proposal=proposal),
            "map_data": _map_data(
                [
                    {
                        "title": proposal.title,
                        "url": request.path,
                        "lat": float(proposal.latitude),
                        "lng": float(proposal.longitude),
                    }
                ]
                if proposal.latitude is not None and proposal.longitude is not None
                else [],
                [],
            ),
            "breadcrumbs": _crumbs(process, (proposal.title, None)),
        }
    )
    return render(request, "participation/proposal_detail.html", context)


def proposal_photo(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """The proposal's photo, served from outside the web root only while the person may see
    the proposal (hidden by moderation: moderators only)."""
    process = selectors.process_get(request.user, slug=slug)
    proposal = selectors.proposal_get(request.user, process=process, pk=pk)
    if not proposal.photo or (
        proposal.hidden and not can(request.user, "participation.moderate", process)
    ):
        raise Http404("Photo introuvable.")
    try:
        handle = proposal.photo.open("rb")
    except FileNotFoundError:
        raise Http404("Photo introuvable.") from None
    response = FileResponse(handle, content_type=media.content_type_of(proposal.photo.name))
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
@login_required
def proposal_support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    proposal = selectors.proposal_get(request.user, process=process, pk=pk)
    try:
        services.support_add(actor=person(request), proposal=proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Votre soutien est enregistré. Merci !")
    return redirect("participation:proposal", slug=slug, pk=pk)


@login_required
def proposal_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    proposal = selectors.proposal_get(request.user, process=process, pk=pk)
    require(request.user, "participation.manage", process)
    form = AnswerForm(
        _posted(request), initial={"status": proposal.status, "answer": proposal.answer}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_answer(
                actor=person(request),
                proposal=proposal,
                status=form.cleaned_data["status"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "La réponse est publiée sur la proposition.")
            return redirect("participation:proposal", slug=slug, pk=pk)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": f"Répondre à « {proposal.title} »",
            "submit": "Publier la réponse",
            "breadcrumbs": _crumbs(process, (proposal.title, None)),
        },
    )


@login_required
def debate_new(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    if (missing := _needs_profile(request)) is not None:
        return missing
    form = DebateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            debate = services.debate_create(
                actor=person(request), process=process, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("participation:debate", slug=slug, pk=debate.pk)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Ouvrir un débat",
            "intro": None if rules.allows(process, "debate") else rules.REFUSED["debate"],
            "submit": "Ouvrir le débat",
            "breadcrumbs": _crumbs(process, ("Ouvrir un débat", None)),
        },
    )


def debate_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    debate = selectors.debate_get(request.user, process=process, pk=pk)
    context = _comments_context(request, debate, process)
    context.update(
        {
            "process": process,
            "debate": debate,
            "breadcrumbs": _crumbs(process, (debate.title, None)),
        }
    )
    return render(request, "participation/debate_detail.html", context)


def text_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    text = selectors.text_get(process=process, pk=pk)
    return render(
        request,
        "participation/text_detail.html",
        {
            "process": process,
            "text": text,
            "may_manage": can(request.user, "participation.manage", process),
            "breadcrumbs": _crumbs(process, (text.title, None)),
        },
    )


def article_detail(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    text = selectors.text_get(process=process, pk=pk)
    article = selectors.article_get(text=text, number=number)
    context = _comments_context(request, article, process)
    articles = list(text.articles.all())
    index = articles.index(article)
    context.update(
        {
            "process": process,
            "text": text,
            "article": article,
            "previous": articles[index - 1] if index else None,
            "next": articles[index + 1] if index + 1 < len(articles) else None,
            "breadcrumbs": _crumbs(
                process,
                (text.title, reverse("participation:text", args=[slug, text.pk])),
                (f"Article {article.number}", None),
            ),
        }
    )
    return render(request, "participation/article_detail.html", context)


def _comment_target(request: HttpRequest, slug: str, kind: str, pk: int):
    process = selectors.process_get(request.user, slug=slug)
    target: Proposal | Debate | Article
    if kind == "proposition":
        target = selectors.proposal_get(request.user, process=process, pk=pk)
        url = reverse("participation:proposal", args=[slug, pk])
    elif kind == "debat":
        target = selectors.debate_get(request.user, process=process, pk=pk)
        url = reverse("participation:debate", args=[slug, pk])
    elif kind == "article":
        article = selectors.article_by_pk(process=process, pk=pk)
        target = article
        url = reverse("participation:article", args=[slug, article.text_id, article.number])
    else:
        raise Http404("Contribution introuvable.")
    return process, target, url


@require_POST
@login_required
def comment_create(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    process, target, url = _comment_target(request, slug, kind, pk)
    if (missing := _needs_profile(request)) is not None:
        return missing
    form = CommentForm(request.POST)
    if form.is_valid():
        parent_id = form.cleaned_data.get("parent")
        parent = selectors.comment_get(process=process, pk=parent_id) if parent_id else None
        try:
            comment = services.comment_create(
                actor=person(request), target=target, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre commentaire est publié.")
            return redirect(f"{url}#commentaire-{comment.pk}")
    # Show the form again with what was typed and the errors.
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Publier un commentaire",
            "submit": "Publier",
            "intro": None,
            "breadcrumbs": _crumbs(process, ("Commentaire", None)),
        },
        status=422,
    )


@require_POST
@login_required
def comment_vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    comment = selectors.comment_get(process=process, pk=pk)
    value = 1 if request.POST.get("value") == "up" else -1
    try:
        services.comment_vote(actor=person(request), comment=comment, value=value)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    back = request.POST.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = reverse("participation:process", args=[slug])
    return redirect(f"{back}#commentaire-{comment.pk}")


@login_required
def survey_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    survey = selectors.survey_get(process=process, pk=pk)
    if (missing := _needs_profile(request)) is not None:
        return missing
    form = survey_form(survey, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(
                actor=person(request),
                survey=survey,
                answers={k[1:]: v for k, v in form.cleaned_data.items()},
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Merci, vos réponses sont enregistrées.")
            return redirect("participation:survey_results", slug=slug, pk=pk)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": survey.title,
            "intro": survey.introduction
            if rules.allows(process, "answer_survey")
            else rules.REFUSED["answer_survey"],
            "submit": "Envoyer mes réponses",
            "breadcrumbs": _crumbs(process, (survey.title, None)),
        },
    )


def survey_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    survey = selectors.survey_get(process=process, pk=pk)
    results = selectors.survey_results(survey)
    charts = [
        {
            "id": f"chart-q{r.question.pk}",
            "data": {
                "labels": [row[0] for row in r.rows],
                "values": [row[1] for row in r.rows],
                "label": "Nombre de réponses",
                "unit": "",
                "type": "bar",
            },
        }
        for r in results
    ]
    return render(
        request,
        "participation/survey_results.html",
        {
            "process": process,
            "survey": survey,
            "results": list(zip(results, charts, strict=True)),
            "breadcrumbs": _crumbs(process, (f"Résultats : {survey.title}", None)),
        },
    )


def results(request: HttpRequest, slug: str) -> HttpResponse:
    """What the collectivité decided and the progress of the resulting actions."""
    process = selectors.process_get(request.user, slug=slug)
    return render(
        request,
        "participation/results.html",
        {
            "process": process,
            "actions": list(process.actions.all()),
            "answered": selectors.proposals_of(request.user, process=process)
            .exclude(status="pending")
            .order_by("-support_count")[:50],
            "may_manage": can(request.user, "participation.manage", process),
            "has_vote": any(p.kind == PhaseKind.VOTE for p in rules.phases_of(process)),
            "breadcrumbs": _crumbs(process, ("Résultats et suivi", None)),
        },
    )


@require_POST
@login_required
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    proposal = None
    if request.POST.get("proposal"):
        try:
            proposal = selectors.proposal_get(
                request.user, process=process, pk=int(request.POST["proposal"])
            )
        except ValueError:
            proposal = None
    now_following = services.follow_toggle(
        actor=person(request), process=None if proposal else process, proposal=proposal
    )
    messages.success(
        request,
        "Vous recevrez un résumé par courriel des nouveautés."
        if now_following
        else "Vous ne suivez plus ces nouveautés.",
    )
    if proposal:
        return redirect("participation:proposal", slug=slug, pk=proposal.pk)
    return redirect("participation:process", slug=slug)
