"""The pooled file's lines: a valid one becomes a situation, each problem is reported."""

import pytest

from territoire.rights.pooled import COLUMNS, LineError, parse_line, pseudonymise

COMMUNES = {"62041", "62065"}


def row(**overrides):
    base = dict.fromkeys(COLUMNS, "")
    base.update(
        foyer_id="CAF-001",
        code_insee="62041",
        naissances_adultes="1980-01-01|1982-02-02",
        naissances_enfants="2015-05-05",
        logement="locataire_vide",
        loyer="550",
        activite_m1="1000,50",
        prestations="aide_logement:120|af:0",
    )
    base.update(overrides)
    return base


def test_valid_line():
    line = parse_line(row(), partner="caf", key="k", communes=COMMUNES)
    assert line.depcom == "62041"
    assert len(line.situation.adults) == 2 and len(line.situation.children) == 1
    assert line.situation.adults[0].resources["salary"][0] == 1000.5
    assert line.benefits_paid == {"aide_logement": 120.0, "af": 0.0}
    assert "CAF-001" not in line.pseudonym
    assert line.pseudonym == pseudonymise("caf", "CAF-001", "k")
    assert line.pseudonym != pseudonymise("caf", "CAF-001", "other key")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"foyer_id": ""}, "foyer_id"),
        ({"code_insee": "75056"}, "code_insee"),
        ({"naissances_adultes": ""}, "naissances_adultes"),
        ({"naissances_adultes": "1980-13-01"}, "AAAA-MM-JJ"),
        ({"logement": "chateau"}, "logement"),
        ({"loyer": "abc"}, "loyer"),
        ({"activite_m3": "-5"}, "activite_m3"),
        ({"prestations": "inconnue:5"}, "prestations"),
        ({"incapacite": "90"}, "incapacite"),
    ],
)
def test_each_problem_is_reported(overrides, message):
    with pytest.raises(LineError) as exc:
        parse_line(row(**overrides), partner="caf", key="k", communes=COMMUNES)
    assert any(message in error for error in exc.value.errors)
