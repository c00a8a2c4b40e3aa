"""The pooled file's lines: a valid one becomes a situation, each problem is reported."""

import pytest

from territoire.rights.pooled import COLUMNS, PARTNER_CODES, LineError, parse_line, pseudonymise

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


def test_first_schema_lines_are_unchanged():
    """Backwards compatibility: household incomes go to the first adult, as before."""
    line = parse_line(row(chomage="300"), partner="caf", key="k", communes=COMMUNES)
    first, second = line.situation.adults
    assert first.resources["salary"][0] == 1000.5 and first.resources["unemployment"][0] == 300
    assert second.resources == {}
    assert (line.partner, line.legal_basis) == ("caf", "")


def test_per_adult_incomes():
    overrides = {"activite_m1": "", "activite_adulte1_m1": "1200", "activite_adulte1_m2": "1100"}
    overrides |= {"activite_adulte2_m1": "450", "retraite_adulte2": "", "chomage_adulte2": "600"}
    line = parse_line(row(**overrides), partner="caf", key="k", communes=COMMUNES)
    first, second = line.situation.adults
    assert first.resources["salary"][:3] == (1200, 1100, 0)
    assert first.resources["unemployment"][0] == 0
    assert second.resources["salary"][0] == 450 and second.resources["unemployment"][0] == 600
    assert second.activity == "actif" and first.activity == "actif"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # Household and per-adult incomes on the same line: ambiguous.
        ({"activite_adulte1_m1": "900"}, "pas les deux"),
        # Incomes for a second adult the line does not have.
        (
            {"activite_m1": "", "naissances_adultes": "1980-01-01", "chomage_adulte2": "500"},
            "n'a qu'un adulte",
        ),
        ({"activite_m1": "", "activite_adulte2_m4": "x"}, "activite_adulte2_m4"),
        ({"partenaire": "banque"}, "partenaire"),
        ({"base_legale": "x" * 301}, "base_legale"),
    ],
)
def test_per_adult_and_partner_problems_are_reported(overrides, message):
    with pytest.raises(LineError) as exc:
        parse_line(row(**overrides), partner="caf", key="k", communes=COMMUNES)
    assert any(message in error for error in exc.value.errors), exc.value.errors


def test_line_partner_and_legal_basis_override_the_form():
    line = parse_line(
        row(partenaire="msa", base_legale="Convention MSA 2026"),
        partner="caf",
        legal_basis="Art. 133 loi 3DS",
        key="k",
        communes=COMMUNES,
    )
    assert (line.partner, line.legal_basis) == ("msa", "Convention MSA 2026")
    assert line.pseudonym == pseudonymise("msa", "CAF-001", "k")
    default = parse_line(
        row(), partner="caf", legal_basis="Art. 133 loi 3DS", key="k", communes=COMMUNES
    )
    assert (default.partner, default.legal_basis) == ("caf", "Art. 133 loi 3DS")


def test_partner_codes_are_the_models():
    from territoire.rights.models import Partner

    assert set(PARTNER_CODES) == set(Partner.values)


def test_other_income_columns():
    line = parse_line(
        row(ca_micro_services_adulte1="1500", revenus_locatifs_adulte2="200", activite_m1=""),
        partner="caf",
        key="k",
        communes=COMMUNES,
    )
    first, second = line.situation.adults
    assert first.resources["micro_services"] == (1500.0,) * 12
    assert first.activity == "actif"  # a micro-entrepreneur works
    assert second.resources["rental"] == (200.0,) * 12
    assert "micro_services" not in second.resources
    with pytest.raises(LineError) as exc:
        parse_line(
            row(naissances_adultes="1980-01-01", revenus_capital_adulte2="50"),
            partner="caf",
            key="k",
            communes=COMMUNES,
        )
    assert any("n'a qu'un adulte" in error for error in exc.value.errors)
    with pytest.raises(LineError) as exc:
        parse_line(
            row(ca_micro_vente_adulte1="beaucoup"), partner="caf", key="k", communes=COMMUNES
        )
    assert any("ca_micro_vente_adulte1" in error for error in exc.value.errors)
