"""Core benchmarks: the cost of the service layer (abilities + validation + audit entry in
one transaction) against a bare insert, and the audit log page at scale against a bare query.

Run with `make bench` (or `.venv/bin/python bench/bench_core.py`). It uses a fresh SQLite
file in a temporary directory (or TERRITOIRE_DATABASE_URL if set) and prints ratios against
references measured in the same run, so the figures compare across machines.
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from territoire.core import services  # noqa: E402
from territoire.core.models import AuditEntry, Commune, Membership, Role, User  # noqa: E402

WRITES = int(os.environ.get("BENCH_WRITES", "1000"))
AUDIT_ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "200000"))
PAGE_RUNS = 20


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    call_command("migrate", verbosity=0)
    services.territory_load(actor=None)
    arras = Commune.objects.get(insee_code="62041")
    chief = User.objects.create_user(email="chef@cua.fr", password="x")
    Membership.objects.create(user=chief, role=Role.CUA_ADMIN)
    admin = User.objects.create_user(email="admin@arras.fr", password="x")
    Membership.objects.create(user=admin, role=Role.COMMUNE_ADMIN, commune=arras)
    people = User.objects.bulk_create([User(email=f"p{n}@exemple.fr") for n in range(2 * WRITES)])

    # 1. Service write vs bare insert, each in its own transaction.
    def bare(person):
        with transaction.atomic():
            Membership.objects.create(user=person, role=Role.AGENT, commune=arras)

    def service(person):
        services.membership_grant(actor=admin, user=person, role=Role.AGENT, commune=arras)

    start = time.perf_counter()
    for person in people[:WRITES]:
        bare(person)
    bare_s = time.perf_counter() - start
    start = time.perf_counter()
    for person in people[WRITES:]:
        service(person)
    service_s = time.perf_counter() - start

    # 2. Audit log page with many entries across communes.
    communes = list(Commune.objects.values_list("pk", flat=True))
    now = timezone.now()
    batch = [
        AuditEntry(
            at=now - timezone.timedelta(seconds=n),
            actor_label="agent@exemple.fr",
            action="bench.write",
            object_type="core.membership",
            object_id=str(n),
            object_repr=f"objet {n}",
            commune_id=communes[n % len(communes)],
            changes={"n": n},
        )
        for n in range(AUDIT_ROWS)
    ]
    AuditEntry.objects.bulk_create(batch, batch_size=5000)

    client_admin = Client()
    client_admin.force_login(admin)
    client_chief = Client()
    client_chief.force_login(chief)
    for client in (client_admin, client_chief):
        assert client.get("/administration/journal/").status_code == 200

    def bare_query():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM core_auditentry WHERE commune_id = %s ORDER BY at DESC LIMIT 50",
                [arras.pk],
            )
            cursor.fetchall()

    ref = statistics.median(timed(bare_query, PAGE_RUNS))
    admin_page = statistics.median(
        timed(lambda: client_admin.get("/administration/journal/"), PAGE_RUNS)
    )
    chief_page = statistics.median(
        timed(lambda: client_chief.get("/administration/journal/"), PAGE_RUNS)
    )
    filtered = statistics.median(
        timed(
            lambda: client_chief.get("/administration/journal/", {"q": "objet 4242"}),
            PAGE_RUNS,
        )
    )

    if os.environ.get("BENCH_SHOW_QUERIES"):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            client_chief.get("/administration/journal/")
        for query in ctx.captured_queries:
            print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")
    print(f"database: {connection.vendor}")
    print(
        f"service write (ability + validation + audit, own transaction): "
        f"{service_s / WRITES * 1000:.2f} ms/write; bare insert {bare_s / WRITES * 1000:.2f} "
        f"ms/write; ratio {service_s / bare_s:.2f}"
    )
    print(f"audit log, {AUDIT_ROWS:,} entries: bare query (50 rows) {ref * 1000:.2f} ms")
    print(
        f"  commune admin page: {admin_page * 1000:.1f} ms (ratio {admin_page / ref:.0f}); "
        f"CUA admin page: {chief_page * 1000:.1f} ms (ratio {chief_page / ref:.0f}); "
        f"CUA admin search: {filtered * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
