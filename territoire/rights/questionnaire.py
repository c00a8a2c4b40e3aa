"""The simulator's questionnaire: its steps, and the translation of the answers (as kept in
the session) into a Situation. Pure code, tested answer by answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from territoire.rights.situation import (
    CURRENT_BENEFITS,
    MICRO_KINDS,
    Activity,
    Housing,
    Person,
    School,
    Situation,
)

# (slug, title) in order; "enfants" is skipped when there is no child.
STEPS: tuple[tuple[str, str], ...] = (
    ("foyer", "Votre foyer"),
    ("enfants", "Vos enfants"),
    ("situation", "Votre situation"),
    ("logement", "Votre logement"),
    ("ressources", "Vos ressources"),
    ("autres-revenus", "Vos autres revenus"),
    ("aides", "Les aides que vous recevez"),
)
STEP_SLUGS = [slug for slug, _ in STEPS]


def active_steps(answers: dict[str, Any]) -> list[str]:
    children = int(answers.get("foyer", {}).get("children", 0) or 0)
    return [s for s in STEP_SLUGS if s != "enfants" or children > 0]


def _num(value: Any) -> float:
    return float(value) if value not in (None, "") else 0.0


def build_situation(answers: dict[str, Any]) -> Situation:
    """The Situation described by the answers of every step."""
    household = answers["foyer"]
    adults_count = int(household["adults"])
    about = answers.get("situation", {})
    money = answers.get("ressources", {})
    other = answers.get("autres-revenus", {})
    adults = []
    for i in range(1, adults_count + 1):
        salary = tuple(_num(money.get(f"a{i}_salary_m{m}")) for m in (1, 2, 3))
        salary += (_num(money.get(f"a{i}_salary_avg")),) * 9
        resources = {
            "salary": salary,
            "unemployment": (_num(money.get(f"a{i}_unemployment")),) * 12,
            "pension": (_num(money.get(f"a{i}_pension")),) * 12,
        }
        if i == 1:
            resources["alimony"] = (_num(money.get("alimony")),) * 12
        kind = other.get(f"a{i}_micro_kind") or ""
        if kind in MICRO_KINDS:
            # Totals declared to the Urssaf → monthly turnover (3 months, then 9).
            last3 = _num(other.get(f"a{i}_micro_last3")) / 3
            before9 = _num(other.get(f"a{i}_micro_before9")) / 9
            resources[kind] = (last3,) * 3 + (before9,) * 9
        for name in ("bic_profit", "bnc_profit"):
            # A yearly profit: the same twelfth every month, i.e. the year in the tax box.
            resources[name] = (_num(other.get(f"a{i}_{name}")) / 12,) * 12
        for name in ("rental", "capital"):
            resources[name] = (_num(other.get(f"a{i}_{name}")),) * 12
        adults.append(
            Person(
                birth_date=date.fromisoformat(household[f"adult{i}_birth"]),
                activity=Activity(about.get(f"a{i}_activity", Activity.INACTIVE)),
                disabled=bool(about.get(f"a{i}_disabled")),
                incapacity=about.get(f"a{i}_incapacity", "") if about.get(f"a{i}_disabled") else "",
                work_restriction=bool(about.get(f"a{i}_restriction")),
                pregnant=bool(about.get(f"a{i}_pregnant")),
                resources=resources,
            )
        )
    kids = answers.get("enfants", {})
    children = tuple(
        Person(
            birth_date=date.fromisoformat(kids[f"c{i}_birth"]),
            school=School(kids.get(f"c{i}_school", School.NONE)),
            disabled=bool(kids.get(f"c{i}_disabled")),
        )
        for i in range(1, int(household.get("children", 0) or 0) + 1)
    )
    home = answers["logement"]
    housing = Housing(home["housing"])
    received = answers.get("aides", {})
    reference = money.get("reference_income")
    return Situation(
        adults=tuple(adults),
        children=children,
        depcom=home["commune"],
        housing=housing,
        rent=_num(home.get("rent")) if housing not in (Housing.OWNER, Housing.HOSTED) else 0.0,
        current_benefits={
            code: _num(received[code]) for code in CURRENT_BENEFITS if _num(received.get(code))
        },
        reference_income=float(reference) if reference not in (None, "") else None,
    )
