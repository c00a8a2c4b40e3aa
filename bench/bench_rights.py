"""Zéro non-recours figures (issue 8).

1. One simulation on a warm process (target < 1 s). Reference, same run: OpenFisca computing
   the same benefits "naively" on the same household, i.e. letting it derive three years of
   past benefits instead of taking the declared ones (2.4-3.1 s measured in the research).
2. The batch scan of N households (default 50,000, the CUA's order of size; target < 60 s and
   peak memory < 2 GB on this 2-core machine), vectorised in chunks exactly as the scan task
   does. Reference, same run: the per-household cost of the single simulation above.

    .venv/bin/python bench/bench_rights.py [--households 50000] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from openfisca_core.simulation_builder import SimulationBuilder  # noqa: E402

from territoire.rights import engine  # noqa: E402
from territoire.rights.catalogue import BENEFITS  # noqa: E402
from territoire.rights.demo import demo_rows  # noqa: E402
from territoire.rights.pooled import parse_line  # noqa: E402
from territoire.rights.situation import to_openfisca  # noqa: E402

PERIOD = "2026-10"
COMMUNES = ["62041", "62065", "62099", "62753", "62119"]


def situations(count: int):
    return [
        parse_line(row, partner="caf", key="bench", communes=set(COMMUNES)).situation
        for row in demo_rows(count, COMMUNES, seed=8)
    ]


def naive(situation) -> None:
    data = to_openfisca(situation, PERIOD)
    for person in data["individus"].values():
        for name in ("aah", "caah", "mva", "asi", "ass"):
            person.pop(name, None)
    for name in list(data["familles"]["famille1"]):
        if name not in ("parents", "enfants", "rsa_isolement_recent"):
            data["familles"]["famille1"].pop(name)
    sim = SimulationBuilder().build_from_entities(engine.tax_benefit_system(), data)
    for benefit in BENEFITS:
        sim.calculate(benefit.variable, engine.variable_period(benefit, PERIOD))
    sim.calculate("cmu_c", PERIOD)
    sim.calculate("css_participation_forfaitaire", PERIOD)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument("--singles", type=int, default=15)
    args = parser.parse_args()

    start = time.perf_counter()
    engine.tax_benefit_system()
    print(f"tax-benefit system loaded in {time.perf_counter() - start:.1f} s")
    sample = situations(args.singles)
    engine.simulate(sample[0], PERIOD)  # warm-up (cold caches: several seconds)

    ours = []
    for situation in sample:
        t = time.perf_counter()
        engine.simulate(situation, PERIOD)
        ours.append(time.perf_counter() - t)
    reference = []
    for situation in sample[:5]:
        t = time.perf_counter()
        naive(situation)
        reference.append(time.perf_counter() - t)
    median, worst = statistics.median(ours), max(ours)
    ref = statistics.median(reference)
    print(
        f"one simulation (warm, {len(ours)} households, 17 benefits + CSS): median "
        f"{median:.3f} s, max {worst:.3f} s; naive reference {ref:.2f} s "
        f"(ratio {ref / median:.1f}x faster)"
    )

    if not args.households:
        return
    households = situations(args.households)
    t = time.perf_counter()
    total = 0
    detected = 0
    for begin in range(0, len(households), args.chunk):
        chunk = households[begin : begin + args.chunk]
        amounts = engine.simulate_batch(chunk, PERIOD, engine.SCAN_CODES)
        detected += int(sum(np.count_nonzero(values > 0) for values in amounts.values()))
        total += len(chunk)
        print(f"  {total} households, {time.perf_counter() - t:.1f} s", flush=True)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_household = elapsed / total * 1000
    print(
        f"scan of {total} households in chunks of {args.chunk}: {elapsed:.1f} s "
        f"({per_household:.2f} ms/household), peak RSS {peak:.0f} MB, "
        f"{detected} benefit amounts > 0; single-simulation reference {median * 1000:.0f} "
        f"ms/household (batch {median * 1000 / per_household:.0f}x cheaper per household)"
    )


if __name__ == "__main__":
    main()
