"""OpenFisca-France in-process: the tax-benefit system loaded once per process, one
household's entitlements (``simulate``), and many households at once (``simulate_batch``,
vectorised). Nothing here encodes a rule: amounts come from OpenFisca's variables."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from territoire.rights.catalogue import BENEFITS, BENEFITS_BY_CODE, CSS, Benefit
from territoire.rights.situation import (
    CURRENT_BENEFITS,
    FAMILY_PAST_ZERO,
    FISCAL_YEARS_BACK,
    HISTORY_MONTHS,
    INCAPACITY_RATES,
    INDIVIDUAL_PAST_ZERO,
    RESOURCES,
    Person,
    Situation,
    foyer_yearly_amounts,
    full_history,
    months_before,
    to_openfisca,
    yearly_amount,
)

_LOCK = threading.Lock()


@functools.cache
def tax_benefit_system() -> Any:
    """FranceTaxBenefitSystem, built once per process (about 3-4 s)."""
    with _LOCK:
        from openfisca_france import FranceTaxBenefitSystem

        return FranceTaxBenefitSystem()


def warm_up(period: str | None = None) -> dict[str, float]:
    """Build the tax-benefit system and run one simulation of a reference household (the
    first simulation of a process also fills OpenFisca's parameter and formula caches).
    Called by config/wsgi.py when ``RIGHTS_WARM_UP`` is set. Returns the seconds taken."""
    import logging
    import time
    from datetime import date

    from territoire.rights.situation import Activity, Housing

    started = time.perf_counter()
    tax_benefit_system()
    built = time.perf_counter()
    reference = Situation(
        (Person(date(1990, 5, 1), Activity.WORKING, resources={"salary": (900.0,) * 12}),),
        (Person(date(2016, 3, 1)),),
        housing=Housing.TENANT,
        rent=500.0,
    )
    simulate(reference, period or f"{date.today():%Y-%m}")
    done = time.perf_counter()
    timings = {"system": round(built - started, 2), "first_simulation": round(done - built, 2)}
    logging.getLogger(__name__).info("OpenFisca-France warmed up: %s", timings)
    return timings


def variable_period(benefit: Benefit, period: str) -> str:
    return period[:4] if benefit.period == "year" else period


@dataclass(frozen=True)
class BenefitResult:
    benefit: Benefit
    amount: float  # as OpenFisca gives it: monthly, or yearly when benefit.yearly
    note: str = ""

    @property
    def monthly(self) -> float:
        return round(self.amount / 12 if self.benefit.yearly else self.amount, 2)

    @property
    def code(self) -> str:
        return self.benefit.code


@dataclass(frozen=True)
class SimulationResult:
    period: str
    zone: str  # zone_apl of the commune (zone_1/2/3)
    benefits: tuple[BenefitResult, ...]  # only those with a right, largest first

    @property
    def monthly_total(self) -> float:
        return round(sum(result.monthly for result in self.benefits), 2)

    def amounts(self) -> dict[str, float]:
        return {result.code: result.amount for result in self.benefits}


def _household_value(values: np.ndarray, benefit: Benefit) -> float:
    return float(np.sum(values)) if benefit.entity == "individu" else float(values[0])


def simulate(situation: Situation, period: str) -> SimulationResult:
    """Every benefit of the catalogue for one household, in the month ``period``."""
    from openfisca_core.simulation_builder import SimulationBuilder

    tbs = tax_benefit_system()
    sim = SimulationBuilder().build_from_entities(tbs, to_openfisca(situation, period))
    results = []
    for benefit in BENEFITS:
        amount = _household_value(
            sim.calculate(benefit.variable, variable_period(benefit, period)), benefit
        )
        if amount > 0:
            results.append(BenefitResult(benefit, round(amount, 2)))
    css = css_result(
        bool(sim.calculate("cmu_c", period)[0]),
        float(sim.calculate("css_participation_forfaitaire", period)[0]),
    )
    if css:
        results.append(css)
    results.sort(key=lambda r: -r.monthly)
    zone = str(sim.calculate("zone_apl", period).decode_to_str()[0])
    return SimulationResult(period, zone, tuple(results))


def css_result(free: bool, participation: float) -> BenefitResult | None:
    if free:
        return BenefitResult(CSS, 0.0, "sans participation financière")
    if participation > 0:
        return BenefitResult(
            CSS, 0.0, f"avec une participation de {participation:.0f} € par mois et par foyer"
        )
    return None


# --- many households at once --------------------------------------------------------------

ROLES = {
    "famille": ("demandeur", "conjoint", "enfant"),
    "foyer_fiscal": ("declarant_principal", "conjoint", "personne_a_charge"),
    "menage": ("personne_de_reference", "conjoint", "enfant"),
}


def build_batch(situations: Sequence[Situation], period: str) -> tuple[Any, np.ndarray]:
    """One vectorised OpenFisca simulation of all the households (the batch scan). Builds
    numpy columns straight from the situations, with the same inputs as ``to_openfisca``
    gives the single simulation (test_engine checks both agree on every case). Returns the
    simulation and each person's household index."""
    from openfisca_core.simulation_builder import SimulationBuilder

    tbs = tax_benefit_system()
    households = len(situations)
    past = months_before(period, HISTORY_MONTHS)
    people: list[Person] = []
    household_of: list[int] = []
    roles: dict[str, list[str]] = {entity: [] for entity in ROLES}
    first_adult: list[bool] = []
    for h, situation in enumerate(situations):
        for i, person in enumerate(situation.adults + situation.children):
            people.append(person)
            household_of.append(h)
            first_adult.append(i == 0)
            slot = 0 if i == 0 else 1 if i < len(situation.adults) else 2
            for entity, names in ROLES.items():
                roles[entity].append(names[slot])
    n = len(people)
    of_household = np.array(household_of, dtype=np.int64)
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("individu", [str(i) for i in range(n)])
    group_ids = [str(h) for h in range(households)]
    for entity in ROLES:
        instance = builder.declare_entity(entity, group_ids)
        builder.join_with_persons(
            instance, np.array(group_ids, dtype=object)[of_household], np.array(roles[entity])
        )
    sim = builder.build(tbs)

    def enum(name: str, values: list[str]) -> Any:
        return tbs.variables[name].possible_values.encode(np.array(values))

    sim.set_input(
        "date_naissance",
        "ETERNITY",
        np.array([p.birth_date.isoformat() for p in people], dtype="datetime64[D]"),
    )
    sim.set_input("activite", period, enum("activite", [p.activity.value for p in people]))
    sim.set_input("handicap", period, np.array([p.disabled for p in people]))
    sim.set_input(
        "taux_incapacite",
        period,
        np.array([INCAPACITY_RATES.get(p.incapacity, 0.0) for p in people], dtype=np.float32),
    )
    sim.set_input(
        "aah_restriction_substantielle_durable_acces_emploi",
        period,
        np.array([p.work_restriction for p in people]),
    )
    sim.set_input("enceinte", period, np.array([p.pregnant for p in people]))
    sim.set_input("scolarite", period, enum("scolarite", [p.school.value for p in people]))
    years = [str(int(period[:4]) - back) for back in FISCAL_YEARS_BACK]
    for kind, target in RESOURCES.items():
        history = np.array(
            [full_history(p.resources.get(kind, ())) for p in people], dtype=np.float32
        ).reshape(n, HISTORY_MONTHS)
        for j, month in enumerate([period, *past]):
            column = history[:, max(j - 1, 0)]
            for variable in target.monthly:
                sim.set_input(variable, month, column)
        if target.yearly:
            yearly = np.array([yearly_amount(p, kind) for p in people], dtype=np.int32)
            for year in years:
                sim.set_input(target.yearly, year, yearly)
    foyer_boxes = [foyer_yearly_amounts(s) for s in situations]
    for box in foyer_boxes[0] if foyer_boxes else ():
        column = np.array([boxes[box] for boxes in foyer_boxes], dtype=np.int32)
        for year in years:
            sim.set_input(box, year, column)
    first = np.array(first_adult)
    for variable in INDIVIDUAL_PAST_ZERO:
        declared = np.array(
            [situations[h].current_benefits.get(variable, 0.0) for h in household_of],
            dtype=np.float32,
        )
        if CURRENT_BENEFITS.get(variable, ("", ""))[1] != "individu":
            declared[:] = 0
        column = np.where(first, declared, 0).astype(np.float32)
        for month in past:
            sim.set_input(variable, month, column)
    for variable in FAMILY_PAST_ZERO:
        column = np.array(
            [s.current_benefits.get(variable, 0.0) for s in situations], dtype=np.float32
        )
        if CURRENT_BENEFITS.get(variable, ("", "famille"))[1] != "famille":
            column[:] = 0
        for month in past:
            sim.set_input(variable, month, column)
    sim.set_input("rsa_isolement_recent", period, np.zeros(households, dtype=bool))
    incomes = [s.reference_income for s in situations]
    if any(income is not None for income in incomes):
        if any(income is None for income in incomes):
            raise ValueError("A batch mixes households with and without reference income.")
        for offset in FISCAL_YEARS_BACK:
            sim.set_input("rfr", str(int(period[:4]) - offset), np.array(incomes, dtype=float))
    depcom = np.array([s.depcom for s in situations])
    for month in [period, *past[:12]]:
        sim.set_input("depcom", month, depcom)
    housing = enum("statut_occupation_logement", [s.housing.value for s in situations])
    for month in [period, *past[:12]]:
        sim.set_input("statut_occupation_logement", month, housing)
    sim.set_input("loyer", period, np.array([s.rent for s in situations], dtype=np.float32))
    return sim, of_household


SCAN_CODES = tuple(b.code for b in BENEFITS) + ("css",)


def simulate_batch(
    situations: Sequence[Situation], period: str, codes: Iterable[str] | None = None
) -> dict[str, np.ndarray]:
    """Amounts per household (as OpenFisca gives them) for each benefit code, plus ``css``
    (1.0 when the CSS is open, free or with participation)."""
    with_income = [i for i, s in enumerate(situations) if s.reference_income is not None]
    if with_income and len(with_income) < len(situations):
        # rfr is either an input for every household of a simulation or for none: two runs.
        without = [i for i, s in enumerate(situations) if s.reference_income is None]
        parts = [
            (indexes, simulate_batch([situations[i] for i in indexes], period, codes))
            for indexes in (with_income, without)
        ]
        merged: dict[str, np.ndarray] = {}
        for indexes, amounts in parts:
            for code, values in amounts.items():
                merged.setdefault(code, np.zeros(len(situations)))[indexes] = values
        return merged
    sim, household_of = build_batch(situations, period)
    households = len(situations)
    wanted = list(codes) if codes is not None else [b.code for b in BENEFITS] + ["css"]
    out: dict[str, np.ndarray] = {}
    for code in wanted:
        if code == "css":
            free = sim.calculate("cmu_c", period)
            participation = sim.calculate("css_participation_forfaitaire", period)
            out[code] = ((free > 0) | (participation > 0)).astype(float)
            continue
        benefit = BENEFITS_BY_CODE[code]
        values = sim.calculate(benefit.variable, variable_period(benefit, period))
        if benefit.entity == "individu":
            values = np.bincount(household_of, weights=values, minlength=households)
        out[code] = np.asarray(values, dtype=float)
    return out
