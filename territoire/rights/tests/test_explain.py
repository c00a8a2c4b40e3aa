"""The "why" of each benefit names the person's own figures."""

from datetime import date

from territoire.rights.catalogue import BENEFITS_BY_CODE
from territoire.rights.explain import explain
from territoire.rights.situation import Activity, Housing, Person, Situation

SITUATION = Situation(
    adults=(
        Person(
            date(1990, 5, 1),
            Activity.WORKING,
            resources={"salary": (1200, 1100, 0) + (900,) * 9, "alimony": (150,) * 12},
        ),
    ),
    children=(Person(date(2020, 3, 1)),),
    housing=Housing.SOCIAL_TENANT,
    rent=420,
)
TODAY = date(2026, 10, 15)


def test_rsa_names_household_resources_and_housing():
    text = explain(BENEFITS_BY_CODE["rsa"], SITUATION, zone="zone_2", today=TODAY)
    assert "1 adulte, 1 enfant" in text
    assert "1 350 € ; 1 250 € ; 150 €" in text  # salary + alimony, month by month
    assert "locataire HLM, 420 € par mois" in text


def test_housing_aid_names_zone_and_average():
    text = explain(BENEFITS_BY_CODE["aide_logement"], SITUATION, zone="zone_3", today=TODAY)
    assert "zone 3" in text and "par mois en moyenne" in text


def test_family_benefits_name_children_ages_and_fiscal_income():
    text = explain(BENEFITS_BY_CODE["asf"], SITUATION, zone="zone_2", today=TODAY)
    assert "6 ans" in text and "150 € par mois" in text
    text = explain(BENEFITS_BY_CODE["af"], SITUATION, zone="zone_2", today=TODAY)
    assert "estimé d'après les revenus indiqués" in text
