"""Writes of the agents who prepare a process: its phases, the texts put to consultation
article by article, and the surveys. Same rules as ``services``: one transaction, the
ability checked, one audit entry per call."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from territoire.core.audit import audit_record
from territoire.core.models import User
from territoire.core.permissions import require
from territoire.participation.models import (
    Article,
    Phase,
    PhaseKind,
    Process,
    Question,
    QuestionKind,
    Survey,
    Text,
)
from territoire.participation.services import _text


@transaction.atomic
def phase_add(
    *, actor: User, process: Process, kind: str, starts_at: datetime, ends_at: datetime
) -> Phase:
    """Add a phase; phases of a process may not overlap."""
    require(actor, "participation.manage", process)
    if kind not in PhaseKind.values:
        raise ValidationError({"kind": "Choisissez une étape dans la liste."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_on": "La fin de l'étape doit suivre son début."})
    if process.phases.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError({"starts_on": "Ces dates chevauchent une autre étape."})
    phase = process.phases.create(kind=kind, starts_at=starts_at, ends_at=ends_at)
    audit_record(
        actor=actor,
        action="participation.phase_add",
        obj=process,
        commune=process.commune_id,
        changes={"kind": kind, "starts_at": starts_at, "ends_at": ends_at},
    )
    return phase


def parse_articles(source: str) -> list[tuple[str, str]]:
    """Articles from a plain text: each article starts with a line "# Title"."""
    articles: list[tuple[str, list[str]]] = []
    for line in source.replace("\x00", "").splitlines():
        if line.startswith("#"):
            articles.append((line.lstrip("#").strip(), []))
        elif articles:
            articles[-1][1].append(line)
        elif line.strip():
            raise ValidationError(
                {"articles": "Commencez chaque article par une ligne « # Titre de l'article »."}
            )
    out = [(title[:200], "\n".join(body).strip()) for title, body in articles]
    if not out or any(not title or not body for title, body in out):
        raise ValidationError(
            {"articles": "Chaque article a besoin d'un titre (ligne « # Titre ») et d'un texte."}
        )
    return out


@transaction.atomic
def text_create(
    *, actor: User, process: Process, title: str, introduction: str, articles: str
) -> Text:
    """Put a text to consultation, article by article."""
    require(actor, "participation.manage", process)
    parsed = parse_articles(articles)
    text = Text.objects.create(
        process=process,
        title=_text(title, "title", "un titre", 200),
        introduction=introduction.replace("\x00", "").strip(),
    )
    Article.objects.bulk_create(
        [Article(text=text, number=n, title=t, body=b) for n, (t, b) in enumerate(parsed, start=1)]
    )
    audit_record(
        actor=actor,
        action="participation.text_create",
        obj=text,
        commune=process.commune_id,
        changes={"articles": len(parsed)},
    )
    return text


QUESTION_KINDS = {
    "unique": QuestionKind.SINGLE,
    "multiple": QuestionKind.MULTIPLE,
    "echelle": QuestionKind.SCALE,
    "libre": QuestionKind.TEXT,
}


def parse_questions(source: str) -> list[Question]:
    """Questions from lines "kind | question | choice; choice" (kind: unique, multiple,
    echelle or libre; a question ending with "(facultatif)" is optional)."""
    questions = []
    for n, line in enumerate(
        [raw for raw in source.replace("\x00", "").splitlines() if raw.strip()], start=1
    ):
        parts = [part.strip() for part in line.split("|")]
        kind = QUESTION_KINDS.get(parts[0].lower()) if parts else None
        if kind is None or len(parts) < 2 or not parts[1]:
            raise ValidationError(
                {
                    "questions": f"Ligne {n} : écrivez « unique | Votre question | choix 1; "
                    "choix 2 » (type : unique, multiple, echelle ou libre)."
                }
            )
        choices = [c.strip() for c in (parts[2] if len(parts) > 2 else "").split(";") if c.strip()]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choices) < 2:
            raise ValidationError({"questions": f"Ligne {n} : proposez au moins deux choix."})
        label = parts[1]
        optional = label.endswith("(facultatif)")
        questions.append(
            Question(
                position=n,
                kind=kind,
                label=label.removesuffix("(facultatif)").strip()[:300],
                choices=choices if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [],
                required=not optional,
            )
        )
    if not questions:
        raise ValidationError({"questions": "Ajoutez au moins une question."})
    return questions


@transaction.atomic
def survey_create(
    *, actor: User, process: Process, title: str, introduction: str, questions: str
) -> Survey:
    require(actor, "participation.manage", process)
    parsed = parse_questions(questions)
    survey = Survey.objects.create(
        process=process,
        title=_text(title, "title", "un titre", 200),
        introduction=introduction.replace("\x00", "").strip(),
    )
    for question in parsed:
        question.survey = survey
    Question.objects.bulk_create(parsed)
    audit_record(
        actor=actor,
        action="participation.survey_create",
        obj=survey,
        commune=process.commune_id,
        changes={"questions": len(parsed)},
    )
    return survey
