"""Procedures and knowledge benchmarks (issue 7): the agents' queue over 100,000 requests
(list, filter, sort: server time of the whole page) against a bare SQL query of the same
rows, and French search over 5,000 knowledge entries against a bare primary-key read.

Run with `make bench` (or `.venv/bin/python bench/bench_procedures.py`). It uses a fresh
SQLite file in a temporary directory, or TERRITOIRE_DATABASE_URL if set (then the database
named there is created by Django's test runner machinery is NOT used: give it an empty one).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from territoire.core.models import Commune, Membership, Role, User  # noqa: E402
from territoire.knowledge import search, selectors  # noqa: E402
from territoire.knowledge.models import Entry, Status  # noqa: E402
from territoire.knowledge.testing import CORPUS, QUERIES  # noqa: E402
from territoire.procedures.models import Request, RequestStatus  # noqa: E402
from territoire.procedures.testing import make_procedure  # noqa: E402
from territoire.procedures.workflow import new_tracking_number  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "5000"))
RUNS = 20


def timed(fn, runs: int = RUNS) -> float:
    """Median seconds of ``runs`` calls (after one warm-up call)."""
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def seed_requests(rng: random.Random):
    communes = list(Commune.objects.all())
    arras = next(c for c in communes if c.insee_code == "62041")
    procedures = [
        make_procedure(c, title=f"Démarche {n}", service=["Voirie", "État civil"][n % 2])
        for n, c in enumerate([arras, arras, arras, *communes[:7], None])
    ]
    statuses = list(RequestStatus.values)[1:]
    versions = {p.pk: p.versions.get().pk for p in procedures}
    now = timezone.now()
    batch = []
    for n in range(REQUESTS):
        # Arras (the largest commune) gets a quarter of the requests.
        procedure = procedures[rng.randrange(3)] if n % 4 == 0 else rng.choice(procedures[3:])
        sent = now - timedelta(minutes=rng.randrange(60 * 24 * 720))
        batch.append(
            Request(
                procedure=procedure,
                version_id=versions[procedure.pk],
                commune_id=procedure.commune_id,
                service=procedure.service,
                tracking_number=new_tracking_number(),
                email=f"p{n}@exemple.fr",
                status=rng.choice(statuses),
                submitted_at=sent,
                due_at=(sent + timedelta(days=15)).date(),
                data={"objet": "Terrasse"},
            )
        )
    Request.objects.bulk_create(batch, batch_size=5000)
    return arras, procedures


def seed_entries(rng: random.Random) -> None:
    words = " ".join(f"{title} {body}" for _k, _kind, title, body in CORPUS).split()
    with transaction.atomic():
        for n in range(ENTRIES):
            key, kind, title, body = CORPUS[n % len(CORPUS)]
            filler = " ".join(rng.choice(words) for _ in range(120))
            entry = Entry(
                kind=kind, title=f"{title} ({n})", body=f"{body} {filler}", status=Status.PUBLISHED
            )
            search.index_text(entry)
            entry.save()
            search.index_entry(entry)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_entry")


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_territory", verbosity=0)
    rng = random.Random(7)
    start = time.perf_counter()
    arras, procedures = seed_requests(rng)
    print(
        f"database: {connection.vendor}; {REQUESTS:,} requests created in "
        f"{time.perf_counter() - start:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE procedures_request")
    agent = User.objects.create_user(email="agent@arras.fr", password="x")
    Membership.objects.create(user=agent, role=Role.AGENT, commune=arras, module="procedures")
    chief = User.objects.create_user(email="chef@cua.fr", password="x")
    Membership.objects.create(user=chief, role=Role.CUA_ADMIN)
    clients = {}
    for name, user in (("agent", agent), ("chief", chief)):
        clients[name] = Client()
        clients[name].force_login(user)

    def bare():
        # The page's own plan, without Django: sort and count ids, then read 25 rows.
        with connection.cursor() as cursor:
            where = "WHERE commune_id = %s AND status IN ('submitted', 'in_review', 'correction')"
            cursor.execute(f"SELECT COUNT(*) FROM procedures_request {where}", [arras.pk])
            cursor.execute(
                f"SELECT id FROM procedures_request {where} "
                "ORDER BY submitted_at DESC, id DESC LIMIT 25",
                [arras.pk],
            )
            ids = [row[0] for row in cursor.fetchall()]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"SELECT * FROM procedures_request WHERE id IN ({marks})", ids)
            cursor.fetchall()

    ref = timed(bare)
    cases = [
        ("agent of Arras, open requests (default)", "agent", {}),
        (
            "agent, filter procedure + status, sort by due date",
            "agent",
            {"procedure": procedures[0].pk, "status": "in_review", "sort": "due_at"},
        ),
        ("agent, overdue only, oldest first", "agent", {"overdue": "on", "sort": "submitted_at"}),
        ("agent, service filter, page 40", "agent", {"service": "Voirie", "page": "40"}),
        ("CUA administrator, all communes, all statuses", "chief", {"status": "all"}),
        (
            "CUA administrator, search by tracking number",
            "chief",
            {"q": Request.objects.order_by("?").values_list("tracking_number", flat=True)[0]},
        ),
    ]
    print(
        f"queue of {REQUESTS:,} requests; bare SQL (count + 25 rows, Arras, open) "
        f"{ref * 1000:.2f} ms"
    )
    for label, who, params in cases:
        response = clients[who].get("/demarches/guichet/", params)
        assert response.status_code == 200, response.status_code
        spent = timed(
            lambda who=who, params=params: clients[who].get("/demarches/guichet/", params)
        )
        print(f"  {label}: {spent * 1000:.1f} ms (ratio {spent / ref:.0f})")

    # The same queue through the API, with an API key of Arras (whole server side: key
    # check, abilities, filters, count, page of rows, JSON).
    from territoire.core.services import api_key_create

    _key, secret = api_key_create(actor=chief, name="bench", commune=arras, module="procedures")
    api = Client(headers={"X-API-Key": secret})
    api_cases = [
        ("API, key of Arras, open requests, 25 rows", {"limit": 25}),
        ("API, key of Arras, open requests, 100 rows", {"limit": 100}),
        (
            "API, key of Arras, overdue, oldest first, offset 1000",
            {"overdue": "true", "sort": "submitted_at", "limit": 25, "offset": 1000},
        ),
        ("API, key of Arras, all statuses, 500 rows (the bound)", {"status": "all", "limit": 500}),
    ]
    for label, params in api_cases:
        response = api.get("/api/v1/procedures/requests", params)
        assert response.status_code == 200, response.content[:300]
        spent = timed(lambda params=params: api.get("/api/v1/procedures/requests", params))
        print(f"  {label}: {spent * 1000:.1f} ms (ratio {spent / ref:.0f})")

    start = time.perf_counter()
    seed_entries(rng)
    print(f"{ENTRIES:,} knowledge entries indexed in {time.perf_counter() - start:.1f} s")

    def bare_read():
        list(Entry.objects.filter(status=Status.PUBLISHED).values_list("id", "title")[:20])

    ref = timed(bare_read)
    queries = [query for query, _ in QUERIES]
    per_query = [timed(lambda q=q: search.ranked_ids(q), 5) for q in queries]
    selector = [timed(lambda q=q: selectors.public_search(query=q), 5) for q in queries]
    client = Client()
    page = [timed(lambda q=q: client.get("/aide/", {"q": q}), 5) for q in queries]
    print(
        f"search over {ENTRIES:,} entries, {len(queries)} French queries; bare read of 20 "
        f"entries {ref * 1000:.2f} ms"
    )
    print(
        f"  ranked ids (median over queries) {statistics.median(per_query) * 1000:.1f} ms, "
        f"worst {max(per_query) * 1000:.1f} ms (ratio {statistics.median(per_query) / ref:.1f})"
    )
    print(
        f"  selector with entries {statistics.median(selector) * 1000:.1f} ms, worst "
        f"{max(selector) * 1000:.1f} ms; whole page {statistics.median(page) * 1000:.1f} ms, "
        f"worst {max(page) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
