"""The French evaluation set of the knowledge search (ADR 0008): a corpus of realistic
entries about municipal life in the CUA and questions typed the way residents type them,
each with the entries that answer it.

Data, not code: ``corpus_*.txt`` (format described at the top of each file) plus the demo
corpus of ``testing.py``, and ``questions.tsv``. ``bench/bench_knowledge_search.py`` measures
each search method on it; ``tests/test_evaluation.py`` keeps the full-text results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from territoire.knowledge.models import Entry, Kind, Status
from territoire.knowledge.search import index_entry, index_text
from territoire.knowledge.testing import CORPUS

HERE = Path(__file__).resolve().parent
KINDS = {"faq": Kind.FAQ, "guide": Kind.GUIDE, "legal": Kind.LEGAL}


@dataclass(frozen=True)
class Document:
    key: str
    kind: str
    theme: str
    title: str
    summary: str = ""
    body: str = ""
    legal_reference: str = ""

    @property
    def text(self) -> str:
        """What an embedding model reads: title, summary and body."""
        return " ".join(part for part in (self.title, self.summary, self.body) if part)


@dataclass(frozen=True)
class Question:
    text: str
    expected: frozenset[str]
    category: str = ""


@dataclass
class Scores:
    """Recall@1, recall@5 and mean reciprocal rank (over the first 10) of one method."""

    recall_1: float = 0.0
    recall_5: float = 0.0
    mrr: float = 0.0
    misses: list[str] = field(default_factory=list)


def _parse_corpus(text: str) -> Iterable[Document]:
    blocks = [b for b in text.split("\n## ") if b.strip() and not b.lstrip().startswith("#")]
    for block in blocks:
        lines = [line for line in block.strip("\n").splitlines() if not line.startswith("# ")]
        header = lines[0].removeprefix("## ")
        key, kind, theme = (part.strip() for part in header.split("|"))
        title, summary = lines[1].strip(), lines[2].strip()
        body_lines, reference = [], ""
        for line in lines[3:]:
            if line.startswith("REF: "):
                reference = line.removeprefix("REF: ").strip()
            else:
                body_lines.append(line)
        body = "\n".join(body_lines).strip()
        yield Document(key, KINDS[kind], theme, title, summary, body, reference)


def documents() -> list[Document]:
    """The demo corpus followed by the evaluation corpus; keys are unique."""
    docs = [
        Document(
            key,
            kind,
            "",
            title,
            body=body,
            legal_reference="Code général des collectivités territoriales"
            if kind == Kind.LEGAL
            else "",
        )
        for key, kind, title, body in CORPUS
    ]
    for path in sorted(HERE.glob("corpus_*.txt")):
        text = "\n" + path.read_text(encoding="utf-8")
        docs.extend(_parse_corpus(text))
    keys = [doc.key for doc in docs]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"duplicate keys in the evaluation corpus: {sorted(duplicates)}")
    return docs


def questions() -> list[Question]:
    out = []
    for line in (HERE / "questions.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, expected, *rest = line.split("\t")
        out.append(Question(text, frozenset(expected.split(",")), rest[0] if rest else ""))
    return out


def load_documents(docs: Sequence[Document]) -> dict[int, str]:
    """Store the documents as published CUA-wide entries, indexed like the services do
    (fixture: not audited writes). Returns entry id → key."""
    keys = {}
    for doc in docs:
        entry = Entry(
            kind=doc.kind,
            title=doc.title,
            summary=doc.summary[:300],
            body=doc.body or doc.summary,
            legal_reference=doc.legal_reference[:200],
            status=Status.PUBLISHED,
        )
        index_text(entry)
        entry.save()
        index_entry(entry)
        keys[entry.pk] = doc.key
    return keys


def score(rankings: Sequence[Sequence[str]], qs: Sequence[Question]) -> Scores:
    """Scores of ranked key lists, one per question, against the expected keys."""
    result = Scores()
    for ranking, question in zip(rankings, qs, strict=True):
        hits = [rank for rank, key in enumerate(ranking[:10], 1) if key in question.expected]
        first = hits[0] if hits else None
        result.recall_1 += first == 1
        result.recall_5 += first is not None and first <= 5
        result.mrr += 1 / first if first else 0.0
        if first is None or first > 5:
            result.misses.append(question.text)
    total = len(qs) or 1
    result.recall_1 /= total
    result.recall_5 /= total
    result.mrr /= total
    return result


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[str]:
    """Merge ranked lists: each item scores the sum of 1 / (k + rank) over the lists."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, 1):
            scores[key] = scores.get(key, 0.0) + 1 / (k + rank)
    return sorted(scores, key=lambda key: -scores[key])
