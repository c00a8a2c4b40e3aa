"""The citizens' consultation on each new version of the data & AI charter.

The governance module asks for one when it publishes a version (governance.consultation);
this module answers by opening a CUA-wide process whose text is the charter, one article per
principle, open to comments for six weeks. Registered in ParticipationConfig.ready() when
the governance module is installed; governance never imports this module.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from territoire.core.audit import audit_record
from territoire.participation.models import Article, PhaseKind, Process, Text
from territoire.participation.services import unique_process_slug

COMMENT_PERIOD = timedelta(weeks=6)
RESULTS_PERIOD = timedelta(weeks=12)


def open_charter_consultation(version: Any):
    """Open the consultation on ``version`` (a governance CharterVersion), inside the
    publishing transaction; returns its reference and address."""
    from territoire.governance.consultation import Consultation

    now = timezone.now()
    title = f"Charte de la donnée et de l'IA : version {version.number}"
    process = Process.objects.create(
        title=title,
        slug=unique_process_slug(title),
        summary="Donnez votre avis, principe par principe, sur la charte de la donnée et de l'IA.",
        description=version.summary or "",
        commune=None,
    )
    process.phases.create(kind=PhaseKind.DEBATE, starts_at=now, ends_at=now + COMMENT_PERIOD)
    process.phases.create(
        kind=PhaseKind.RESULTS,
        starts_at=now + COMMENT_PERIOD,
        ends_at=now + COMMENT_PERIOD + RESULTS_PERIOD,
    )
    text = Text.objects.create(process=process, title=version.title, introduction=version.summary)
    Article.objects.bulk_create(
        Article(text=text, number=n, title=p.title, body=_article_body(p))
        for n, p in enumerate(version.principles.order_by("position", "code"), start=1)
    )
    audit_record(
        actor=None,
        action="participation.process_create",
        obj=process,
        changes={"charter_version": version.number},
    )
    return Consultation(
        ref=f"participation:{process.slug}",
        url=reverse("participation:process", args=[process.slug]),
    )


def _article_body(principle: Any) -> str:
    questions = [q.strip() for q in principle.questions.splitlines() if q.strip()]
    body = principle.explanation.strip()
    if questions:
        body += "\n\nQuestions posées à chaque projet :\n" + "\n".join(f"- {q}" for q in questions)
    return body
