"""The DPIA, AI Act and CRPA screens on the issue's table of cases, each with the expected
result and the reason that must be shown."""

from __future__ import annotations

import pytest

from territoire.governance.assessments import (
    ProjectFacts,
    ai_act_assessment,
    crpa_assessment,
    dpia_assessment,
    edpb_criteria_met,
)

CASES = {
    # Thermal (infrared) camera counting the occupants of cars on a carpool lane: statistics only.
    "thermal_carpool_camera": ProjectFacts(
        personal_data=True,
        is_ai=True,
        edpb_criteria=frozenset({"monitoring"}),
    ),
    # Plate reading at the entrance of a public car park (OCR, not AI in the AI Act sense).
    "car_park_plates": ProjectFacts(
        personal_data=True,
        edpb_criteria=frozenset({"monitoring", "sensitive"}),
    ),
    # Scoring households' eligibility to a municipal benefit, agent confirms each decision.
    "benefits_scoring": ProjectFacts(
        personal_data=True,
        sensitive_data=True,
        vulnerable_people=True,
        is_ai=True,
        individual_decisions=True,
        edpb_criteria=frozenset({"evaluation", "exclusion"}),
        cnil_cases=frozenset({"social_support"}),
        ai_uses=frozenset({"public_benefits"}),
        agents_count=900,
        inhabitants=109_776,
    ),
    # A chatbot answering the FAQ of the portal, without account.
    "faq_chatbot": ProjectFacts(is_ai=True, ai_uses=frozenset({"interacts"})),
    # The sensor hub's leak rule: night flow never at zero for 3 nights on a building meter.
    "leak_rule": ProjectFacts(),
    # Traffic-light timing optimised by a learned model from anonymous loop counts.
    "traffic_lights": ProjectFacts(is_ai=True, ai_uses=frozenset({"critical_infrastructure"})),
}

EXPECTED = {
    # case: (dpia, ai tier, crpa, words the DPIA reason must contain)
    "thermal_carpool_camera": (
        "required",
        "minimal",
        "not_applicable",
        "Surveillance systématique",
    ),
    "car_park_plates": ("required", "out_of_scope", "not_applicable", "hautement personnel"),
    "benefits_scoring": ("required", "high", "applies", "Accompagnement social"),
    "faq_chatbot": ("not_required", "limited", "not_applicable", "données personnelles"),
    "leak_rule": ("not_required", "out_of_scope", "not_applicable", "données personnelles"),
    "traffic_lights": ("not_required", "high", "not_applicable", "données personnelles"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_table_of_cases(case):
    """Each case gives the expected DPIA result, AI tier and CRPA answer, with a reason."""
    facts = CASES[case]
    dpia_code, tier, crpa_code, dpia_words = EXPECTED[case]
    dpia = dpia_assessment(facts)
    assert dpia.code == dpia_code
    assert any(dpia_words in reason.text for reason in dpia.reasons), dpia.reasons
    assert all(reason.reference for reason in dpia.reasons)
    ai = ai_act_assessment(facts)
    assert ai.code == tier
    assert ai.reasons and all(reason.reference for reason in ai.reasons)
    assert crpa_assessment(facts).code == crpa_code


def test_thermal_camera_counts_ai_as_innovative_use():
    """AI makes 'innovative use' the second criterion besides the ticked monitoring."""
    met = edpb_criteria_met(CASES["thermal_carpool_camera"])
    assert set(met) == {"monitoring", "innovative"}
    assert "intelligence artificielle" in met["innovative"]


def test_one_criterion_is_not_enough():
    facts = ProjectFacts(personal_data=True, edpb_criteria=frozenset({"large_scale"}))
    result = dpia_assessment(facts)
    assert result.code == "not_required"
    assert "1 critère sur 9" in result.reasons[-1].text


def test_cnil_case_alone_requires_a_dpia():
    facts = ProjectFacts(personal_data=True, cnil_cases=frozenset({"social_housing"}))
    result = dpia_assessment(facts)
    assert result.code == "required"
    assert "logements sociaux" in result.reasons[0].text
    assert "2018-327" in result.reasons[0].reference


def test_high_risk_benefits_duties_include_fria_registration_and_logs():
    duties = {d.reference for d in ai_act_assessment(CASES["benefits_scoring"]).duties}
    assert any("art. 27" in ref for ref in duties)
    assert any("art. 49(3)" in ref for ref in duties)
    assert any("art. 26(6)" in ref for ref in duties)


def test_critical_infrastructure_has_no_fria_and_registers_nationally():
    """Art. 27 and 49(3) leave out Annex III point 2."""
    duties = {d.reference for d in ai_act_assessment(CASES["traffic_lights"]).duties}
    assert not any("art. 27" in ref for ref in duties)
    assert any("art. 49(5)" in ref for ref in duties)
    assert any("art. 26(6)" in ref for ref in duties)


def test_private_deployer_has_no_fria():
    facts = ProjectFacts(is_ai=True, ai_uses=frozenset({"education"}), public_body=False)
    duties = {d.reference for d in ai_act_assessment(facts).duties}
    assert not any("art. 27" in ref for ref in duties)


def test_prohibited_use_wins_over_everything():
    facts = ProjectFacts(
        is_ai=True, ai_uses=frozenset({"social_scoring", "public_benefits", "interacts"})
    )
    result = ai_act_assessment(facts)
    assert result.code == "prohibited"
    assert "Notation sociale" in result.reasons[0].text
    assert "art. 5" in result.duties[0].reference


def test_chatbot_must_say_it_is_an_ai():
    duties = ai_act_assessment(CASES["faq_chatbot"]).duties
    assert any("art. 50(1)" in d.reference for d in duties)


def test_crpa_inventory_for_large_administration_and_automation_warning():
    result = crpa_assessment(CASES["benefits_scoring"])
    refs = [d.reference for d in result.duties]
    assert any("L312-1-3" in ref for ref in refs)
    assert not any("art. 47" in ref for ref in refs)  # an agent confirms each decision
    automated = ProjectFacts(individual_decisions=True, fully_automated=True)
    assert any("art. 47" in d.reference for d in crpa_assessment(automated).duties)
    assert "intervention humaine" in edpb_criteria_met(automated)["automated_decision"]


def test_small_commune_inventory_not_mandatory():
    facts = ProjectFacts(individual_decisions=True, agents_count=12, inhabitants=900)
    result = crpa_assessment(facts)
    assert not any("L312-1-3" in d.reference for d in result.duties)
    assert any("L312-1-3" in r.reference for r in result.reasons)
