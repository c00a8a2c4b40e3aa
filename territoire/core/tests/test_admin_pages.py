"""Administration pages: members, audit log with filters and CSV export, API keys."""

import csv
import io

import pytest

from territoire.core import services
from territoire.core.models import ApiKey, AuditEntry, Membership, Role
from territoire.core.testing import logged_in_client, person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(arras):
    return person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")


def test_invite_form_with_errors_keeps_what_was_typed(admin):
    client = logged_in_client(admin)
    response = client.post(
        "/administration/membres/62041/",
        {
            "email": "pas-une-adresse",
            "first_name": "Jeanne",
            "last_name": "Martin",
            "role": "agent",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire contient 1 erreur" in body
    assert 'value="Jeanne"' in body and 'value="pas-une-adresse"' in body
    assert 'aria-invalid="true"' in body and "id_email_error" in body


def test_invite_then_revoke_a_member(admin, outbox, django_capture_on_commit_callbacks):
    client = logged_in_client(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/administration/membres/62041/",
            {
                "email": "jeanne@arras.fr",
                "first_name": "Jeanne",
                "last_name": "Martin",
                "role": "elected",
            },
            follow=True,
        )
    assert "jeanne@arras.fr a maintenant le rôle « Élu »" in response.content.decode()
    assert len(outbox) == 1
    membership = Membership.objects.get(user__email="jeanne@arras.fr")
    confirm = client.get(f"/administration/rattachements/{membership.pk}/retirer/")
    assert "Retirer le rôle" in confirm.content.decode()
    client.post(f"/administration/rattachements/{membership.pk}/retirer/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert list(
        AuditEntry.objects.filter(object_type="core.membership").values_list("action", flat=True)
    ) == ["membership.revoke", "member.invite"]


def test_a_duplicate_role_is_explained_in_the_form(admin, arras):
    client = logged_in_client(admin)
    data = {"email": "admin@arras.fr", "role": "commune_admin"}
    body = client.post("/administration/membres/62041/", data).content.decode()
    assert "Cette personne a déjà ce rôle ici." in body


def test_a_commune_admin_is_not_offered_territory_roles(admin):
    body = logged_in_client(admin).get("/administration/membres/62041/").content.decode()
    assert 'value="agent"' in body and 'value="cua_admin"' not in body


def test_the_last_cua_administrator_cannot_be_removed():
    chief = person_with_role(Role.CUA_ADMIN, email="chef@cua.fr")
    client = logged_in_client(chief)
    membership = chief.memberships.get()
    response = client.post(f"/administration/rattachements/{membership.pk}/retirer/")
    assert response.status_code == 400
    assert "dernier administrateur de la CUA" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_audit_log_filters_paginates_and_exports_csv(admin, arras):
    for n in range(60):
        services.member_invite(
            actor=admin,
            email=f"p{n}@arras.fr",
            first_name="",
            last_name="",
            role=Role.AGENT,
            commune=arras,
        )
    client = logged_in_client(admin)
    page = client.get("/administration/journal/", {"action": "member.invite"}).content.decode()
    assert "60 entrées" in page and "Page 1 sur 2" in page
    searched = client.get("/administration/journal/", {"q": "p42@arras.fr"}).content.decode()
    assert "1 entrée" in searched
    bad = client.get("/administration/journal/", {"since": "2026-12-01", "until": "2026-01-01"})
    assert bad.status_code == 200
    assert "La date de fin doit suivre la date de début." in bad.content.decode()
    export = client.get("/administration/journal.csv", {"action": "member.invite"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["date", "auteur", "action"]
    assert len(rows) == 61
    assert {row[7] for row in rows[1:]} == {"62041"}
    assert {row[3] for row in rows[1:]} == {"Personne invitée"}


def test_people_without_an_admin_role_get_403_pages(arras):
    client = logged_in_client(person_with_role(Role.AGENT, arras))
    for url in [
        "/administration/membres/",
        "/administration/journal/",
        "/administration/journal.csv",
        "/administration/cles-api/",
    ]:
        response = client.get(url)
        assert response.status_code == 403
        assert "Accès refusé" in response.content.decode()


def test_create_show_once_and_revoke_an_api_key(admin):
    client = logged_in_client(admin)
    body = client.post(
        "/administration/cles-api/62041/", {"name": "Serveur LoRaWAN", "module": "sensors"}
    ).content.decode()
    assert "Copiez-la maintenant" in body
    key = ApiKey.objects.get()
    assert f"ter_{key.prefix}_" in body
    again = client.get("/administration/cles-api/62041/").content.decode()
    assert f"ter_{key.prefix}_" not in again
    client.post(f"/administration/cles-api/cle/{key.pk}/revoquer/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_api_key_form_errors(admin):
    response = logged_in_client(admin).post(
        "/administration/cles-api/62041/", {"name": "", "module": "inconnu"}
    )
    assert response.status_code == 400
    assert ApiKey.objects.count() == 0


def test_error_pages_say_what_to_do(client, communes):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Retourner à l'accueil" in response.content.decode()
