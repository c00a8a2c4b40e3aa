"""Pages added after the first round: editing one's own contributions, the ballot of the vote
phase and its results, and the one-click unsubscribe link of the digest."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from territoire.core.forms import attach_service_errors
from territoire.core.views import person
from territoire.participation import ballots, editing, rules, selectors, services
from territoire.participation.forms import (
    CommentEditForm,
    DebateForm,
    ProposalEditForm,
    ballot_form,
)
from territoire.participation.views import _crumbs, _needs_profile, _posted, place_picker

EDIT_HELP = (
    "Vous pouvez modifier votre contribution pendant {minutes} minutes après sa publication, "
    "jusqu'à {until}. La page indiquera qu'elle a été modifiée."
)


def _edit_intro(obj) -> str:
    return EDIT_HELP.format(
        minutes=settings.PARTICIPATION_EDIT_MINUTES,
        until=timezone.localtime(obj.editable_until).strftime("%H:%M"),
    )


def _own(request: HttpRequest, obj) -> None:
    if obj.author_id != request.user.pk:
        raise PermissionDenied("participation.edit")


@login_required
def proposal_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    proposal = selectors.proposal_get(request.user, process=process, pk=pk)
    _own(request, proposal)
    initial = {
        "title": proposal.title,
        "body": proposal.body,
        "category": proposal.category,
        "latitude": proposal.latitude,
        "longitude": proposal.longitude,
        "photo_alt": proposal.photo_alt,
    }
    form = ProposalEditForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        initial=initial,
        categories=process.categories,
        has_photo=bool(proposal.photo),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            editing.proposal_edit(
                actor=person(request),
                proposal=proposal,
                title=data["title"],
                body=data["body"],
                category=data.get("category", ""),
                latitude=data["latitude"],
                longitude=data["longitude"],
                photo=data.get("photo"),
                photo_alt=data.get("photo_alt", ""),
                remove_photo=data.get("remove_photo", False),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre proposition est modifiée.")
            return redirect("participation:proposal", slug=slug, pk=pk)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Modifier ma proposition",
            "intro": _edit_intro(proposal),
            "picker": place_picker(process),
            "submit": "Enregistrer les modifications",
            "breadcrumbs": _crumbs(
                process,
                (proposal.title, reverse("participation:proposal", args=[slug, pk])),
                ("Modifier", None),
            ),
        },
    )


@login_required
def debate_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    debate = selectors.debate_get(request.user, process=process, pk=pk)
    _own(request, debate)
    form = DebateForm(_posted(request), initial={"title": debate.title, "body": debate.body})
    if request.method == "POST" and form.is_valid():
        try:
            editing.debate_edit(actor=person(request), debate=debate, **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre débat est modifié.")
            return redirect("participation:debate", slug=slug, pk=pk)
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Modifier mon débat",
            "intro": _edit_intro(debate),
            "submit": "Enregistrer les modifications",
            "breadcrumbs": _crumbs(process, (debate.title, None)),
        },
    )


@login_required
def comment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    comment = selectors.comment_get(process=process, pk=pk)
    _own(request, comment)
    form = CommentEditForm(_posted(request), initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            editing.comment_edit(
                actor=person(request), comment=comment, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre commentaire est modifié.")
            return redirect(f"{_comment_url(process.slug, comment)}#commentaire-{comment.pk}")
    return render(
        request,
        "participation/form_page.html",
        {
            "form": form,
            "heading": "Modifier mon commentaire",
            "intro": _edit_intro(comment),
            "submit": "Enregistrer les modifications",
            "breadcrumbs": _crumbs(process, ("Modifier un commentaire", None)),
        },
    )


def _comment_url(slug: str, comment) -> str:
    if comment.proposal_id:
        return reverse("participation:proposal", args=[slug, comment.proposal_id])
    if comment.debate_id:
        return reverse("participation:debate", args=[slug, comment.debate_id])
    article = comment.article
    return reverse("participation:article", args=[slug, article.text_id, article.number])


# --- vote -----------------------------------------------------------------------------------


@login_required
def ballot(request: HttpRequest, slug: str) -> HttpResponse:
    """The ballot of the vote phase: check 1 to N proposals, once."""
    process = selectors.process_get(request.user, slug=slug)
    if (missing := _needs_profile(request)) is not None:
        return missing
    existing = ballots.ballot_of(request.user, process)
    candidates = list(ballots.candidates(process))
    form = ballot_form(candidates, process.votes_per_ballot, _posted(request))
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            ballots.ballot_cast(
                actor=person(request),
                process=process,
                proposal_ids=form.cleaned_data["proposals"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Votre bulletin est enregistré. Merci d'avoir voté !")
            return redirect("participation:ballot", slug=slug)
    return render(
        request,
        "participation/ballot.html",
        {
            "process": process,
            "form": form,
            "ballot": existing,
            "candidates": candidates,
            "open": rules.allows(process, "vote"),
            "refused": rules.REFUSED["vote"],
            "breadcrumbs": _crumbs(process, ("Voter", None)),
        },
    )


def vote_results(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.process_get(request.user, slug=slug)
    results = ballots.vote_results(request.user, process)
    chart = None
    if results and results.rows:
        chart = {
            "labels": [p.title[:60] for p, _, _ in results.rows[:20]],
            "values": [votes for _, votes, _ in results.rows[:20]],
            "label": "Nombre de voix",
            "unit": "",
            "type": "bar",
        }
    return render(
        request,
        "participation/vote_results.html",
        {
            "process": process,
            "results": results,
            "chart": chart,
            "breadcrumbs": _crumbs(process, ("Résultats du vote", None)),
        },
    )


# --- one-click unsubscribe ----------------------------------------------------------------------


@csrf_exempt  # the signed token is the authority; mail clients POST it (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button (mail scanners that open links change nothing); POST: every
    digest of the account stops."""
    error, done = "", False
    try:
        services.unsubscribe_user(token)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.method == "POST" and not error:
        services.unsubscribe(token=token)
        done = True
    return render(
        request,
        "participation/unsubscribe.html",
        {
            "error": error,
            "done": done,
            "breadcrumbs": _crumbs(None, ("Se désabonner", None)),
        },
        status=400 if error else 200,
    )
