"""Local aids: simple conditions, set by agents, on the simulator's situation. This is the
only place a condition is evaluated outside OpenFisca, and it only reads the aid's own
fields (age, commune, resources, children, disability) — no national rule is restated."""

from __future__ import annotations

from datetime import date

from territoire.rights.models import LocalAid
from territoire.rights.situation import Situation, age_on, household_monthly_resources


def aid_matches(
    aid: LocalAid, situation: Situation, *, commune_id: int | None, today: date
) -> bool:
    """Whether the situation meets every condition the aid sets (empty ones do not count)."""
    if not aid.is_active:
        return False
    if aid.commune_id is not None and aid.commune_id != commune_id:
        return False
    ages = [age_on(person.birth_date, today) for person in situation.adults]
    if aid.min_age is not None and not any(age >= aid.min_age for age in ages):
        return False
    if aid.max_age is not None and not any(age <= aid.max_age for age in ages):
        return False
    if aid.min_children is not None and len(situation.children) < aid.min_children:
        return False
    if aid.requires_disability and not any(
        p.disabled for p in situation.adults + situation.children
    ):
        return False
    return not (
        aid.max_monthly_resources is not None
        and household_monthly_resources(situation) > float(aid.max_monthly_resources)
    )
