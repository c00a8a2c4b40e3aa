"""Synthetic pooled files (no real person): rows in the partner CSV schema, spread over the
46 communes, for the demo data and the scan benchmark. Deterministic for a given seed."""

from __future__ import annotations

import random

from territoire.rights.pooled import COLUMNS, MONTH_COLUMNS


def demo_rows(count: int, communes: list[str], *, seed: int = 2026) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        adults = rng.choice([1, 1, 2])
        retired = rng.random() < 0.2
        first_year = rng.randint(1940, 1960) if retired else rng.randint(1965, 2004)
        births = [f"{first_year}-{rng.randint(1, 12):02d}-15"]
        if adults == 2:
            births.append(f"{first_year + rng.randint(-5, 5)}-06-01")
        children = (
            [] if retired else [f"{rng.randint(2008, 2025)}-03-10"] * rng.choice([0, 0, 1, 2, 3])
        )
        working = not retired and rng.random() < 0.6
        base = rng.choice([0, 400, 800, 1200, 1600, 2000, 2500]) if working else 0
        months = [max(0, base + rng.choice([0, 0, -200, 150])) for _ in MONTH_COLUMNS]
        housing = rng.choice(
            ["locataire_vide", "locataire_hlm", "locataire_hlm", "proprietaire", "locataire_meuble"]
        )
        paid = []
        if rng.random() < 0.5 and base < 800:
            paid.append("rsa:500")
        if rng.random() < 0.5 and housing.startswith("locataire"):
            paid.append("aide_logement:200")
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            foyer_id=f"DEMO-{i:06d}",
            code_insee=rng.choice(communes),
            naissances_adultes="|".join(births),
            naissances_enfants="|".join(children),
            incapacite="80_plus" if rng.random() < 0.05 else "",
            logement=housing,
            loyer=str(rng.choice([350, 450, 550, 650])) if housing.startswith("locataire") else "0",
            retraite=str(rng.choice([600, 900, 1400])) if retired else "",
            chomage=str(rng.choice([0, 700, 1000])) if not working and not retired else "",
            prestations="|".join(paid),
            **{column: str(value) for column, value in zip(MONTH_COLUMNS, months, strict=True)},
        )
        rows.append(row)
    return rows


def to_csv(rows: list[dict[str, str]]) -> bytes:
    lines = [";".join(COLUMNS)] + [";".join(row[c] for c in COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode()
