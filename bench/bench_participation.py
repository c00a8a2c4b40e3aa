"""Participation benchmark: server time of a process page holding 2,000 proposals and 20,000
comments (issue 6: under 200 ms, paginated), against references measured in the same run:
the same page for a process with 10 proposals, and the public commune list of the core.

Run with `.venv/bin/python bench/bench_participation.py`. It uses a fresh SQLite file in a
temporary directory (or TERRITOIRE_DATABASE_URL if set). Server time is measured with Django's
test client (full middleware stack, template rendering; no network), median of the runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="territoire-bench-")
os.environ.setdefault("TERRITOIRE_DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("TERRITOIRE_VAR_DIR", TMP)
os.environ["TERRITOIRE_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from territoire.core import services as core_services  # noqa: E402
from territoire.core.models import Commune, Membership, Role, User  # noqa: E402
from territoire.participation.testing import (  # noqa: E402
    bulk_contributions,
    make_process,
    participant,
)

PROPOSALS = int(os.environ.get("BENCH_PROPOSALS", "2000"))
COMMENTS = int(os.environ.get("BENCH_COMMENTS", "20000"))
RUNS = 30


def median_ms(client: Client, url: str) -> tuple[float, int]:
    client.get(url)  # warm-up (template loading, connection)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return statistics.median(times) * 1000, len(ctx.captured_queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    core_services.territory_load(actor=None)
    arras = Commune.objects.get(insee_code="62041")
    authors = [participant(arras) for _ in range(50)]
    big = make_process(arras, title="Grande concertation")
    small = make_process(arras, title="Petite concertation")
    started = time.perf_counter()
    # A quarter of the proposals are located: the map (capped at 200 points) is at its fullest.
    bulk_contributions(
        big, proposals=PROPOSALS, comments=COMMENTS, authors=authors, located=PROPOSALS // 4
    )
    bulk_contributions(small, proposals=10, comments=50, authors=authors)
    print(
        f"data: {PROPOSALS:,} proposals, {COMMENTS:,} comments "
        f"({time.perf_counter() - started:.1f} s)"
    )
    moderator = User.objects.create_user(email="moderation@bench.fr", password="x")
    Membership.objects.create(user=moderator, role=Role.MODERATOR, commune=arras)

    visitor, signed_in = Client(), Client()
    signed_in.force_login(moderator)
    rows = [
        ("process page, 2,000/20,000, visitor", visitor, f"/participation/{big.slug}/"),
        (
            "process page, 2,000/20,000, by supports, page 40",
            visitor,
            f"/participation/{big.slug}/?tri=soutiens&page=40",
        ),
        ("process page, 2,000/20,000, moderator", signed_in, f"/participation/{big.slug}/"),
        ("reference: process page, 10 proposals", visitor, f"/participation/{small.slug}/"),
        ("reference: core commune list", visitor, "/communes/"),
    ]
    proposal = big.proposals.order_by("-comment_count").first()
    assert proposal is not None
    rows.append(
        (
            f"proposal page, {proposal.comment_count} comments (page of 20 threads)",
            signed_in,
            f"/participation/{big.slug}/propositions/{proposal.pk}/",
        )
    )
    results = {}
    print(f"{'page':<62} {'median ms':>10} {'queries':>8}")
    for label, client, url in rows:
        ms, queries = median_ms(client, url)
        results[label] = ms
        print(f"{label:<62} {ms:>10.1f} {queries:>8}")
    # The map's share: the same page once no proposal is located (no map, no list of points).
    located = list(
        big.proposals.filter(latitude__isnull=False).values_list("pk", "latitude", "longitude")
    )
    big.proposals.update(latitude=None, longitude=None)
    label = "same page without any located proposal (no map)"
    ms, queries = median_ms(visitor, f"/participation/{big.slug}/")
    print(f"{label:<62} {ms:>10.1f} {queries:>8}")
    for pk, lat, lng in located:
        big.proposals.filter(pk=pk).update(latitude=lat, longitude=lng)
    figure = results["process page, 2,000/20,000, visitor"]
    small_page = results["reference: process page, 10 proposals"]
    communes = results["reference: core commune list"]
    print(
        f"\nfigure: {figure:.1f} ms (target < 200 ms); ratio to the 10-proposal page "
        f"{figure / small_page:.2f}, to the commune list {figure / communes:.2f}"
    )


if __name__ == "__main__":
    main()
