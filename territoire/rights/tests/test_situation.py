"""The pure mapping: situation → OpenFisca inputs, JSON round trip, questionnaire answers."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoire.rights.questionnaire import active_steps, build_situation
from territoire.rights.situation import (
    HISTORY_MONTHS,
    RESOURCES,
    Activity,
    Housing,
    Person,
    School,
    Situation,
    full_history,
    household_monthly_resources,
    months_before,
    situation_from_json,
    situation_to_json,
    to_openfisca,
)

PERIOD = "2026-10"


def test_months_before_crosses_years():
    assert months_before("2026-02", 3) == ["2026-01", "2025-12", "2025-11"]


@given(st.lists(st.floats(0, 10_000, allow_nan=False), max_size=12))
def test_history_keeps_given_months_then_their_average(values):
    history = full_history(tuple(values))
    assert len(history) == HISTORY_MONTHS
    assert history[: len(values)] == [float(v) for v in values]
    average = sum(values) / 12
    assert all(abs(v - average) < 1e-6 for v in history[12:])


amounts = st.floats(0, 5000, allow_nan=False).map(lambda v: round(v, 2))
people = st.builds(
    Person,
    birth_date=st.dates(date(1930, 1, 1), date(2025, 1, 1)),
    activity=st.sampled_from(Activity),
    disabled=st.booleans(),
    incapacity=st.sampled_from(["", "moins_50", "50_79", "80_plus"]),
    pregnant=st.booleans(),
    school=st.sampled_from(School),
    resources=st.dictionaries(
        st.sampled_from(sorted(RESOURCES)),
        # Three distinct months then a constant: enough variety, cheap to generate.
        st.tuples(amounts, amounts, amounts, amounts).map(lambda t: t[:3] + (t[3],) * 9),
        max_size=2,
    ),
)
situations = st.builds(
    Situation,
    adults=st.lists(people, min_size=1, max_size=2).map(tuple),
    children=st.lists(people, max_size=3).map(tuple),
    depcom=st.sampled_from(["62041", "62065", "62099"]),
    housing=st.sampled_from(Housing),
    rent=amounts,
    current_benefits=st.dictionaries(st.sampled_from(["rsa", "aah", "af"]), amounts),
    reference_income=st.one_of(st.none(), amounts),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations)
def test_json_round_trip(situation):
    assert situation_from_json(situation_to_json(situation)) == situation


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations)
def test_mapping_is_complete_and_consistent(situation):
    data = to_openfisca(situation, PERIOD)
    persons = data["individus"]
    assert len(persons) == len(situation.adults) + len(situation.children)
    family = data["familles"]["famille1"]
    assert family["parents"] == [f"adulte{i + 1}" for i in range(len(situation.adults))]
    assert len(family["enfants"]) == len(situation.children)
    menage = data["menages"]["menage1"]
    assert menage["depcom"][PERIOD] == situation.depcom
    assert menage["statut_occupation_logement"][PERIOD] == situation.housing.value
    assert menage["loyer"][PERIOD] == situation.rent
    first = situation.adults[0]
    salary = data["individus"]["adulte1"]["salaire_net"]
    given_salary = first.resources.get("salary", (0.0,) * 12)
    assert salary[months_before(PERIOD, 1)[0]] == given_salary[0]
    assert salary[PERIOD] == given_salary[0]
    assert data["individus"]["adulte1"]["salaire_imposable"] == salary
    # Past benefits are the declared ones, never left to OpenFisca's formulas.
    past = months_before(PERIOD, HISTORY_MONTHS)
    assert set(family["rsa"]) == set(past)
    assert family["rsa"][past[0]] == situation.current_benefits.get("rsa", 0.0)
    assert data["individus"]["adulte1"]["aah"][past[0]] == situation.current_benefits.get(
        "aah", 0.0
    )
    # A default that would create a right is always set.
    assert family["rsa_isolement_recent"][PERIOD] is False
    if situation.reference_income is None:
        assert "rfr" not in data["foyers_fiscaux"]["foyer1"]
    else:
        assert data["foyers_fiscaux"]["foyer1"]["rfr"]["2024"] == situation.reference_income


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations)
def test_household_resources_average(situation):
    assert household_monthly_resources(situation) >= 0


ANSWERS = {
    "foyer": {
        "adults": 2,
        "adult1_birth": "1985-07-14",
        "adult2_birth": "1987-01-02",
        "children": 1,
    },
    "enfants": {"c1_birth": "2014-09-01", "c1_school": "college", "c1_disabled": True},
    "situation": {
        "a1_activity": "actif",
        "a1_disabled": True,
        "a1_incapacity": "50_79",
        "a1_restriction": True,
        "a1_pregnant": False,
        "a2_activity": "chomeur",
        "a2_disabled": False,
        "a2_incapacity": "80_plus",
        "a2_restriction": False,
        "a2_pregnant": True,
    },
    "logement": {"commune": "62065", "housing": "locataire_hlm", "rent": "420.50"},
    "ressources": {
        "a1_salary_m1": "1200",
        "a1_salary_m2": "1100",
        "a1_salary_m3": "",
        "a1_salary_avg": "900",
        "a1_unemployment": None,
        "a1_pension": "",
        "a2_salary_m1": "",
        "a2_salary_m2": "",
        "a2_salary_m3": "",
        "a2_salary_avg": "",
        "a2_unemployment": "650",
        "a2_pension": "",
        "alimony": "120",
        "reference_income": "15000",
    },
    "autres-revenus": {
        "a1_micro_kind": "micro_services",
        "a1_micro_last3": "2400",
        "a1_micro_before9": "5400",
        "a1_bic_profit": "",
        "a1_bnc_profit": "6000",
        "a1_rental": "250",
        "a1_capital": "",
        "a2_micro_kind": "micro_liberal",
        "a2_micro_last3": "900",
        "a2_micro_before9": None,
        "a2_bic_profit": "3600",
        "a2_bnc_profit": "",
        "a2_rental": "",
        "a2_capital": "40",
    },
    "aides": {"rsa": "", "aide_logement": "180", "aah": "300"},
}


def test_each_answer_reaches_its_openfisca_input():
    """Answer by answer: each questionnaire field lands in the right OpenFisca input."""
    data = to_openfisca(build_situation(ANSWERS), PERIOD)
    a1, a2, c1 = (data["individus"][k] for k in ("adulte1", "adulte2", "enfant1"))
    last, before, third, fourth = months_before(PERIOD, 4)
    assert a1["date_naissance"]["ETERNITY"] == "1985-07-14"
    assert a2["date_naissance"]["ETERNITY"] == "1987-01-02"
    assert c1["date_naissance"]["ETERNITY"] == "2014-09-01"
    assert c1["scolarite"][PERIOD] == "college"
    assert c1["handicap"][PERIOD] is True
    assert a1["activite"][PERIOD] == "actif" and a2["activite"][PERIOD] == "chomeur"
    assert a1["handicap"][PERIOD] is True and a1["taux_incapacite"][PERIOD] == 0.5
    # An incapacity rate without a recognised disability is not used.
    assert a2["taux_incapacite"][PERIOD] == 0.0
    assert a1["aah_restriction_substantielle_durable_acces_emploi"][PERIOD] is True
    assert a2["enceinte"][PERIOD] is True and a1["enceinte"][PERIOD] is False
    assert data["menages"]["menage1"]["depcom"][PERIOD] == "62065"
    assert data["menages"]["menage1"]["statut_occupation_logement"][PERIOD] == "locataire_hlm"
    assert data["menages"]["menage1"]["loyer"][PERIOD] == 420.5
    assert (a1["salaire_net"][last], a1["salaire_net"][before]) == (1200, 1100)
    assert a1["salaire_net"][third] == 0 and a1["salaire_net"][fourth] == 900
    assert a2["chomage_net"][last] == 650 and a2["chomage_imposable"][last] == 650
    assert a1["pensions_alimentaires_percues"][last] == 120
    assert data["foyers_fiscaux"]["foyer1"]["rfr"]["2024"] == 15000
    assert data["familles"]["famille1"]["aide_logement"][last] == 180
    assert data["familles"]["famille1"]["rsa"][last] == 0
    assert a1["aah"][last] == 300 and a2["aah"][last] == 0
    # Gross salary and pension (read by the ASPA) receive the net amount too.
    assert a1["salaire_de_base"][last] == 1200 and a1["retraite_brute"][last] == 0


def test_each_other_income_answer_reaches_its_openfisca_input():
    """Self-employment, rental and capital income: monthly variables and tax boxes."""
    data = to_openfisca(build_situation(ANSWERS), PERIOD)
    a1, a2 = data["individus"]["adulte1"], data["individus"]["adulte2"]
    foyer = data["foyers_fiscaux"]["foyer1"]
    last, _, third, fourth = months_before(PERIOD, 4)
    # Micro-entrepreneur turnover, by kind: the Urssaf totals spread over their months.
    assert a1["rpns_auto_entrepreneur_CA_bic"][last] == 800
    assert a1["rpns_auto_entrepreneur_CA_bic"][third] == 800
    assert a1["rpns_auto_entrepreneur_CA_bic"][fourth] == 600
    assert a1["rpns_auto_entrepreneur_CA_bic"][PERIOD] == 800
    assert a1["rpns_auto_entrepreneur_CA_achat_revente"][last] == 0
    assert a1["rpns_auto_entrepreneur_CA_bnc"][last] == 0
    assert a2["rpns_auto_entrepreneur_CA_bnc"][last] == 300
    assert a2["rpns_auto_entrepreneur_CA_bnc"][fourth] == 0
    assert a2["rpns_auto_entrepreneur_CA_bic"][last] == 0
    # … and the year's turnover in the auto-entrepreneur tax boxes (5TB, 5TE).
    assert a1["ebic_imps"] == {"2025": 7800, "2024": 7800, "2023": 7800}
    assert a2["ebnc_impo"]["2025"] == 900 and a1["ebnc_impo"]["2025"] == 0
    assert a1["ebic_impv"]["2025"] == 0
    # Régime réel profits: yearly boxes (BNC 5QC, BIC 5KC).
    assert a1["abnc_impo"]["2025"] == 6000 and a1["abic_impn"]["2025"] == 0
    assert a2["abic_impn"]["2025"] == 3600 and a2["abnc_impo"]["2025"] == 0
    # Rental and capital income: monthly variables of the minima sociaux, foyer's boxes.
    assert a1["revenus_locatifs"][last] == 250 and a2["revenus_locatifs"][last] == 0
    assert a2["revenus_capital"][last] == 40 and a1["revenus_capital"][last] == 0
    assert foyer["f4ba"]["2025"] == 3000 and foyer["f2ts"]["2025"] == 480


def test_micro_turnover_without_kind_is_refused():
    from territoire.rights.forms import OtherIncomeForm

    form = OtherIncomeForm({"a1_micro_last3": "1500"}, answers={"foyer": {"adults": 1}})
    assert not form.is_valid()
    assert "type d'activité" in form.errors["a1_micro_kind"][0]
    assert form.data["a1_micro_last3"] == "1500"


def test_owner_rent_is_ignored_and_children_step_skipped():
    answers = {**ANSWERS, "foyer": {**ANSWERS["foyer"], "children": 0}}
    answers["logement"] = {"commune": "62041", "housing": "proprietaire", "rent": "500"}
    situation = build_situation(answers)
    assert situation.rent == 0 and situation.children == ()
    assert "enfants" not in active_steps(answers)
    assert "enfants" in active_steps(ANSWERS)
