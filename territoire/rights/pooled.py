"""The pooled partner file: its CSV schema and the parsing of one line into a situation.
Pure code (no database): the import service uses it and the tests check it line by line."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from territoire.rights.situation import (
    CURRENT_BENEFITS,
    INCAPACITY_RATES,
    Activity,
    Housing,
    Person,
    Situation,
)

MONTH_COLUMNS = [f"activite_m{i}" for i in range(1, 13)]
COLUMNS = [
    "foyer_id",
    "code_insee",
    "naissances_adultes",
    "naissances_enfants",
    "incapacite",
    "logement",
    "loyer",
    *MONTH_COLUMNS,
    "chomage",
    "retraite",
    "pension_alimentaire",
    "prestations",
]
# What each column holds (shown on the import page and in docs/rights.md).
COLUMN_HELP = {
    "foyer_id": "Identifiant du foyer chez le partenaire (obligatoire ; seule une empreinte "
    "en est conservée)",
    "code_insee": "Code INSEE de la commune de résidence, dans la CUA (obligatoire)",
    "naissances_adultes": "Dates de naissance des 1 ou 2 adultes, AAAA-MM-JJ, séparées par « | »",
    "naissances_enfants": "Dates de naissance des enfants à charge, séparées par « | »",
    "incapacite": "Taux d'incapacité du premier adulte : vide, moins_50, 50_79 ou 80_plus",
    "logement": "locataire_vide, locataire_meuble, locataire_hlm, proprietaire, "
    "primo_accedant ou loge_gratuitement",
    "loyer": "Loyer mensuel en euros (0 si aucun)",
    "activite_m1…activite_m12": "Revenus d'activité nets du foyer, en euros, du mois dernier "
    "(m1) à il y a douze mois (m12)",
    "chomage": "Allocation chômage nette mensuelle",
    "retraite": "Pension de retraite nette mensuelle",
    "pension_alimentaire": "Pension alimentaire reçue, par mois",
    "prestations": "Prestations versées, « code:montant » séparés par « | » "
    "(codes : " + ", ".join(CURRENT_BENEFITS) + ")",
}

MAX_ADULTS = 2
MAX_CHILDREN = 12


class LineError(ValueError):
    """A line that cannot be imported: ``errors`` lists why, in French."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PooledLine:
    pseudonym: str
    depcom: str
    situation: Situation
    benefits_paid: dict[str, float]


def pseudonymise(partner: str, household_id: str, key: str) -> str:
    """A keyed hash of the partner's household id: the same household gives the same
    pseudonym across files, and the id cannot be recovered without the key."""
    message = f"{partner}:{household_id.strip()}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _amount(row: dict[str, str], column: str, errors: list[str]) -> float:
    raw = (row.get(column) or "").strip().replace(",", ".").replace(" ", "")
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        errors.append(f"{column} : « {raw} » n'est pas un montant.")
        return 0.0
    if not 0 <= value <= 100_000:
        errors.append(f"{column} : le montant doit être compris entre 0 et 100 000 €.")
    return value


def _dates(raw: str, column: str, errors: list[str]) -> list[date]:
    out = []
    for part in filter(None, (p.strip() for p in (raw or "").split("|"))):
        try:
            out.append(date.fromisoformat(part))
        except ValueError:
            errors.append(f"{column} : « {part} » n'est pas une date AAAA-MM-JJ.")
    return out


def parse_line(row: dict[str, str], *, partner: str, key: str, communes: set[str]) -> PooledLine:
    """One CSV row → a situation; raises LineError listing every problem of the row."""
    errors: list[str] = []
    household_id = (row.get("foyer_id") or "").strip()
    if not household_id:
        errors.append("foyer_id : identifiant manquant.")
    depcom = (row.get("code_insee") or "").strip()
    if depcom not in communes:
        errors.append(f"code_insee : « {depcom} » n'est pas une commune de la CUA.")
    adults = _dates(row.get("naissances_adultes", ""), "naissances_adultes", errors)
    if not 1 <= len(adults) <= MAX_ADULTS:
        errors.append("naissances_adultes : il faut 1 ou 2 dates de naissance.")
    children = _dates(row.get("naissances_enfants", ""), "naissances_enfants", errors)
    if len(children) > MAX_CHILDREN:
        errors.append(f"naissances_enfants : au plus {MAX_CHILDREN} enfants.")
    incapacity = (row.get("incapacite") or "").strip()
    if incapacity not in INCAPACITY_RATES:
        errors.append(f"incapacite : « {incapacity} » n'est pas une valeur prévue.")
    housing_raw = (row.get("logement") or "").strip()
    try:
        housing = Housing(housing_raw)
    except ValueError:
        errors.append(f"logement : « {housing_raw} » n'est pas une valeur prévue.")
        housing = Housing.TENANT
    rent = _amount(row, "loyer", errors)
    activity = tuple(_amount(row, column, errors) for column in MONTH_COLUMNS)
    unemployment = _amount(row, "chomage", errors)
    pension = _amount(row, "retraite", errors)
    alimony = _amount(row, "pension_alimentaire", errors)
    paid: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (row.get("prestations") or "").split("|"))):
        code, _, amount = part.partition(":")
        if code.strip() not in CURRENT_BENEFITS:
            errors.append(f"prestations : code « {code.strip()} » inconnu.")
            continue
        paid[code.strip()] = _amount({"prestations": amount}, "prestations", errors)
    if errors:
        raise LineError(errors)
    first = Person(
        birth_date=adults[0],
        activity=(
            Activity.WORKING
            if activity[0] > 0
            else Activity.UNEMPLOYED
            if unemployment > 0
            else Activity.RETIRED
            if pension > 0
            else Activity.INACTIVE
        ),
        disabled=bool(incapacity),
        incapacity=incapacity,
        resources={
            "salary": activity,
            "unemployment": (unemployment,) * 12,
            "pension": (pension,) * 12,
            "alimony": (alimony,) * 12,
        },
    )
    others = tuple(Person(birth_date=born) for born in adults[1:])
    situation = Situation(
        adults=(first, *others),
        children=tuple(Person(birth_date=born) for born in children),
        depcom=depcom,
        housing=housing,
        rent=rent,
        current_benefits=paid,
    )
    return PooledLine(pseudonymise(partner, household_id, key), depcom, situation, paid)
