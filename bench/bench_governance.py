"""Governance benchmarks: the three legal screens computed on every page view (against
building the facts alone), the open-data exports of a large register of algorithms and a
large catalogue (against a bare query of the same rows), and the dashboard's register
completeness over the 46 communes.

Run with `.venv/bin/python bench/bench_governance.py` (or `make bench`). Fresh SQLite file in
a temporary directory (or TERRITOIRE_DATABASE_URL); ratios against same-run references.
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
from django.test import Client  # noqa: E402

from territoire.core.models import Commune, Membership, Role, User  # noqa: E402
from territoire.core.services import territory_load  # noqa: E402
from territoire.governance import selectors  # noqa: E402
from territoire.governance.assessments import ProjectFacts, screen  # noqa: E402
from territoire.governance.models import (  # noqa: E402
    AlgorithmEntry,
    Dataset,
    Distribution,
    ProcessingActivity,
)
from territoire.governance.reference import reference_load  # noqa: E402

ENTRIES = int(os.environ.get("BENCH_ALGORITHMS", "2000"))
DATASETS = int(os.environ.get("BENCH_DATASETS", "1000"))
ACTIVITIES_PER_COMMUNE = int(os.environ.get("BENCH_ACTIVITIES", "40"))
SCREENS = 20_000
RUNS = 5


def best(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    call_command("migrate", verbosity=0)
    territory_load(actor=None)
    reference_load()
    communes = list(Commune.objects.all())
    facts = [
        ProjectFacts(
            personal_data=bool(n % 2),
            sensitive_data=bool(n % 3 == 0 and n % 2),
            is_ai=bool(n % 4),
            individual_decisions=bool(n % 5 == 0),
            edpb_criteria=frozenset({"monitoring"} if n % 2 else set()),
            ai_uses=frozenset({"public_benefits"} if n % 7 == 0 else {"interacts"}),
        )
        for n in range(SCREENS)
    ]

    # 1. The legal screens, pure Python.
    screen_s = best(lambda: [screen(f) for f in facts])
    facts_s = best(
        lambda: [ProjectFacts(personal_data=f.personal_data, is_ai=f.is_ai) for f in facts]
    )
    print(
        f"legal screens: {SCREENS / screen_s:,.0f} projects/s "
        f"({1e6 * screen_s / SCREENS:.1f} µs each); reference building the facts "
        f"{SCREENS / facts_s:,.0f}/s (ratio {screen_s / facts_s:.1f}×)"
    )

    # 2. Open-data exports.
    AlgorithmEntry.objects.bulk_create(
        AlgorithmEntry(
            slug=f"algo-{n}",
            commune=communes[n % len(communes)],
            service="Service",
            contact_email="a@b.fr",
            name=f"Algorithme {n}",
            context="Contexte",
            purpose="Finalité, avec une virgule",
            decision_role="Aide",
            automation_level="aid",
            legal_basis="Délibération",
            public_concerned="Habitants",
            data_processed="Données",
            data_sources="Sources",
            algorithm_type="rules",
            operations="Opérations",
            published=True,
        )
        for n in range(ENTRIES)
    )
    datasets = Dataset.objects.bulk_create(
        Dataset(
            slug=f"jeu-{n}",
            commune=communes[n % len(communes)],
            title=f"Jeu {n}",
            description="Description",
            theme="REGI",
            keywords="a, b",
            licence="etalab-2.0",
            frequency="ANNUAL",
            contact_email="a@b.fr",
        )
        for n in range(DATASETS)
    )
    Distribution.objects.bulk_create(
        Distribution(dataset=d, title="CSV", access_url="/x.csv", media_type="text/csv")
        for d in datasets
    )
    client = Client()

    def csv_export():
        response = client.get("/gouvernance/algorithmes/registre.csv")
        b"".join(response.streaming_content)

    def bare_algorithms():
        list(AlgorithmEntry.objects.filter(published=True).select_related("commune").values_list())

    csv_s, json_s, bare_a = (
        best(csv_export),
        best(lambda: client.get("/api/v1/governance/open-data/algorithms.json")),
        best(bare_algorithms),
    )
    print(
        f"register of {ENTRIES + 2:,} algorithms: CSV {csv_s * 1000:.0f} ms, JSON "
        f"{json_s * 1000:.0f} ms; reference bare query {bare_a * 1000:.0f} ms "
        f"(ratios {csv_s / bare_a:.1f}×, {json_s / bare_a:.1f}×)"
    )
    dcat_s = best(lambda: client.get("/api/v1/governance/open-data/catalogue.jsonld"))
    bare_d = best(lambda: list(Dataset.objects.prefetch_related("distributions").values_list()))
    print(
        f"DCAT catalogue of {DATASETS + 1:,} datasets: {dcat_s * 1000:.0f} ms; reference bare "
        f"query {bare_d * 1000:.0f} ms (ratio {dcat_s / bare_d:.1f}×)"
    )

    # 3. Register completeness over every commune.
    ProcessingActivity.objects.bulk_create(
        ProcessingActivity(
            commune=commune,
            name=f"Traitement {n}",
            purposes="Finalité",
            legal_basis="public_task",
            data_subjects="Habitants",
            retention={"identity": "1 an"},
            recipients_internal="Service",
            security_measures=["access_control"] if n % 2 else ["access_control", "backup"],
        )
        for commune in communes
        for n in range(ACTIVITIES_PER_COMMUNE)
    )
    total = len(communes) * ACTIVITIES_PER_COMMUNE
    completeness_s = best(selectors.register_completeness)
    bare_c = best(lambda: list(ProcessingActivity.objects.values_list()))
    chief = User.objects.create_user(email="chef@cua.fr", password="x")
    Membership.objects.create(user=chief, role=Role.CUA_ADMIN)
    client.force_login(chief)
    page_s = statistics.median(
        [best(lambda: client.get("/gouvernance/tableau-de-bord/"), 1) for _ in range(RUNS)]
    )
    print(
        f"register completeness, {total:,} sheets in 46 communes: {completeness_s * 1000:.0f} ms "
        f"(dashboard page {page_s * 1000:.0f} ms); reference bare query "
        f"{bare_c * 1000:.0f} ms (ratio {completeness_s / bare_c:.1f}×)"
    )


if __name__ == "__main__":
    main()
