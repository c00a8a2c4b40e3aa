"""Knowledge pages and services: public search and entry pages, the editor for agents (one
audit entry per write, the form keeps what was typed), the stale flag and commune isolation."""

from datetime import date, timedelta

import pytest
from django.test import Client

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.knowledge import services
from territoire.knowledge.models import Entry, Kind, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="knowledge", email="doc@arras.fr")


def make(actor, commune, title="Inscription à l'école", publish=True, **extra):
    data = services.EntryData(kind=Kind.FAQ, title=title, body="Texte.", commune=commune, **extra)
    return services.entry_create(actor=actor, data=data, publish=publish)


def test_create_update_publish_each_write_one_audit_entry(agent, arras):
    with audit_entries_added(expected=1) as added:
        entry = make(agent, arras, publish=False)
    assert added[0].action == "knowledge.entry_create"
    data = services.EntryData(kind=Kind.GUIDE, title="Rentrée scolaire", body="B", commune=arras)
    with audit_entries_added(expected=1) as added:
        services.entry_update(actor=agent, entry=entry, data=data)
    assert added[0].changes["title"] == ["Inscription à l'école", "Rentrée scolaire"]
    with audit_entries_added(expected=1):
        services.entry_set_status(actor=agent, entry=entry, status=Status.PUBLISHED)
    response = Client().get("/aide/?q=rentree")
    assert "Rentrée scolaire" in response.content.decode()


def test_commune_agent_cannot_write_for_whole_cua(agent):
    with pytest.raises(Exception) as exc, audit_entries_added(expected=0):
        make(agent, None)
    assert "CUA" in str(exc.value)


def test_legal_reference_needs_its_source(agent, arras):
    data = services.EntryData(kind=Kind.LEGAL, title="Arrêté", body="Texte", commune=arras)
    with pytest.raises(Exception, match="référence"):
        services.entry_create(actor=agent, data=data)


def test_public_pages_show_only_published(agent, arras):
    published = make(agent, arras, title="Carte d'identité")
    draft = make(agent, arras, title="Brouillon secret", publish=False)
    client = Client()
    body = client.get("/aide/").content.decode()
    assert "Carte d&#x27;identité" in body and "Brouillon secret" not in body
    assert client.get(f"/aide/fiche/{published.pk}/").status_code == 200
    assert client.get(f"/aide/fiche/{draft.pk}/").status_code == 404


def test_stale_flag_past_review_date(agent, arras):
    entry = make(agent, arras, review_by=date.today() - timedelta(days=1))
    assert entry.is_stale()
    assert "À vérifier" in Client().get(f"/aide/fiche/{entry.pk}/").content.decode()
    fresh = make(agent, arras, title="Récent", review_by=date.today() + timedelta(days=30))
    assert not fresh.is_stale()
    listing = logged_in_client(agent).get("/aide/gestion/?stale=on").content.decode()
    assert "Inscription à l&#x27;école" in listing and "Récent" not in listing


def test_editor_form_keeps_typed_values_on_error(agent):
    client = logged_in_client(agent)
    response = client.post(
        "/aide/gestion/nouvelle/",
        {"kind": "faq", "title": "Mon titre tapé", "body": "", "source_url": "pas une adresse"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Mon titre tapé"' in body and "pas une adresse" in body
    assert not Entry.objects.exists()


def test_editor_creates_through_page(agent, arras):
    client = logged_in_client(agent)
    response = client.post(
        "/aide/gestion/nouvelle/",
        {
            "kind": "faq",
            "title": "Horaires",
            "body": "9h-17h",
            "commune": arras.insee_code,
            "publish": "1",
        },
    )
    assert response.status_code == 302
    assert Entry.objects.get().status == Status.PUBLISHED


def test_citizen_cannot_reach_editor(arras):
    citizen = person_with_role(Role.CITIZEN, arras)
    client = logged_in_client(citizen)
    assert client.get("/aide/gestion/").status_code == 403
    assert client.get("/aide/gestion/nouvelle/").status_code == 403


def test_commune_isolation(agent, beaurains):
    other = person_with_role(Role.AGENT, beaurains, module="knowledge")
    hidden = make(other, beaurains, title="Fiche de Beaurains", publish=False)
    assert_commune_isolation(
        logged_in_client(agent),
        hidden_urls=[f"/aide/gestion/{hidden.pk}/", f"/aide/fiche/{hidden.pk}/"],
        lists=[("/aide/gestion/", "Fiche de Beaurains"), ("/aide/", "Fiche de Beaurains")],
        writes=[
            ("post", f"/aide/gestion/{hidden.pk}/statut/", {"status": "published"}),
            ("post", f"/aide/gestion/{hidden.pk}/", {"kind": "faq", "title": "x", "body": "y"}),
        ],
    )
