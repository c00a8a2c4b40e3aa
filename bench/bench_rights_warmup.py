"""Zéro non-recours: the first simulation of a fresh web worker, with and without the
warm-up that config/wsgi.py runs when ``RIGHTS_WARM_UP`` is set (production default).

Each run is a fresh Python process (as a newly started granian worker): "cold" answers the
first request straight away, "warm" calls ``engine.warm_up()`` first (as the worker does
before accepting requests). Reference, same run: the second simulation of the same process.

    .venv/bin/python bench/bench_rights_warmup.py [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_worker(mode: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from datetime import date

    from territoire.rights import engine
    from territoire.rights.situation import Activity, Person, Situation

    household = Situation(
        (Person(date(1985, 1, 1), Activity.WORKING, resources={"salary": (1200.0,) * 12}),),
        (Person(date(2014, 6, 1)), Person(date(2019, 6, 1))),
        rent=620.0,
        depcom="62065",
    )
    started = time.perf_counter()
    if mode == "warm":
        engine.warm_up("2026-10")
    ready = time.perf_counter()
    engine.simulate(household, "2026-10")
    first = time.perf_counter()
    engine.simulate(household, "2026-10")
    second = time.perf_counter()
    return {"start": ready - started, "first": first - ready, "second": second - first}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--worker", choices=["cold", "warm"])
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(one_worker(args.worker)))
        return
    results: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    for _ in range(args.runs):
        for mode in results:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", mode],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout
            results[mode].append(json.loads(out.strip().splitlines()[-1]))
    for mode, runs in results.items():
        start = statistics.median(r["start"] for r in runs)
        first = statistics.median(r["first"] for r in runs)
        second = statistics.median(r["second"] for r in runs)
        print(
            f"{mode}: worker start +{start:.2f} s, first simulation {first:.2f} s, "
            f"second {second:.2f} s (first/second ratio {first / second:.1f}x)"
        )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
