"""Reads of citizen participation. Published processes are public; hidden contributions are
left out except for the moderators of their process; the moderation queue and the agents'
views are limited to the communes the person covers. Every list is built in a fixed number
of queries whatever its size (counters are stored on the rows)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse

from territoire.core.models import Commune, User
from territoire.core.pagination import paginate
from territoire.core.permissions import Principal, can, commune_ids_with_role
from territoire.participation.models import (
    Article,
    Comment,
    CommentVote,
    Debate,
    Follow,
    Phase,
    Process,
    Profile,
    Proposal,
    QuestionKind,
    Report,
    Survey,
    Text,
)
from territoire.participation.permissions import MANAGERS, MODERATORS, MODULE

COMMENTS_PER_PAGE = 20


def _phases() -> Prefetch:
    return Prefetch("phases", queryset=Phase.objects.order_by("starts_at"))


def _scope(principal: Principal, roles: set[str], module: str | None) -> Q | None:
    """Q over ``process__commune`` for the communes covered; None means no restriction;
    a territory-wide grant covers CUA processes (commune empty) too."""
    ids = commune_ids_with_role(principal, roles, module=module)
    if ids is None:
        return None
    return Q(process__commune_id__in=ids)


def process_list(principal: Principal) -> QuerySet[Process]:
    """Published processes (public), plus unpublished ones the person manages."""
    qs = Process.objects.select_related("commune").prefetch_related(_phases())
    visible = Q(published=True)
    ids = commune_ids_with_role(principal, MANAGERS, module=MODULE)
    if ids is None and can(principal, "participation.manage"):
        visible = Q()
    elif ids:
        visible |= Q(commune_id__in=ids)
    return qs.filter(visible)


def process_get(principal: Principal, *, slug: str) -> Process:
    process = process_list(principal).filter(slug=slug).first()
    if process is None:
        raise Http404("Concertation introuvable.")
    return process


def _visible(principal: Principal, process: Process) -> Q:
    return Q() if can(principal, "participation.moderate", process) else Q(hidden=False)


def proposals_of(
    principal: Principal,
    *,
    process: Process,
    order: str = "recent",
    category: str = "",
    search: str = "",
) -> QuerySet[Proposal]:
    qs = (
        Proposal.objects.filter(process=process)
        .filter(_visible(principal, process))
        .select_related("author__participant")
        .only(
            "id",
            "title",
            "category",
            "status",
            "support_count",
            "comment_count",
            "created_at",
            "hidden",
            "process_id",
            "author__id",
            "author__participant__pseudonym",
        )
    )
    if category:
        qs = qs.filter(category=category)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(body__icontains=search))
    return qs.order_by(
        *(["-support_count", "-id"] if order == "supports" else ["-created_at", "-id"])
    )


def proposal_get(principal: Principal, *, process: Process, pk: int) -> Proposal:
    proposal = (
        Proposal.objects.filter(process=process, pk=pk)
        .select_related("author__participant")
        .first()
    )
    if proposal is None:
        raise Http404("Proposition introuvable.")
    proposal.process = process
    return proposal


def debates_of(principal: Principal, *, process: Process) -> QuerySet[Debate]:
    return (
        Debate.objects.filter(process=process)
        .filter(_visible(principal, process))
        .select_related("author__participant")
    )


def debate_get(principal: Principal, *, process: Process, pk: int) -> Debate:
    debate = Debate.objects.filter(process=process, pk=pk).select_related("author__participant")
    found = debate.first()
    if found is None:
        raise Http404("Débat introuvable.")
    found.process = process
    return found


def text_get(*, process: Process, pk: int) -> Text:
    text = (
        Text.objects.filter(process=process, pk=pk)
        .prefetch_related(Prefetch("articles", queryset=Article.objects.order_by("number")))
        .first()
    )
    if text is None:
        raise Http404("Texte introuvable.")
    text.process = process
    return text


def article_get(*, text: Text, number: int) -> Article:
    article = next((a for a in text.articles.all() if a.number == number), None)
    if article is None:
        raise Http404("Article introuvable.")
    article.text = text
    return article


def article_by_pk(*, process: Process, pk: int) -> Article:
    article = Article.objects.filter(pk=pk, text__process=process).select_related("text").first()
    if article is None:
        raise Http404("Article introuvable.")
    article.text.process = process
    return article


def survey_get(*, process: Process, pk: int) -> Survey:
    survey = Survey.objects.filter(process=process, pk=pk).prefetch_related("questions").first()
    if survey is None:
        raise Http404("Questionnaire introuvable.")
    survey.process = process
    return survey


def comment_get(*, process: Process, pk: int) -> Comment:
    comment = Comment.objects.filter(pk=pk, process=process).first()
    if comment is None:
        raise Http404("Commentaire introuvable.")
    comment.process = process
    return comment


# --- comment threads --------------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    replies: list[Thread] = field(default_factory=list)
    my_vote: int = 0


def comment_threads(
    principal: Principal,
    request: HttpRequest,
    *,
    target: Proposal | Debate | Article,
    process: Process,
) -> tuple[Page, list[Thread]]:
    """A page of top comments with their whole threads, in three queries (page, threads,
    the person's votes) whatever the number of comments."""
    target_field = {Proposal: "proposal", Debate: "debate", Article: "article"}[type(target)]
    base = Comment.objects.filter(**{target_field: target}).select_related("author__participant")
    page = paginate(
        request, base.filter(parent=None).order_by("created_at", "id"), COMMENTS_PER_PAGE
    )
    roots = list(page.object_list)
    replies = list(base.filter(root_id__in=[c.pk for c in roots]).order_by("created_at", "id"))
    votes: dict[int, int] = {}
    if isinstance(principal, User) and principal.is_authenticated:
        ids = [c.pk for c in roots] + [c.pk for c in replies]
        votes = dict(
            CommentVote.objects.filter(user=principal, comment_id__in=ids).values_list(
                "comment_id", "value"
            )
        )
    nodes = {c.pk: Thread(c, my_vote=votes.get(c.pk, 0)) for c in roots + replies}
    for reply in replies:
        parent = nodes.get(reply.parent_id)
        if parent is not None:
            parent.replies.append(nodes[reply.pk])
    return page, [nodes[c.pk] for c in roots]


# --- profile, follows -------------------------------------------------------------------------


def profile_of(user: Principal) -> Profile | None:
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return Profile.objects.filter(user=user).first()


def is_following(
    user: Principal, *, process: Process | None = None, proposal: Proposal | None = None
) -> bool:
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, process=process, proposal=proposal).exists()


# --- moderation -------------------------------------------------------------------------------


@dataclass
class QueueItem:
    kind: str
    obj: Any
    reports: list[Report]
    reasons: list[tuple[str, int]]


def moderation_queue(principal: Principal) -> list[QueueItem]:
    """Contributions with open reports or hidden automatically, in the processes the person
    moderates, most reported first."""
    scope = _scope(principal, MODERATORS, None)
    reports = Report.objects.filter(resolved_at=None).select_related("process")
    if scope is not None:
        reports = reports.filter(scope)
    by_key: dict[tuple[str, int], list[Report]] = defaultdict(list)
    for report in reports[:2000]:
        by_key[(report.kind, report.object_id)].append(report)
    items: list[QueueItem] = []
    for kind, model in (("proposal", Proposal), ("debate", Debate), ("comment", Comment)):
        ids = [object_id for k, object_id in by_key if k == kind]
        pending = model.objects.filter(Q(pk__in=ids) | Q(needs_review=True))
        if scope is not None:
            pending = pending.filter(scope)
        for obj in pending.select_related("process__commune", "author__participant")[:500]:
            found = by_key.get((kind, obj.pk), [])
            items.append(
                QueueItem(
                    kind, obj, found, sorted(Counter(r.get_reason_display() for r in found).items())
                )
            )
    items.sort(key=lambda item: (-len(item.reports), item.obj.created_at))
    return items


def contribution_get(principal: Principal, *, kind: str, pk: int):
    from territoire.participation.services import KINDS

    model = KINDS.get(kind)
    if model is None:
        raise Http404("Contribution introuvable.")
    obj = model.objects.select_related("process", "author__participant").filter(pk=pk).first()
    if (
        obj is None
        or not obj.process.published
        and not can(principal, "participation.manage", obj.process)
    ):
        raise Http404("Contribution introuvable.")
    return obj


def profile_get(*, pk: int) -> Profile:
    profile = Profile.objects.filter(pk=pk).first()
    if profile is None:
        raise Http404("Participant introuvable.")
    return profile


def manageable_communes(principal: Principal) -> QuerySet[Commune]:
    """Communes whose processes the person may create (all of them for the CUA)."""
    ids = commune_ids_with_role(principal, MANAGERS, module=MODULE)
    return Commune.objects.all() if ids is None else Commune.objects.filter(pk__in=ids)


def banned_profiles() -> QuerySet[Profile]:
    return Profile.objects.exclude(banned_at=None).order_by("-banned_at")


# --- texts and surveys: what agents read ------------------------------------------------------


def article_counts(text: Text) -> list[tuple[Article, int, list[Comment]]]:
    """Per article: the number of visible comments and the most recent ones."""
    articles = list(text.articles.all())
    comments = (
        Comment.objects.filter(article__text=text, hidden=False)
        .select_related("author__participant")
        .order_by("-created_at")
    )
    grouped: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments[:5000]:
        grouped[comment.article_id].append(comment)  # type: ignore[index]
    return [(a, len(grouped[a.pk]), grouped[a.pk][:10]) for a in articles]


@dataclass
class QuestionResult:
    question: Any
    rows: list[tuple[str, int, float]]  # label, count, share of respondents (%)
    texts: list[str]
    answered: int


def survey_results(survey: Survey) -> list[QuestionResult]:
    """Counts per choice (or per scale point), and free-text answers, for each question."""
    questions = list(survey.questions.all())
    answers = list(survey.responses.values_list("answers", flat=True))
    results = []
    for question in questions:
        key = str(question.pk)
        values = [a[key] for a in answers if key in a]
        if question.kind == QuestionKind.TEXT:
            results.append(QuestionResult(question, [], [str(v) for v in values], len(values)))
            continue
        labels = (
            [str(n) for n in range(1, 6)]
            if question.kind == QuestionKind.SCALE
            else question.choices
        )
        counts: Counter = Counter()
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                counts[str(item)] += 1
        total = len(values) or 1
        rows = [(label, counts[label], round(100 * counts[label] / total, 1)) for label in labels]
        results.append(QuestionResult(question, rows, [], len(values)))
    return results


def manageable_processes(principal: Principal) -> QuerySet[Process]:
    """Processes the person runs (agents of the module, commune administrators, the CUA)."""
    ids = commune_ids_with_role(principal, MANAGERS, module=MODULE)
    qs = Process.objects.select_related("commune")
    if ids is None:
        return qs if can(principal, "participation.manage") else qs.none()
    return qs.filter(commune_id__in=ids)


def open_data_proposals() -> QuerySet[Proposal]:
    """Visible proposals of published processes, without any author information."""
    return (
        Proposal.objects.filter(hidden=False, process__published=True)
        .select_related("process__commune")
        .order_by("id")
    )


def open_data_comments() -> QuerySet[Comment]:
    return (
        Comment.objects.filter(hidden=False, process__published=True)
        .select_related("process")
        .order_by("id")
    )


MAP_POINTS_MAX = 200


def proposal_points(principal: Principal, *, process: Process) -> list[dict[str, Any]]:
    """The located proposals the person may see (most supported first, at most
    MAP_POINTS_MAX), for the map and the list beside it: one query."""
    rows = (
        Proposal.objects.filter(process=process, latitude__isnull=False)
        .filter(_visible(principal, process))
        .order_by("-support_count", "-id")
        .values_list("id", "title", "latitude", "longitude")[:MAP_POINTS_MAX]
    )
    return [
        {
            "title": title,
            "url": reverse("participation:proposal", args=[process.slug, pk]),
            "lat": float(lat or 0),
            "lng": float(lng or 0),
        }
        for pk, title, lat, lng in rows
    ]


def commune_centres(process: Process) -> list[dict[str, Any]]:
    """Commune centres drawn in grey for orientation on a map without tiles: the process's
    commune, or all the communes of the territory for a CUA process."""
    qs = Commune.objects.order_by("name")
    if process.commune_id:
        qs = qs.filter(pk=process.commune_id)
    return [
        {"name": name, "lat": float(lat), "lng": float(lng)}
        for name, lat, lng in qs.values_list("name", "latitude", "longitude")
    ]
