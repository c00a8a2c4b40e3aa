"""The committee's annual public report: figures, tables, CSV, years."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from territoire.core.testing import audit_entries_added
from territoire.governance import services
from territoire.governance.annual import annual_report
from territoire.governance.reference import PLATFORM_ALGORITHMS
from territoire.governance.tests.conftest import give_all
from territoire.governance.tests.test_workflow import cua_admin


def _decided(make_project, agent, member, member2, outcome="favourable", conditions=(), **sheet):
    project = make_project(**sheet)
    services.project_submit(actor=agent, project=project)
    review = services.review_assign(actor=member, project=project, reviewers=[member, member2])
    give_all(review, member, 3)
    give_all(review, member2, 3)
    services.decision_record(
        actor=cua_admin(),
        review=review,
        outcome=outcome,
        reasons="Projet utile et proportionné.",
        conditions=list(conditions),
    )
    return project


SCORING = {
    "title": "Repérage des droits sociaux",
    "personal_data": True,
    "is_ai": True,
    "ai_kind": "Apprentissage supervisé",
    "frugality_test": "Une règle explicite ne suffit pas à classer les dossiers.",
    "ai_uses": ["public_benefits"],
    "cnil_cases": ["social_support"],
}


def test_report_lists_decisions_conditions_and_assessments(
    charter, make_project, agent, member, member2
):
    _decided(make_project, agent, member, member2)
    _decided(
        make_project,
        agent,
        member,
        member2,
        outcome="conditions",
        conditions=[("Faire l'AIPD avant la mise en service", None)],
        **SCORING,
    )
    draft = make_project(title="Projet encore en brouillon")
    year = timezone.localdate().year
    with audit_entries_added(0):
        report = annual_report(year)
    assert report.projects_decided == 2 and report.reviews_opened == 2
    assert dict(report.by_outcome)["Avis favorable"] == 1
    assert report.conditions_total == 1 and report.conditions_met == 0
    titles = [row[0] for row in report.tables["decisions"].rows]
    assert titles == ["Comptage des vélos", "Repérage des droits sociaux"]
    assert draft.title not in str(report.tables)
    (assessment,) = report.tables["analyses-impact"].rows
    assert assessment[0] == "Repérage des droits sociaux"
    assert assessment[2:] == ("Oui", "Non renseignée au registre RGPD", "Oui")
    # the platform's algorithms were entered this year by reference_load
    assert len(report.tables["algorithmes"].rows) == len(PLATFORM_ALGORITHMS)
    assert annual_report(year - 1).projects_decided == 0


def test_public_page_and_csv(charter, make_project, agent, member, member2, client):
    _decided(make_project, agent, member, member2)
    year = timezone.localdate().year
    response = client.get("/gouvernance/bilan/")
    assert response.status_code == 302 and response["Location"].startswith("/gouvernance/bilan/")
    response = client.get(f"/gouvernance/bilan/{year}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Avis rendus par le comité en {year}" in html and "Comptage des vélos" in html
    response = client.get(f"/gouvernance/bilan/{year}/decisions.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode()), delimiter=";")
    )
    assert rows[0][0] == "\ufeffProjet" and rows[1][0] == "Comptage des vélos"
    assert client.get(f"/gouvernance/bilan/{year}/inconnu.csv").status_code == 404
    assert client.get("/gouvernance/bilan/1999/").status_code == 404
    assert client.get(f"/gouvernance/bilan/{year + 1}/").status_code == 404
