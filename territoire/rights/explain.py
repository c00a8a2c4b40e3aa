""" "Why": the main inputs that drove a benefit, in plain French with the person's own
figures (what the result page and the summary show next to each amount)."""

from __future__ import annotations

from datetime import date

from territoire.rights.catalogue import DRIVER_LABELS, Benefit
from territoire.rights.situation import GIVEN_MONTHS, Housing, Situation, age_on, full_history

HOUSING_LABELS = {
    Housing.TENANT: "locataire",
    Housing.TENANT_FURNISHED: "locataire en meublé",
    Housing.SOCIAL_TENANT: "locataire HLM",
    Housing.OWNER: "propriétaire",
    Housing.BUYER: "propriétaire avec un prêt",
    Housing.HOSTED: "hébergé(e) gratuitement",
}
ZONE_LABELS = {"zone_1": "zone 1", "zone_2": "zone 2", "zone_3": "zone 3"}


def _euros(value: float) -> str:
    return f"{value:,.0f} €".replace(",", " ")


def _monthly_totals(situation: Situation) -> list[float]:
    """Household resources per month, most recent first (the twelve months given)."""
    totals = [0.0] * GIVEN_MONTHS
    for person in situation.adults + situation.children:
        for values in person.resources.values():
            for i, value in enumerate(full_history(values)[:GIVEN_MONTHS]):
                totals[i] += value
    return totals


def _activity_totals(situation: Situation) -> list[float]:
    totals = [0.0] * GIVEN_MONTHS
    for person in situation.adults:
        for i, value in enumerate(full_history(person.resources.get("salary", ()))[:GIVEN_MONTHS]):
            totals[i] += value
    return totals


def driver_text(driver: str, situation: Situation, *, zone: str, today: date) -> str:
    label = DRIVER_LABELS[driver]
    children = len(situation.children)
    if driver == "household":
        adults = "1 adulte" if len(situation.adults) == 1 else "2 adultes"
        detail = f"{adults}, {children} enfant{'s' if children > 1 else ''}"
    elif driver in ("resources_3m", "activity_3m"):
        totals = (
            _monthly_totals(situation) if driver == "resources_3m" else _activity_totals(situation)
        )
        detail = " ; ".join(_euros(v) for v in totals[:3])
    elif driver == "resources_12m":
        detail = f"{_euros(sum(_monthly_totals(situation)) / GIVEN_MONTHS)} par mois en moyenne"
    elif driver == "housing":
        detail = HOUSING_LABELS[situation.housing]
        if situation.rent:
            detail += f", {_euros(situation.rent)} par mois"
    elif driver == "zone":
        detail = ZONE_LABELS.get(zone, zone)
    elif driver == "age":
        detail = ", ".join(f"{age_on(p.birth_date, today)} ans" for p in situation.adults)
    elif driver in ("children", "young_children", "school_children"):
        ages = [age_on(p.birth_date, today) for p in situation.children]
        detail = ", ".join(f"{age} an{'s' if age > 1 else ''}" for age in ages) or "aucun"
    elif driver == "fiscal":
        detail = (
            _euros(situation.reference_income)
            if situation.reference_income is not None
            else "estimé d'après les revenus indiqués"
        )
    elif driver == "alimony":
        alimony = sum(full_history(p.resources.get("alimony", ()))[0] for p in situation.adults)
        detail = f"{_euros(alimony)} par mois"
    else:
        return label
    return f"{label} ({detail})"


def explain(benefit: Benefit, situation: Situation, *, zone: str, today: date) -> str:
    return ", ".join(driver_text(d, situation, zone=zone, today=today) for d in benefit.drivers)
