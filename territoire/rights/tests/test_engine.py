"""The simulator against OpenFisca-France: a table of household cases computed three ways —
the simulator (one household), the vectorised batch scan, and OpenFisca called directly on
the same inputs — must agree. The tax-benefit system is loaded once for the module."""

from datetime import date

import numpy as np
import pytest

from territoire.rights import engine
from territoire.rights.catalogue import BENEFITS, CSS_VARIABLES
from territoire.rights.situation import (
    RESOURCES,
    Activity,
    Housing,
    Person,
    School,
    Situation,
    to_openfisca,
)

PERIOD = "2026-10"


def adult(year, activity=Activity.INACTIVE, salary=None, history=None, **kw):
    resources = dict(kw.pop("resources", {}))
    if salary is not None:
        resources["salary"] = (salary,) * 12
    if history is not None:
        resources["salary"] = history
    return Person(date(year, 5, 1), activity, resources=resources, **kw)


def child(year, school=School.NONE, **kw):
    return Person(date(year, 3, 1), school=school, **kw)


CASES = {
    f"single-{income}": Situation((adult(1990, Activity.WORKING, income),), rent=500)
    for income in (0, 400, 800, 1200, 1600, 2000, 2500)
}
CASES |= {
    "single-one-month-only": Situation(
        (adult(1990, Activity.WORKING, history=(1000,) + (0,) * 11),), rent=500
    ),
    "single-lost-job": Situation(
        (adult(1990, Activity.UNEMPLOYED, history=(0, 0, 0) + (1500,) * 9),), rent=500
    ),
    "single-irregular": Situation(
        (adult(1995, Activity.WORKING, history=(300, 1200, 0, 900, 0, 0, 700, 0, 0, 0, 0, 0)),),
        rent=450,
        housing=Housing.TENANT_FURNISHED,
    ),
    "couple-0": Situation((adult(1980), adult(1982)), rent=650),
    "couple-1500": Situation((adult(1980, Activity.WORKING, 1500), adult(1982)), rent=650),
    "couple-2500-owner": Situation(
        (adult(1975, Activity.WORKING, 2500), adult(1976, Activity.WORKING, 0)),
        housing=Housing.OWNER,
    ),
    "couple-2-children-1200": Situation(
        (adult(1985, Activity.WORKING, 1200), adult(1986)),
        (child(2012, School.COLLEGE), child(2016, School.PRIMARY)),
        rent=700,
        housing=Housing.SOCIAL_TENANT,
    ),
    "couple-3-children-2000": Situation(
        (adult(1985, Activity.WORKING, 2000), adult(1986, Activity.WORKING, 500)),
        (child(2010, School.LYCEE), child(2014, School.COLLEGE), child(2020, School.PRIMARY)),
        rent=800,
    ),
    "single-parent-baby": Situation((adult(1998),), (child(2025),), rent=550, depcom="62041"),
    "single-parent-alimony": Situation(
        (adult(1990, Activity.WORKING, 900, resources={"alimony": (150,) * 12}),),
        (child(2017, School.PRIMARY), child(2019, School.NURSERY)),
        rent=600,
    ),
    "disabled-80": Situation(
        (adult(1980, disabled=True, incapacity="80_plus"),), rent=480, depcom="62065"
    ),
    "disabled-50-restriction": Situation(
        (adult(1975, disabled=True, incapacity="50_79", work_restriction=True),),
        housing=Housing.HOSTED,
    ),
    "disabled-working": Situation(
        (adult(1985, Activity.WORKING, 900, disabled=True, incapacity="80_plus"),), rent=500
    ),
    "pensioner-low": Situation(
        (adult(1952, Activity.RETIRED, resources={"pension": (600,) * 12}),),
        housing=Housing.OWNER,
    ),
    "pensioner-couple": Situation(
        (
            adult(1950, Activity.RETIRED, resources={"pension": (900,) * 12}),
            adult(1953, Activity.RETIRED, resources={"pension": (300,) * 12}),
        ),
        rent=500,
        housing=Housing.SOCIAL_TENANT,
    ),
    "pensioner-comfortable": Situation(
        (adult(1955, Activity.RETIRED, resources={"pension": (2400,) * 12}),),
        housing=Housing.OWNER,
    ),
    "student": Situation(
        (adult(2004, Activity.STUDENT),), rent=380, housing=Housing.TENANT_FURNISHED
    ),
    "student-working": Situation(
        (adult(2003, Activity.STUDENT, 600),), rent=400, housing=Housing.TENANT_FURNISHED
    ),
    "young-unemployed": Situation((adult(2006, Activity.UNEMPLOYED),), housing=Housing.HOSTED),
    "unemployed-benefit": Situation(
        (adult(1970, Activity.UNEMPLOYED, resources={"unemployment": (900,) * 12}),), rent=520
    ),
    "pregnant": Situation((adult(1996, pregnant=True),), rent=500),
    "buyer": Situation(
        (adult(1988, Activity.WORKING, 1400), adult(1989)), rent=700, housing=Housing.BUYER
    ),
    "rsa-already-paid": Situation(
        (adult(1990),), rent=500, current_benefits={"rsa": 560.0, "aide_logement": 300.0}
    ),
    "with-reference-income": Situation(
        (adult(1980, Activity.WORKING, 1100),),
        (child(2012, School.COLLEGE),),
        rent=500,
        reference_income=11000.0,
    ),
    "disabled-child": Situation(
        (adult(1982, Activity.WORKING, 1500),),
        (child(2015, School.PRIMARY, disabled=True),),
        rent=600,
    ),
    # Self-employment, rental and capital income (situation.RESOURCES).
    "micro-entrepreneur-services": Situation(
        (adult(1992, Activity.WORKING, resources={"micro_services": (1500,) * 12}),), rent=500
    ),
    "micro-entrepreneur-sales-irregular": Situation(
        (
            adult(
                1988,
                Activity.WORKING,
                resources={"micro_sales": (2400, 2400, 2400) + (600,) * 9},
            ),
            adult(1990),
        ),
        (child(2018, School.PRIMARY),),
        rent=650,
    ),
    "micro-entrepreneur-liberal-and-salary": Situation(
        (adult(1985, Activity.WORKING, 700, resources={"micro_liberal": (500,) * 12}),),
        rent=480,
    ),
    "bic-profit-reel": Situation(
        (adult(1980, Activity.WORKING, resources={"bic_profit": (1000,) * 12}),), rent=550
    ),
    "bnc-profit-couple": Situation(
        (adult(1979, Activity.WORKING, resources={"bnc_profit": (600,) * 12}), adult(1981)),
        (child(2011, School.COLLEGE),),
        rent=700,
    ),
    "pensioner-rental": Situation(
        (adult(1950, Activity.RETIRED, resources={"pension": (500,) * 12, "rental": (150,) * 12}),),
        housing=Housing.OWNER,
    ),
    "pensioner-capital": Situation(
        (adult(1948, Activity.RETIRED, resources={"pension": (700,) * 12, "capital": (60,) * 12}),),
        rent=400,
    ),
    "rsa-with-rental": Situation((adult(1975, resources={"rental": (300,) * 12}),), rent=500),
    "pensioner-no-rental": Situation(
        (adult(1950, Activity.RETIRED, resources={"pension": (500,) * 12}),),
        housing=Housing.OWNER,
    ),
}


@pytest.fixture(scope="module")
def computed():
    """Each case computed once by the simulator, by the batch, and by OpenFisca directly."""
    from openfisca_core.simulation_builder import SimulationBuilder

    tbs = engine.tax_benefit_system()
    names = list(CASES)
    singles = {name: engine.simulate(CASES[name], PERIOD) for name in names}
    batch = engine.simulate_batch([CASES[name] for name in names], PERIOD)
    direct = {}
    for name in names:
        sim = SimulationBuilder().build_from_entities(tbs, to_openfisca(CASES[name], PERIOD))
        values = {
            b.code: float(np.sum(sim.calculate(b.variable, engine.variable_period(b, PERIOD))))
            for b in BENEFITS
        }
        values["css"] = float(
            bool(sim.calculate("cmu_c", PERIOD)[0])
            or sim.calculate("css_participation_forfaitaire", PERIOD)[0] > 0
        )
        direct[name] = values
    return names, singles, batch, direct


def test_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_simulator_equals_openfisca_directly(computed):
    names, singles, _, direct = computed
    for name in names:
        shown = singles[name].amounts()
        for code, value in direct[name].items():
            if code == "css":
                assert ("css" in shown) == bool(value), name
            else:
                assert shown.get(code, 0.0) == pytest.approx(round(value, 2), abs=0.01), (
                    name,
                    code,
                )


def test_batch_equals_single(computed):
    names, _, batch, direct = computed
    for i, name in enumerate(names):
        for code, value in direct[name].items():
            assert batch[code][i] == pytest.approx(value, abs=0.01), (name, code)


def test_income_history_changes_the_result(computed):
    """One month of salary and twelve give different results for the prime d'activité."""
    _, _, _, direct = computed
    assert direct["single-one-month-only"]["ppa"] != direct["single-800"]["ppa"]
    assert direct["single-0"]["rsa"] > 0 and direct["single-2500"]["rsa"] == 0


def test_yearly_rules_see_the_home(computed):
    """The chèque énergie reads the housing status in January: it must be set there too."""
    _, _, _, direct = computed
    assert direct["pensioner-low"]["cheque_energie"] > 0
    assert direct["pensioner-comfortable"]["cheque_energie"] == 0


def test_catalogue_variables_exist_in_installed_openfisca():
    variables = engine.tax_benefit_system().variables
    for benefit in BENEFITS:
        assert benefit.variable in variables, benefit.variable
        assert variables[benefit.variable].entity.key == benefit.entity
    for name in CSS_VARIABLES + ("zone_apl",):
        assert name in variables


def test_commune_sets_housing_zone(computed):
    _, singles, _, _ = computed
    assert singles["disabled-80"].zone in {"zone_1", "zone_2", "zone_3"}


def test_self_employment_and_property_income_count(computed):
    """The new inputs reach OpenFisca's rules: a micro-entrepreneur gets the prime
    d'activité, rental income lowers the ASPA and the RSA, a pension counts for the ASPA."""
    _, _, _, direct = computed
    assert direct["micro-entrepreneur-services"]["ppa"] > 0
    assert direct["micro-entrepreneur-services"]["rsa"] == 0
    assert direct["bic-profit-reel"]["ppa"] > 0
    assert 0 < direct["pensioner-rental"]["aspa"] < direct["pensioner-no-rental"]["aspa"]
    assert direct["pensioner-capital"]["aspa"] > 0
    assert 0 < direct["rsa-with-rental"]["rsa"] < direct["couple-0"]["rsa"]
    assert direct["rsa-with-rental"]["rsa"] < direct["single-0"]["rsa"]
    # The ASPA reads the gross pension: a pension of 500 € leaves the difference only.
    aspa_max = direct["pensioner-no-rental"]["aspa"] + 500
    assert direct["pensioner-rental"]["aspa"] == pytest.approx(aspa_max - 650, abs=0.02)


def test_resource_inputs_exist_in_installed_openfisca():
    """Each input the mapping sets is an OpenFisca variable of the expected entity and
    period (monthly individual variables, yearly tax boxes)."""
    variables = engine.tax_benefit_system().variables
    for kind, target in RESOURCES.items():
        for name in target.monthly:
            assert variables[name].entity.key == "individu", (kind, name)
            assert variables[name].definition_period == "month", (kind, name)
        if target.yearly:
            assert variables[target.yearly].entity.key == "individu", kind
            assert variables[target.yearly].definition_period == "year", kind
            assert variables[target.yearly].end is None, kind
        if target.yearly_foyer:
            assert variables[target.yearly_foyer].entity.key == "foyer_fiscal", kind
            assert variables[target.yearly_foyer].definition_period == "year", kind


def test_warm_up_builds_the_system_and_simulates():
    timings = engine.warm_up(PERIOD)
    assert set(timings) == {"system", "first_simulation"}
    assert engine.tax_benefit_system.cache_info().currsize == 1


def test_web_worker_warms_up_only_when_asked(monkeypatch, settings):
    """config/wsgi.py (imported by web workers only) warms up when RIGHTS_WARM_UP is set:
    off by default (tests, development), on in production settings."""
    import importlib

    import config.wsgi

    calls = []
    monkeypatch.setattr(engine, "warm_up", lambda *a, **kw: calls.append(1))
    settings.RIGHTS_WARM_UP = False
    importlib.reload(config.wsgi)
    assert calls == []
    settings.RIGHTS_WARM_UP = True
    importlib.reload(config.wsgi)
    assert calls == [1]
