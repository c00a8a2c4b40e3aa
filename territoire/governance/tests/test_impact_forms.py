"""Fill-in templates of the DPIA and the FRIA, generated from a project sheet."""

from __future__ import annotations

import pytest

from territoire.core.testing import logged_in_client
from territoire.governance import impact_forms, services
from territoire.governance.tests.test_annual import SCORING

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring(charter, make_project, arras, agent):
    project = make_project(**SCORING, human_oversight="Un conseiller relit chaque dossier repéré.")
    services.activity_save(
        actor=agent,
        commune=arras,
        project=project,
        name="Repérage des droits",
        purposes="Repérer",
        legal_basis="public_task",
        data_subjects="Allocataires",
        retention={"economic": "180 jours"},
        security_measures=["access_control", "encryption"],
        dpia_status="to_do",
    )
    return project


def test_dpia_template_prefills_what_the_sheet_and_register_know(scoring):
    form = impact_forms.dpia_form(scoring)
    assert form.required
    answers = {q.text: q for part in form.parts for q in part.questions}
    purpose = answers["Quel est le traitement, et à quoi sert-il ?"]
    assert purpose.known == scoring.purpose and purpose.source == "fiche du projet"
    retention = answers["Combien de temps chaque catégorie de données est-elle conservée ?"]
    assert retention.known.endswith(": 180 jours") and retention.source == "registre RGPD"
    assert (
        "Mission d'intérêt public"
        in answers["Sur quelle base légale repose le traitement (RGPD, art. 6) ?"].known
    )
    # what nobody has answered yet stays a question
    assert not answers["Quel est l'avis du délégué à la protection des données ?"].known
    assert 0 < form.unanswered < len(answers)
    assert any("CNIL" in reason.reference for reason in form.why)


def test_fria_template_follows_article_27(scoring):
    form = impact_forms.fria_form(scoring)
    assert form.required
    questions = list(form.parts[0].questions)
    assert [q.text[:2] for q in questions] == ["a)", "b)", "c)", "d)", "e)", "f)"]
    assert "Un conseiller relit" in questions[4].known
    assert "Usage à haut risque" in questions[0].known
    assert not questions[1].known  # period and frequency: nobody said yet


def test_required_forms_follow_the_screens(charter, make_project, scoring):
    assert impact_forms.required_forms(make_project()) == []
    assert [k for k, _t in impact_forms.required_forms(scoring)] == ["aipd", "aidf"]


def test_pages_and_pdf_for_the_team_only(scoring, agent, elected, member, beaurains_agent):
    team = logged_in_client(agent)
    page = team.get(f"/gouvernance/projets/{scoring.pk}/")
    assert f"/gouvernance/projets/{scoring.pk}/analyse-impact/aipd/" in page.content.decode()
    for kind in ("aipd", "aidf"):
        response = team.get(f"/gouvernance/projets/{scoring.pk}/analyse-impact/{kind}/")
        assert response.status_code == 200
        assert scoring.purpose in response.content.decode()
        pdf = team.get(f"/gouvernance/projets/{scoring.pk}/analyse-impact/{kind}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    committee = logged_in_client(member)
    assert (
        committee.get(f"/gouvernance/projets/{scoring.pk}/analyse-impact/aidf/").status_code == 200
    )
    assert team.get(f"/gouvernance/projets/{scoring.pk}/analyse-impact/autre/").status_code == 404
    # another commune's agent does not see the project at all
    other = logged_in_client(beaurains_agent)
    assert other.get(f"/gouvernance/projets/{scoring.pk}/analyse-impact/aipd/").status_code == 404
    # an elected official sees decisions, never the working sheet nor its assessments
    scoring.state = "decided"
    scoring.save()
    official = logged_in_client(elected)
    assert official.get(f"/gouvernance/projets/{scoring.pk}/").status_code == 200
    assert (
        official.get(f"/gouvernance/projets/{scoring.pk}/analyse-impact/aipd/").status_code == 403
    )


def test_no_link_when_not_required(charter, make_project, agent):
    project = make_project()
    page = logged_in_client(agent).get(f"/gouvernance/projets/{project.pk}/")
    assert "analyse-impact" not in page.content.decode()
