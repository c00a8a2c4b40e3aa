"""Themes page: any editor adds a theme; a territory-wide editor renames or deletes one
(audited); a theme in use is deleted only by moving its entries, with a clear message."""

import pytest

from territoire.core.models import Role
from territoire.core.testing import audit_entries_added, logged_in_client, person_with_role
from territoire.knowledge import services
from territoire.knowledge.models import Entry, Kind, Status, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def cua_editor(db):
    return person_with_role(Role.AGENT, None, module="knowledge", email="doc@cua.fr")


@pytest.fixture
def arras_agent(arras):
    return person_with_role(Role.AGENT, arras, module="knowledge", email="doc@arras.fr")


def entry_with(theme, title="Cantine", status=Status.PUBLISHED):
    entry = Entry.objects.create(kind=Kind.FAQ, title=title, body="Texte", status=status)
    entry.themes.add(theme)
    return entry


def test_page_lists_themes_with_counts_and_adds_one(arras_agent):
    school = Theme.objects.create(name="École", slug="ecole")
    entry_with(school)
    entry_with(school, "Brouillon", Status.DRAFT)
    client = logged_in_client(arras_agent)
    page = client.get("/aide/gestion/themes/").content.decode()
    assert "École" in page and "<td>2</td>" in page and "<td>1</td>" in page
    assert "Renommer ou supprimer" not in page  # a commune agent does not manage themes
    with audit_entries_added(expected=1):
        response = client.post("/aide/gestion/themes/", {"name": "Sport"})
    assert response.status_code == 302 and Theme.objects.filter(slug="sport").exists()


def test_duplicate_name_keeps_what_was_typed(arras_agent):
    Theme.objects.create(name="Sport", slug="sport")
    client = logged_in_client(arras_agent)
    with audit_entries_added(expected=0):
        response = client.post("/aide/gestion/themes/", {"name": "SPORT"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ce thème existe déjà." in page and 'value="SPORT"' in page


def test_rename_is_audited_and_follows_in_slug(cua_editor):
    theme = Theme.objects.create(name="Ecole", slug="ecole")
    client = logged_in_client(cua_editor)
    with audit_entries_added(expected=1) as added:
        response = client.post(
            f"/aide/gestion/themes/{theme.pk}/", {"action": "rename", "name": "Enfance et école"}
        )
    assert response.status_code == 302
    assert added[0].action == "knowledge.theme_rename"
    assert added[0].changes["name"] == ["Ecole", "Enfance et école"]
    theme.refresh_from_db()
    assert (theme.name, theme.slug) == ("Enfance et école", "enfance-et-ecole")


def test_rename_to_another_themes_name_is_refused(cua_editor):
    Theme.objects.create(name="Eau", slug="eau")
    theme = Theme.objects.create(name="Déchets", slug="dechets")
    client = logged_in_client(cua_editor)
    with audit_entries_added(expected=0):
        response = client.post(
            f"/aide/gestion/themes/{theme.pk}/", {"action": "rename", "name": "eau"}
        )
    assert response.status_code == 400
    assert "Un autre thème porte déjà ce nom." in response.content.decode()


def test_theme_in_use_cannot_be_deleted_without_moving_its_entries(cua_editor):
    theme = Theme.objects.create(name="Ecole", slug="ecole")
    target = Theme.objects.create(name="Enfance", slug="enfance")
    entries = [entry_with(theme), entry_with(theme, "Brouillon", Status.DRAFT)]
    client = logged_in_client(cua_editor)
    with audit_entries_added(expected=0):
        response = client.post(f"/aide/gestion/themes/{theme.pk}/", {"action": "delete"})
    assert response.status_code == 400
    assert "Ce thème classe 2 fiches : choisissez le thème où les déplacer" in (
        response.content.decode()
    )
    assert Theme.objects.filter(pk=theme.pk).exists()
    with audit_entries_added(expected=1) as added:
        response = client.post(
            f"/aide/gestion/themes/{theme.pk}/", {"action": "delete", "move_to": target.pk}
        )
    assert response.status_code == 302
    assert added[0].action == "knowledge.theme_delete"
    assert added[0].changes["entries_moved"] == 2
    assert not Theme.objects.filter(pk=theme.pk).exists()
    for entry in entries:
        assert list(entry.themes.all()) == [target]


def test_unused_theme_is_deleted_and_cannot_move_to_itself(cua_editor):
    theme = Theme.objects.create(name="Vide", slug="vide")
    with pytest.raises(Exception, match="autre thème"):
        services.theme_delete(actor=cua_editor, theme=theme, move_to=theme)
    with audit_entries_added(expected=1):
        assert services.theme_delete(actor=cua_editor, theme=theme) == 0
    assert not Theme.objects.exists()


def test_commune_agent_cannot_rename_or_delete(arras_agent):
    theme = Theme.objects.create(name="Eau", slug="eau")
    client = logged_in_client(arras_agent)
    with audit_entries_added(expected=0):
        assert client.get(f"/aide/gestion/themes/{theme.pk}/").status_code == 403
        response = client.post(
            f"/aide/gestion/themes/{theme.pk}/", {"action": "rename", "name": "Autre"}
        )
        assert response.status_code == 403
        response = client.post(f"/aide/gestion/themes/{theme.pk}/", {"action": "delete"})
        assert response.status_code == 403
    assert Theme.objects.get(pk=theme.pk).name == "Eau"


def test_unknown_theme_is_404_and_citizens_are_refused(cua_editor):
    assert logged_in_client(cua_editor).get("/aide/gestion/themes/999999/").status_code == 404
    citizen = logged_in_client(person_with_role(Role.CITIZEN))
    assert citizen.get("/aide/gestion/themes/").status_code == 403
