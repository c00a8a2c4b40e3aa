"""The governance pages: public pages for everyone, scoped pages per role and commune
(commune isolation, elected officials see decisions only, the public sees only published
entries), forms that keep what was typed, exports (CSV, PDF), and no page answering 500."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    cua_admin,
    logged_in_client,
    person_with_role,
)
from territoire.governance import services
from territoire.governance.models import ProcessingActivity, Project

from .conftest import give_all

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "name": "Fichier des inscriptions scolaires",
    "software": "",
    "joint_controller": "",
    "purposes": "Inscrire les enfants",
    "legal_basis": "public_task",
    "data_subjects": "Enfants et parents",
    "retention": {"identity": "Scolarité + 1 an"},
    "sensitive_data": False,
    "sensitive_details": "",
    "recipients_internal": "Service scolaire",
    "recipients_external": "",
    "processors": "",
    "transfers_outside_eu": False,
    "transfer_details": "",
    "security_measures": ["access_control", "backup"],
    "security_other": "",
    "dpia_status": "not_needed",
}


@pytest.fixture
def world(charter, make_project, agent, beaurains_agent, beaurains, member, member2):
    """A decided Arras project, a draft Arras project, a Beaurains project in review, and
    one GDPR sheet in each commune."""
    decided = make_project(title="Projet Arras décidé")
    services.project_submit(actor=agent, project=decided)
    review = services.review_assign(actor=member, project=decided, reviewers=[member, member2])
    give_all(review, member)
    give_all(review, member2)
    meeting = services.meeting_schedule(actor=member, held_on=timezone.now(), place="Salle 1")
    services.decision_record(
        actor=member,
        review=review,
        outcome="conditions",
        reasons="Bien",
        conditions=[("Publier la fiche", None)],
        meeting=meeting,
    )
    draft = make_project(title="Projet Arras brouillon")
    other = make_project(actor=beaurains_agent, commune=beaurains, title="Projet Beaurains secret")
    services.project_submit(actor=beaurains_agent, project=other)
    other_review = services.review_assign(actor=member, project=other, reviewers=[member, member2])
    services.activity_save(actor=agent, commune=agent_commune(agent), **ACTIVITY)
    services.activity_save(
        actor=beaurains_agent,
        commune=beaurains,
        **{**ACTIVITY, "name": "Traitement Beaurains secret"},
    )
    return {
        "decided": decided,
        "draft": draft,
        "other": other,
        "review": review,
        "other_review": other_review,
        "meeting": meeting,
    }


def agent_commune(agent):
    return agent.memberships.get().commune


PUBLIC_PAGES = [
    "/gouvernance/",
    "/gouvernance/charte/",
    "/gouvernance/charte/v1/",
    "/gouvernance/charte/comparer/",
    "/gouvernance/algorithmes/",
    "/gouvernance/algorithmes/?q=fuite",
    "/gouvernance/algorithmes/detection-fuites-eau/",
    "/gouvernance/catalogue/",
    "/gouvernance/catalogue/?q=algorithmes&theme=GOVE",
    "/gouvernance/catalogue/registre-des-algorithmes-publics/",
]


def test_public_pages_for_everyone(charter):
    client = Client()
    for url in PUBLIC_PAGES:
        assert client.get(url).status_code == 200, url
    body = client.get("/gouvernance/charte/").content.decode()
    assert "Sobriété et frugalité" in body and "Questions posées" in body


def test_bad_compare_parameters_are_explained(charter):
    response = Client().get("/gouvernance/charte/comparer/?de=abc&a=1")
    assert response.status_code == 400
    assert "doivent être des nombres" in response.content.decode()


def test_member_pages_need_login(charter):
    response = Client().get("/gouvernance/projets/")
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_commune_agent_sees_only_their_communes_projects(world, agent):
    client = logged_in_client(agent)
    body = client.get("/gouvernance/projets/").content.decode()
    assert "Projet Arras brouillon" in body and "Projet Arras décidé" in body
    other = world["other"]
    assert_commune_isolation(
        client,
        hidden_urls=[
            f"/gouvernance/projets/{other.pk}/",
            f"/gouvernance/projets/{other.pk}/modifier/",
            "/gouvernance/rgpd/62099/",
            "/gouvernance/rgpd/62099/registre.csv",
            "/gouvernance/rgpd/62099/registre.pdf",
        ],
        lists=[
            ("/gouvernance/projets/", "Projet Beaurains secret"),
            ("/gouvernance/rgpd/62041/", "Traitement Beaurains secret"),
            ("/gouvernance/algorithmes/gerer/", "Traitement Beaurains secret"),
        ],
        writes=[
            ("post", f"/gouvernance/projets/{other.pk}/soumettre/", {}),
            ("post", f"/gouvernance/projets/{other.pk}/modifier/", {"title": "x"}),
            ("post", f"/gouvernance/examens/{world['other_review'].pk}/avis/", {}),
        ],
    )


def test_elected_official_sees_decisions_only(world, elected):
    client = logged_in_client(elected)
    body = client.get("/gouvernance/projets/").content.decode()
    assert "Projet Arras décidé" in body
    assert "Projet Arras brouillon" not in body and "Projet Beaurains secret" not in body
    page = client.get(f"/gouvernance/projets/{world['decided'].pk}/").content.decode()
    assert "Avis favorable sous conditions" in page and "Publier la fiche" in page
    assert "Modifier la fiche" not in page and "Bénéfice pour le service public" not in page
    assert client.get(f"/gouvernance/projets/{world['draft'].pk}/").status_code == 404
    condition = world["review"].decision.conditions.get()
    assert client.get(f"/gouvernance/conditions/{condition.pk}/").status_code == 403
    assert client.get("/gouvernance/comite/").status_code == 403


def test_project_page_shows_screening_with_reasons(world, agent):
    client = logged_in_client(agent)
    project = world["draft"]
    body = client.get(f"/gouvernance/projets/{project.pk}/").content.decode()
    assert "AIPD non requise" in body and "Hors champ" in body
    assert "RGPD, art. 35" in body


def test_project_form_keeps_input_and_explains(charter, agent):
    client = logged_in_client(agent)
    assert client.get("/gouvernance/projets/nouveau/").status_code == 200
    response = client.post(
        "/gouvernance/projets/nouveau/",
        {"owner": str(agent_commune(agent).pk), "title": "Mon projet d'IA", "is_ai": "on"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Mon projet d&#x27;IA" in body and "Ce champ est obligatoire" in body
    assert not Project.objects.exists()


def test_project_create_submit_through_pages(charter, agent):
    client = logged_in_client(agent)
    data = {
        "owner": str(agent_commune(agent).pk),
        "title": "Capteurs de bruit",
        "purpose": "Mesurer le bruit",
        "public_benefit": "Santé",
        "service_owner": "Environnement",
        "data_categories": "Niveaux sonores",
        "people_affected": "Riverains",
        "human_oversight": "Agent",
        "information_and_contest": "Site",
        "is_ai": "on",
        "ai_kind": "Classification des sons",
        "frugality_test": "Un sonomètre ne reconnaît pas les sources.",
        "ai_uses": ["interacts"],
    }
    with audit_entries_added(1):
        response = client.post("/gouvernance/projets/nouveau/", data)
    project = Project.objects.get()
    assert response.status_code == 302 and project.ai_uses == ["interacts"]
    with audit_entries_added(1):
        client.post(f"/gouvernance/projets/{project.pk}/soumettre/")
    project.refresh_from_db()
    assert project.state == "submitted"


def test_committee_pages(world, member):
    client = logged_in_client(member)
    for url in [
        "/gouvernance/comite/",
        f"/gouvernance/projets/{world['other'].pk}/",
        f"/gouvernance/projets/{world['other'].pk}/rapporteurs/",
        f"/gouvernance/examens/{world['other_review'].pk}/avis/",
        f"/gouvernance/examens/{world['other_review'].pk}/decision/",
        f"/gouvernance/comite/seances/{world['meeting'].pk}/ordre-du-jour/",
        f"/gouvernance/comite/seances/{world['meeting'].pk}/proces-verbal/",
        "/gouvernance/tableau-de-bord/",
    ]:
        assert client.get(url).status_code == 200, url
    minutes = client.get(f"/gouvernance/comite/seances/{world['meeting'].pk}/proces-verbal/")
    assert "Avis favorable sous conditions" in minutes.content.decode()
    response = client.post(
        f"/gouvernance/examens/{world['other_review'].pk}/decision/",
        {"outcome": "favourable", "reasons": "ok"},
    )
    assert response.status_code == 400 and "collégial" in response.content.decode()


def test_opinion_form_requires_comment_for_low_score(world, member):
    client = logged_in_client(member)
    review = world["other_review"]
    principles = list(review.charter.principles.all())
    data = {f"score_{p.pk}": "3" for p in principles}
    data[f"score_{principles[0].pk}"] = "1"
    data[f"comment_{principles[1].pk}"] = "Texte conservé"
    response = client.post(f"/gouvernance/examens/{review.pk}/avis/", data)
    assert response.status_code == 400
    assert "Expliquez ce qui manque" in response.content.decode()
    assert "Texte conservé" in response.content.decode()
    data[f"comment_{principles[0].pk}"] = "Pas de minimisation"
    with audit_entries_added(1):
        assert client.post(f"/gouvernance/examens/{review.pk}/avis/", data).status_code == 302


def test_agent_may_not_see_dashboard_or_committee(world, agent):
    client = logged_in_client(agent)
    assert client.get("/gouvernance/tableau-de-bord/").status_code == 403
    assert client.get("/gouvernance/comite/").status_code == 403


def test_gdpr_register_exports(world, agent):
    client = logged_in_client(agent)
    body = client.get("/gouvernance/rgpd/62041/").content.decode()
    assert "Fichier des inscriptions scolaires" in body
    csv_body = b"".join(
        client.get("/gouvernance/rgpd/62041/registre.csv").streaming_content
    ).decode()
    assert "Fichier des inscriptions scolaires" in csv_body and "Scolarité + 1 an" in csv_body
    pdf = client.get("/gouvernance/rgpd/62041/registre.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    home = client.get("/gouvernance/rgpd/").content.decode()
    assert "Arras" in home and "Beaurains" not in home


def test_activity_form_keeps_input(world, agent):
    client = logged_in_client(agent)
    response = client.post(
        "/gouvernance/rgpd/62041/nouveau/",
        {
            "name": "Vidéoprotection",
            "legal_basis": "public_task",
            "purposes": "x",
            "data_subjects": "y",
            "sensitive_data": "on",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Vidéoprotection" in body and "durée de conservation" in body
    assert not ProcessingActivity.objects.filter(name="Vidéoprotection").exists()


def test_dashboard_completeness_lists_every_commune(world):
    client = logged_in_client(cua_admin())
    body = client.get("/gouvernance/tableau-de-bord/").content.decode()
    assert "Achicourt" in body and "Communauté urbaine d'Arras" in body


def test_algorithm_management_and_publication(charter, agent):
    client = logged_in_client(agent)
    data = {
        "owner": str(agent_commune(agent).pk),
        "name": "Attribution des places en crèche",
        "service": "Petite enfance",
        "contact_email": "creche@arras.fr",
        "context": "Commission d'attribution",
        "purpose": "Classer les demandes",
        "decision_role": "Aide à la commission",
        "automation_level": "aid",
        "legal_basis": "Délibération",
        "public_concerned": "Familles",
        "data_processed": "Situation familiale",
        "data_sources": "Formulaire",
        "algorithm_type": "rules",
        "operations": "Barème à points",
    }
    assert client.post("/gouvernance/algorithmes/gerer/nouveau/", data).status_code == 302
    assert (
        "Attribution des places" not in Client().get("/gouvernance/algorithmes/").content.decode()
    )
    from territoire.governance.models import AlgorithmEntry

    entry = AlgorithmEntry.objects.get(name="Attribution des places en crèche")
    client.post(f"/gouvernance/algorithmes/gerer/{entry.pk}/publication/", {"published": "1"})
    assert "Attribution des places" in Client().get("/gouvernance/algorithmes/").content.decode()


def test_charter_preparation_pages(charter):
    client = logged_in_client(cua_admin())
    assert client.get("/gouvernance/charte/preparer/").status_code == 200
    client.post("/gouvernance/charte/preparer/nouvelle-version/")
    assert client.get("/gouvernance/charte/preparer/").status_code == 200
    assert client.get("/gouvernance/charte/preparer/principe/").status_code == 200
    response = client.post(
        "/gouvernance/charte/preparer/principe/",
        {
            "code": "utilite",
            "position": 9,
            "title": "Doublon",
            "explanation": "x",
            "questions": "y",
        },
    )
    assert response.status_code == 400 and "déjà ce code" in response.content.decode()
    client.post("/gouvernance/charte/preparer/publier/")
    assert client.get("/gouvernance/charte/comparer/").status_code == 200
    assert client.get("/gouvernance/charte/v2/").status_code == 200


def test_pagination_of_public_register(charter):
    admin = cua_admin()
    for n in range(30):
        entry = services.algorithm_save(
            actor=admin,
            commune=None,
            name=f"Algo {n:02d}",
            service="S",
            contact_email="a@b.fr",
            context="c",
            purpose="p",
            decision_role="d",
            automation_level="aid",
            legal_basis="l",
            public_concerned="p",
            data_processed="d",
            data_sources="s",
            algorithm_type="rules",
            operations="o",
        )
        services.algorithm_publish(actor=admin, entry=entry, published=True)
    client = Client()
    assert "Page 1 sur 2" in client.get("/gouvernance/algorithmes/").content.decode()
    assert client.get("/gouvernance/algorithmes/?page=2").status_code == 200
    assert client.get("/gouvernance/algorithmes/?page=abc").status_code == 200


def test_citizen_sees_no_member_pages(charter, arras):
    client = logged_in_client(person_with_role(Role.CITIZEN, arras, email="h@x.fr"))
    assert client.get("/gouvernance/projets/").status_code == 403
    assert client.get("/gouvernance/rgpd/").status_code == 403


def test_dataset_management(charter, agent, beaurains_agent, beaurains):
    client = logged_in_client(agent)
    commune = agent_commune(agent)
    bad = {"owner": str(commune.pk), "title": "Bancs publics", "file_title_1": "CSV"}
    response = client.post("/gouvernance/catalogue/gerer/nouveau/", bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bancs publics" in body and "Renseignez le titre, l&#x27;adresse et le type" in body
    data = {
        **bad,
        "description": "Emplacement des bancs",
        "theme": "REGI",
        "licence": "etalab-2.0",
        "frequency": "ANNUAL",
        "contact_email": "voirie@arras.fr",
        "published": "on",
        "file_url_1": "https://www.arras.fr/bancs.csv",
        "file_type_1": "text/csv",
    }
    with audit_entries_added(1):
        assert client.post("/gouvernance/catalogue/gerer/nouveau/", data).status_code == 302
    assert "Bancs publics" in Client().get("/gouvernance/catalogue/").content.decode()
    services.dataset_save(
        actor=beaurains_agent,
        commune=beaurains,
        title="Jeu Beaurains secret",
        description="x",
        theme="REGI",
        licence="etalab-2.0",
        frequency="ANNUAL",
        contact_email="a@b.fr",
        published=False,
    )
    from territoire.governance.models import Dataset

    other = Dataset.objects.get(title="Jeu Beaurains secret")
    assert_commune_isolation(
        client,
        hidden_urls=[
            f"/gouvernance/catalogue/gerer/{other.pk}/",
            f"/gouvernance/catalogue/{other.slug}/",
        ],
        lists=[
            ("/gouvernance/catalogue/gerer/", "Jeu Beaurains secret"),
            ("/gouvernance/catalogue/", "Jeu Beaurains secret"),
        ],
        writes=[("post", f"/gouvernance/catalogue/gerer/{other.pk}/", {"title": "x"})],
    )
