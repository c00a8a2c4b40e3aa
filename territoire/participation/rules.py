"""Phase rules: which contribution each phase of a process allows. The services enforce them;
the process page reads the same table to say what can be done now and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from territoire.participation.models import Phase, PhaseKind, Process

# action → phases during which it is allowed
ALLOWED_IN: dict[str, set[str]] = {
    "propose": {PhaseKind.PROPOSALS},
    "support": {PhaseKind.PROPOSALS, PhaseKind.VOTE},
    "comment": {PhaseKind.PROPOSALS, PhaseKind.DEBATE},
    "debate": {PhaseKind.DEBATE},
    "answer_survey": {PhaseKind.PROPOSALS, PhaseKind.DEBATE, PhaseKind.VOTE},
    "vote": {PhaseKind.VOTE},
}

ACTION_LABELS = {
    "propose": "déposer une proposition",
    "support": "soutenir les propositions",
    "comment": "commenter les propositions, les débats et les articles",
    "debate": "ouvrir un débat",
    "answer_survey": "répondre aux questionnaires",
    "vote": "voter pour les propositions de votre choix (un bulletin par personne)",
}

REFUSED = {
    "propose": "Les propositions ne peuvent être déposées que pendant l'étape « Propositions ».",
    "support": "Les soutiens ne sont possibles que pendant les étapes « Propositions » et "
    "« Vote ».",
    "comment": "Les commentaires ne sont possibles que pendant les étapes « Propositions » et "
    "« Débat ».",
    "debate": "Un débat ne peut être ouvert que pendant l'étape « Débat ».",
    "answer_survey": "Ce questionnaire n'est pas ouvert pendant l'étape en cours.",
    "vote": "Le vote n'est possible que pendant l'étape « Vote ».",
}


@dataclass(frozen=True)
class Now:
    phase: Phase | None
    next_phase: Phase | None
    actions: list[str]

    @property
    def until(self) -> datetime | None:
        return self.phase.ends_at if self.phase else None

    @property
    def action_labels(self) -> list[str]:
        return [ACTION_LABELS[action] for action in self.actions]


def phases_of(process: Process) -> list[Phase]:
    """The process's phases (prefetched by the selectors: no query then)."""
    return list(process.phases.all())


def current(process: Process, at: datetime | None = None) -> Now:
    """The open phase, the next one and the actions allowed now."""
    at = at or timezone.now()
    phases = phases_of(process)
    phase = next((p for p in phases if p.is_open(at)), None)
    upcoming = next((p for p in phases if p.starts_at > at), None)
    actions = (
        [action for action, kinds in ALLOWED_IN.items() if phase.kind in kinds] if phase else []
    )
    return Now(phase, upcoming, actions)


def allows(process: Process, action: str, at: datetime | None = None) -> bool:
    return action in current(process, at).actions
