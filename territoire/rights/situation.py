"""A household's situation as the questionnaire and the partner files describe it, and its
translation into OpenFisca-France inputs. Pure code: no Django, no OpenFisca import, so the
mapping is unit- and property-tested cheaply and shared by the simulator and the batch scan.

Conventions (see docs/rights.md):
- ``period`` is the month simulated (``YYYY-MM``). Resources are monthly net amounts, most
  recent first: index 0 is the month before ``period``; the questionnaire asks the last three
  months one by one and the nine before as a monthly average. OpenFisca reads up to three
  years back (RSA/PPA: 3 months; housing aid and CSS: 12 months; family benefits, bourses and
  chèque énergie: fiscal income of year N-2), so months older than the twelve given repeat
  their average, and the simulated month repeats the last one.
- Net amounts are given as OpenFisca's net variables (``salaire_net``…) and as its taxable
  ones (``salaire_imposable``…): people know their net pay, not their gross one.
- Benefits of past months are what the person says they receive (0 when not said): this is
  what the rules read as past resources, and it spares OpenFisca from re-deriving three
  years of benefits (the reason one simulation answers in well under a second).
- Inputs whose default would create a right (e.g. alimony for the ASF) are always set.
- Self-employment, rental and capital income: see ``RESOURCES`` (each kind's monthly
  variables and yearly tax-return boxes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

HISTORY_MONTHS = 36
GIVEN_MONTHS = 12


class Housing(StrEnum):
    """Values of OpenFisca's ``statut_occupation_logement``."""

    TENANT = "locataire_vide"
    TENANT_FURNISHED = "locataire_meuble"
    SOCIAL_TENANT = "locataire_hlm"
    OWNER = "proprietaire"
    BUYER = "primo_accedant"
    HOSTED = "loge_gratuitement"


class Activity(StrEnum):
    """Values of OpenFisca's ``activite``."""

    WORKING = "actif"
    UNEMPLOYED = "chomeur"
    STUDENT = "etudiant"
    RETIRED = "retraite"
    INACTIVE = "inactif"


class School(StrEnum):
    """Values of OpenFisca's ``scolarite``."""

    NONE = "inconnue"
    NURSERY = "maternelle"
    PRIMARY = "primaire"
    COLLEGE = "college"
    LYCEE = "lycee"
    HIGHER = "enseignement_superieur"


# Incapacity bands as the MDPH states them → OpenFisca's ``taux_incapacite``.
INCAPACITY_RATES = {"": 0.0, "moins_50": 0.3, "50_79": 0.5, "80_plus": 0.8}


@dataclass(frozen=True)
class ResourceInputs:
    """How one kind of resource reaches OpenFisca: the individual monthly variables set every
    month of the history (net and taxable for salaries), and the yearly box of the tax return
    (individual or foyer fiscal) set for years N-1..N-3 to twelve times the average of the
    twelve months given, so that rules reading the fiscal income (housing aid, family
    benefits, bourses, chèque énergie) see it as the monthly rules do."""

    monthly: tuple[str, ...] = ()
    yearly: str | None = None  # individual box (int), e.g. ebic_imps (5TB)
    yearly_foyer: str | None = None  # foyer fiscal box (int), summed over the household


# Resource kinds → OpenFisca inputs. Variable names and periods are those of the pinned
# openfisca-france (a test checks each exists with this entity and period):
# - micro-entrepreneurs (régime micro-social with versement libératoire, OpenFisca's
#   "auto-entrepreneur"): monthly turnover by kind, which RSA, PPA, AAH, ASPA, CSS and ASS
#   turn into a profit with the micro abattement; the same turnover in the 5TA/5TB/5TE boxes;
# - BIC/BNC profits of the régime réel (one figure a year, 5KC/5QC boxes), which
#   ``rpns_autres_revenus`` and the tax computation read;
# - rental and capital income: the monthly variables the minima sociaux read
#   (``revenus_locatifs``, ``revenus_capital``), and the foyer's 4BA/2TS boxes.
RESOURCES: dict[str, ResourceInputs] = {
    # ASPA and ASI read gross salary and pension (salaire_de_base, retraite_brute): the net
    # amount is given there too (as for the taxable one, people know their net).
    "salary": ResourceInputs(("salaire_net", "salaire_imposable", "salaire_de_base")),
    "unemployment": ResourceInputs(("chomage_net", "chomage_imposable")),
    "pension": ResourceInputs(("retraite_nette", "retraite_imposable", "retraite_brute")),
    "alimony": ResourceInputs(("pensions_alimentaires_percues",)),
    "micro_sales": ResourceInputs(("rpns_auto_entrepreneur_CA_achat_revente",), "ebic_impv"),
    "micro_services": ResourceInputs(("rpns_auto_entrepreneur_CA_bic",), "ebic_imps"),
    "micro_liberal": ResourceInputs(("rpns_auto_entrepreneur_CA_bnc",), "ebnc_impo"),
    "bic_profit": ResourceInputs((), "abic_impn"),
    "bnc_profit": ResourceInputs((), "abnc_impo"),
    "rental": ResourceInputs(("revenus_locatifs",), yearly_foyer="f4ba"),
    "capital": ResourceInputs(("revenus_capital",), yearly_foyer="f2ts"),
}
# Kinds that are a turnover, not an income: OpenFisca derives the income. The local aids'
# resources ceiling (the platform's own simple rule) counts them as they are given.
MICRO_KINDS = ("micro_sales", "micro_services", "micro_liberal")
FISCAL_YEARS_BACK = (1, 2, 3)

# Benefits a person may already receive: code → (OpenFisca variable, entity).
CURRENT_BENEFITS: dict[str, tuple[str, str]] = {
    "rsa": ("rsa", "famille"),
    "ppa": ("ppa", "famille"),
    "aide_logement": ("aide_logement", "famille"),
    "af": ("af", "famille"),
    "cf": ("cf", "famille"),
    "asf": ("asf", "famille"),
    "paje_base": ("paje_base", "famille"),
    "aeeh": ("aeeh", "famille"),
    "aspa": ("aspa", "famille"),
    "aah": ("aah", "individu"),
    "asi": ("asi", "individu"),
    "ass": ("ass", "individu"),
}
# Individual benefits set to 0 in past months for people who do not declare them.
INDIVIDUAL_PAST_ZERO = ("aah", "caah", "mva", "asi", "ass")
FAMILY_PAST_ZERO: tuple[str, ...] = ("rsa", "ppa", "aide_logement", "af", "cf", "asf")
FAMILY_PAST_ZERO += ("paje_base", "aeeh", "aspa", "ada")


@dataclass(frozen=True)
class Person:
    birth_date: date
    activity: Activity = Activity.INACTIVE
    disabled: bool = False
    incapacity: str = ""  # a key of INCAPACITY_RATES
    work_restriction: bool = False  # "restriction substantielle et durable" (AAH 50-79 %)
    pregnant: bool = False
    school: School = School.NONE
    # kind → 12 monthly net amounts, most recent first (missing kinds are 0)
    resources: dict[str, tuple[float, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Situation:
    adults: tuple[Person, ...]
    children: tuple[Person, ...] = ()
    depcom: str = "62041"  # INSEE code of the commune of residence
    housing: Housing = Housing.TENANT
    rent: float = 0.0  # monthly rent (or loan instalment of a first-time buyer)
    # benefit code → monthly amount currently received
    current_benefits: dict[str, float] = field(default_factory=dict)
    # revenu fiscal de référence of year N-2 (tax notice), when known
    reference_income: float | None = None


def months_before(period: str, count: int) -> list[str]:
    """``count`` months before ``period`` (``YYYY-MM``), most recent first."""
    year, month = (int(part) for part in period.split("-"))
    out = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return out


def full_history(values: tuple[float, ...]) -> list[float]:
    """The twelve given months then, up to HISTORY_MONTHS, their average."""
    given = [float(v) for v in values[:GIVEN_MONTHS]]
    given += [0.0] * (GIVEN_MONTHS - len(given))
    average = sum(given) / GIVEN_MONTHS
    return given + [average] * (HISTORY_MONTHS - GIVEN_MONTHS)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _person_inputs(person: Person, period: str, past: list[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "date_naissance": {"ETERNITY": person.birth_date.isoformat()},
        "activite": {period: person.activity.value},
        "handicap": {period: person.disabled},
        "taux_incapacite": {period: INCAPACITY_RATES.get(person.incapacity, 0.0)},
        "aah_restriction_substantielle_durable_acces_emploi": {period: person.work_restriction},
        "enceinte": {period: person.pregnant},
        "scolarite": {period: person.school.value},
    }
    year = int(period[:4])
    for kind, target in RESOURCES.items():
        history = full_history(person.resources.get(kind, ()))
        values = {month: history[i] for i, month in enumerate(past)}
        values[period] = history[0]
        for variable in target.monthly:
            inputs[variable] = dict(values)
        if target.yearly:
            inputs[target.yearly] = {
                str(year - back): yearly_amount(person, kind) for back in FISCAL_YEARS_BACK
            }
    return inputs


def yearly_amount(person: Person, kind: str) -> int:
    """Twelve times the average of the twelve months given (a tax box is whole euros)."""
    return round(sum(full_history(person.resources.get(kind, ()))[:GIVEN_MONTHS]))


def foyer_yearly_amounts(situation: Situation) -> dict[str, int]:
    """The foyer fiscal's yearly boxes: the sum over its members."""
    out: dict[str, int] = {}
    for kind, target in RESOURCES.items():
        if target.yearly_foyer:
            out[target.yearly_foyer] = sum(
                yearly_amount(p, kind) for p in situation.adults + situation.children
            )
    return out


def to_openfisca(situation: Situation, period: str) -> dict[str, Any]:
    """The ``build_from_entities`` dict for one household (one famille, foyer and ménage)."""
    past = months_before(period, HISTORY_MONTHS)
    individuals: dict[str, dict[str, Any]] = {}
    adult_ids = [f"adulte{i + 1}" for i in range(len(situation.adults))]
    child_ids = [f"enfant{i + 1}" for i in range(len(situation.children))]
    for pid, person in zip(
        adult_ids + child_ids, situation.adults + situation.children, strict=True
    ):
        individuals[pid] = _person_inputs(person, period, past)
    declared_individual = {
        code: amount
        for code, amount in situation.current_benefits.items()
        if CURRENT_BENEFITS.get(code, ("", ""))[1] == "individu"
    }
    for pid in individuals:
        for variable in INDIVIDUAL_PAST_ZERO:
            # Individual benefits declared for the household are carried by the first adult.
            amount = declared_individual.get(variable, 0.0) if pid == "adulte1" else 0.0
            individuals[pid][variable] = dict.fromkeys(past, amount)
    family: dict[str, Any] = {"parents": adult_ids, "enfants": child_ids}
    for variable in FAMILY_PAST_ZERO:
        amount = situation.current_benefits.get(variable, 0.0)
        if CURRENT_BENEFITS.get(variable, ("", "famille"))[1] != "famille":
            amount = 0.0
        family[variable] = dict.fromkeys(past, amount)
    # Nothing said about the other parent must not create an ASF: alimony is always set
    # (above, as a resource of each person), and isolation is not presumed recent.
    family["rsa_isolement_recent"] = {period: False}
    foyer: dict[str, Any] = {"declarants": adult_ids, "personnes_a_charge": child_ids}
    year = int(period[:4])
    for box, amount in foyer_yearly_amounts(situation).items():
        foyer[box] = {str(year - back): amount for back in FISCAL_YEARS_BACK}
    if situation.reference_income is not None:
        for offset in FISCAL_YEARS_BACK:
            foyer["rfr"] = {**foyer.get("rfr", {}), str(year - offset): situation.reference_income}
    menage: dict[str, Any] = {
        "personne_de_reference": adult_ids[:1],
        "conjoint": adult_ids[1:2],
        "enfants": child_ids,
        "depcom": {month: situation.depcom for month in [period, *past[:12]]},
        # Yearly rules (chèque énergie) read the status in January: the home is assumed the
        # same over the last twelve months.
        "statut_occupation_logement": {
            month: situation.housing.value for month in [period, *past[:12]]
        },
        "loyer": {period: float(situation.rent)},
    }
    return {
        "individus": individuals,
        "familles": {"famille1": family},
        "foyers_fiscaux": {"foyer1": foyer},
        "menages": {"menage1": menage},
    }


# --- storage as JSON (session, saved simulations, pooled households) ----------------------


def person_to_json(person: Person) -> dict[str, Any]:
    return {
        "birth_date": person.birth_date.isoformat(),
        "activity": person.activity.value,
        "disabled": person.disabled,
        "incapacity": person.incapacity,
        "work_restriction": person.work_restriction,
        "pregnant": person.pregnant,
        "school": person.school.value,
        "resources": {kind: list(values) for kind, values in person.resources.items()},
    }


def person_from_json(data: dict[str, Any]) -> Person:
    return Person(
        birth_date=date.fromisoformat(data["birth_date"]),
        activity=Activity(data.get("activity", Activity.INACTIVE)),
        disabled=bool(data.get("disabled", False)),
        incapacity=data.get("incapacity", ""),
        work_restriction=bool(data.get("work_restriction", False)),
        pregnant=bool(data.get("pregnant", False)),
        school=School(data.get("school", School.NONE)),
        resources={
            kind: tuple(float(v) for v in values)
            for kind, values in data.get("resources", {}).items()
        },
    )


def situation_to_json(situation: Situation) -> dict[str, Any]:
    return {
        "adults": [person_to_json(p) for p in situation.adults],
        "children": [person_to_json(p) for p in situation.children],
        "depcom": situation.depcom,
        "housing": situation.housing.value,
        "rent": situation.rent,
        "current_benefits": dict(situation.current_benefits),
        "reference_income": situation.reference_income,
    }


def situation_from_json(data: dict[str, Any]) -> Situation:
    return Situation(
        adults=tuple(person_from_json(p) for p in data["adults"]),
        children=tuple(person_from_json(p) for p in data.get("children", [])),
        depcom=data["depcom"],
        housing=Housing(data["housing"]),
        rent=float(data.get("rent", 0.0)),
        current_benefits={k: float(v) for k, v in data.get("current_benefits", {}).items()},
        reference_income=data.get("reference_income"),
    )


def household_monthly_resources(situation: Situation) -> float:
    """Average monthly net resources of the household over the twelve months given."""
    total = 0.0
    for person in situation.adults + situation.children:
        for values in person.resources.values():
            total += sum(full_history(values)[:GIVEN_MONTHS]) / GIVEN_MONTHS
    return round(total, 2)
