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
    MICRO_KINDS,
    Activity,
    Housing,
    Person,
    Situation,
)

MONTH_COLUMNS = [f"activite_m{i}" for i in range(1, 13)]
# Required columns (the schema of the first version; files in it remain valid).
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
HOUSEHOLD_INCOME_COLUMNS = [*MONTH_COLUMNS, "chomage", "retraite"]


def adult_columns(adult: int) -> list[str]:
    """Per-adult income columns (optional): 12 months of activity, chômage, retraite."""
    return [
        *(f"activite_adulte{adult}_m{i}" for i in range(1, 13)),
        f"chomage_adulte{adult}",
        f"retraite_adulte{adult}",
    ]


PER_ADULT_COLUMNS = adult_columns(1) + adult_columns(2)
# Optional per-adult monthly amounts (12-month averages) of other income → situation kinds.
OTHER_INCOME_COLUMNS = {
    "ca_micro_vente": "micro_sales",
    "ca_micro_services": "micro_services",
    "ca_micro_liberal": "micro_liberal",
    "revenus_locatifs": "rental",
    "revenus_capital": "capital",
}
OTHER_COLUMNS = [f"{prefix}_adulte{adult}" for adult in (1, 2) for prefix in OTHER_INCOME_COLUMNS]
# Optional columns: per-adult incomes, and the partner and legal basis of the line's exchange
# (when empty or absent, those given in the import form).
OPTIONAL_COLUMNS = [*PER_ADULT_COLUMNS, *OTHER_COLUMNS, "partenaire", "base_legale"]
# A file with the per-adult columns may leave out the household income columns.
REQUIRED_COLUMNS = [c for c in COLUMNS if c not in HOUSEHOLD_INCOME_COLUMNS]
PARTNER_CODES = ("caf", "cpam", "france_travail", "msa", "departement")  # models.Partner

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
    "(m1) à il y a douze mois (m12) ; comptés pour le premier adulte. Laissez vides si vous "
    "donnez les revenus par adulte (colonnes ci-dessous)",
    "chomage": "Allocation chômage nette mensuelle du foyer (premier adulte)",
    "retraite": "Pension de retraite nette mensuelle du foyer (premier adulte)",
    "pension_alimentaire": "Pension alimentaire reçue, par mois",
    "prestations": "Prestations versées, « code:montant » séparés par « | » "
    "(codes : " + ", ".join(CURRENT_BENEFITS) + ")",
    "activite_adulte1_m1…activite_adulte2_m12": "Facultatif : revenus d'activité nets de "
    "chaque adulte (1 ou 2), du mois dernier (m1) à il y a douze mois (m12)",
    "chomage_adulte1, chomage_adulte2": "Facultatif : allocation chômage nette mensuelle de "
    "chaque adulte",
    "retraite_adulte1, retraite_adulte2": "Facultatif : pension de retraite nette mensuelle "
    "de chaque adulte",
    "ca_micro_vente_adulte1 … ca_micro_liberal_adulte2": "Facultatif : chiffre d'affaires "
    "mensuel moyen (12 derniers mois) de micro-entrepreneur de chaque adulte, par activité : "
    "vente, services, libéral",
    "revenus_locatifs_adulte1, revenus_capital_adulte1 (et adulte2)": "Facultatif : revenus "
    "locatifs nets et revenus de placements mensuels moyens de chaque adulte",
    "partenaire": "Facultatif : organisme qui transmet la ligne ("
    + ", ".join(PARTNER_CODES)
    + ") ; vide : celui choisi à l'import",
    "base_legale": "Facultatif : base légale de l'échange pour cette ligne ; vide : celle "
    "indiquée à l'import",
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
    partner: str
    legal_basis: str


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


def _activity(
    activity: tuple[float, ...], unemployment: float, pension: float, micro: bool = False
) -> Activity:
    if activity[0] > 0 or micro:
        return Activity.WORKING
    if unemployment > 0:
        return Activity.UNEMPLOYED
    if pension > 0:
        return Activity.RETIRED
    return Activity.INACTIVE


def _has_value(row: dict[str, str], columns: list[str]) -> bool:
    return any((row.get(column) or "").strip() for column in columns)


def parse_line(
    row: dict[str, str], *, partner: str, key: str, communes: set[str], legal_basis: str = ""
) -> PooledLine:
    """One CSV row → a situation; raises LineError listing every problem of the row.
    ``partner`` and ``legal_basis`` are the import form's, used when the line gives none."""
    errors: list[str] = []
    household_id = (row.get("foyer_id") or "").strip()
    if not household_id:
        errors.append("foyer_id : identifiant manquant.")
    line_partner = (row.get("partenaire") or "").strip() or partner
    if line_partner not in PARTNER_CODES:
        errors.append(f"partenaire : « {line_partner} » n'est pas un organisme prévu.")
    line_basis = (row.get("base_legale") or "").strip() or legal_basis
    if len(line_basis) > 300:
        errors.append("base_legale : 300 caractères au plus.")
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
    alimony = _amount(row, "pension_alimentaire", errors)
    # Incomes: per adult when the line gives any per-adult cell, else the household's
    # (carried by the first adult, as in the first version of the schema).
    incomes: list[tuple[tuple[float, ...], float, float]] = []
    if _has_value(row, PER_ADULT_COLUMNS):
        if _has_value(row, HOUSEHOLD_INCOME_COLUMNS):
            errors.append(
                "revenus : indiquez-les soit pour le foyer (activite_m…, chomage, retraite), "
                "soit par adulte (colonnes …_adulte1, …_adulte2), pas les deux."
            )
        if _has_value(row, adult_columns(2)) and len(adults) < 2:
            errors.append("revenus de l'adulte 2 : la ligne n'a qu'un adulte.")
        for adult in (1, 2):
            columns = adult_columns(adult)
            incomes.append(
                (
                    tuple(_amount(row, column, errors) for column in columns[:12]),
                    _amount(row, columns[12], errors),
                    _amount(row, columns[13], errors),
                )
            )
    else:
        household = (
            tuple(_amount(row, column, errors) for column in MONTH_COLUMNS),
            _amount(row, "chomage", errors),
            _amount(row, "retraite", errors),
        )
        incomes = [household, ((0.0,) * 12, 0.0, 0.0)]
    other: list[dict[str, tuple[float, ...]]] = [{}, {}]
    for adult in (1, 2):
        for prefix, kind in OTHER_INCOME_COLUMNS.items():
            monthly = _amount(row, f"{prefix}_adulte{adult}", errors)
            if monthly:
                other[adult - 1][kind] = (monthly,) * 12
    if other[1] and len(adults) < 2:
        errors.append("autres revenus de l'adulte 2 : la ligne n'a qu'un adulte.")
    paid: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (row.get("prestations") or "").split("|"))):
        code, _, amount = part.partition(":")
        if code.strip() not in CURRENT_BENEFITS:
            errors.append(f"prestations : code « {code.strip()} » inconnu.")
            continue
        paid[code.strip()] = _amount({"prestations": amount}, "prestations", errors)
    if errors:
        raise LineError(errors)
    people = []
    for i, born in enumerate(adults):
        activity, unemployment, pension = incomes[i]
        resources = {
            "salary": activity,
            "unemployment": (unemployment,) * 12,
            "pension": (pension,) * 12,
            **other[i],
        }
        if i == 0:
            resources["alimony"] = (alimony,) * 12
            people.append(
                Person(
                    birth_date=born,
                    activity=_activity(
                        activity, unemployment, pension, any(k in MICRO_KINDS for k in other[i])
                    ),
                    disabled=bool(incapacity),
                    incapacity=incapacity,
                    resources=resources,
                )
            )
        elif any(activity) or unemployment or pension or other[i]:
            people.append(
                Person(
                    birth_date=born,
                    activity=_activity(
                        activity, unemployment, pension, any(k in MICRO_KINDS for k in other[i])
                    ),
                    resources=resources,
                )
            )
        else:
            people.append(Person(birth_date=born))
    situation = Situation(
        adults=tuple(people),
        children=tuple(Person(birth_date=born) for born in children),
        depcom=depcom,
        housing=housing,
        rent=rent,
        current_benefits=paid,
    )
    return PooledLine(
        pseudonymise(line_partner, household_id, key),
        depcom,
        situation,
        paid,
        line_partner,
        line_basis,
    )
