"""Comparing two versions of the charter, principle by principle (principles keep their
code across versions), with a word-level difference of each changed text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from territoire.governance.models import CharterPrinciple, CharterVersion

COMPARED_FIELDS = (
    ("title", "Intitulé"),
    ("explanation", "Explication"),
    ("questions", "Questions"),
)


@dataclass(frozen=True)
class Segment:
    op: str  # "same", "added", "removed"
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class PrincipleChange:
    code: str
    title: str
    status: str  # "added", "removed", "changed", "same"
    fields: tuple[FieldChange, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


STATUS_LABELS = {
    "added": "Principe ajouté",
    "removed": "Principe retiré",
    "changed": "Principe modifié",
    "same": "Inchangé",
}


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """The words of ``new`` with what ``old`` had instead (whitespace kept with words)."""
    a, b = old.split(" "), new.split(" ")
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", " ".join(b[j1:j2])))
    return tuple(segments)


def _texts(principle: CharterPrinciple) -> dict[str, str]:
    return {name: getattr(principle, name) for name, _label in COMPARED_FIELDS}


def compare(old: CharterVersion, new: CharterVersion) -> list[PrincipleChange]:
    """Principles of both versions in the new version's order, then the removed ones."""
    before = {p.code: p for p in old.principles.all()}
    after = {p.code: p for p in new.principles.all()}
    changes = []
    for code, principle in after.items():
        previous = before.get(code)
        if previous is None:
            changes.append(PrincipleChange(code, principle.title, "added"))
            continue
        old_texts, new_texts = _texts(previous), _texts(principle)
        fields = tuple(
            FieldChange(label, word_diff(old_texts[name], new_texts[name]))
            for name, label in COMPARED_FIELDS
            if old_texts[name] != new_texts[name]
        )
        changes.append(
            PrincipleChange(code, principle.title, "changed" if fields else "same", fields)
        )
    changes += [
        PrincipleChange(code, p.title, "removed") for code, p in before.items() if code not in after
    ]
    return changes
