"""Sign-in, lockout, password reset and password rules: clear French answers, what was
typed is kept, security events are audited, never a 500."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from territoire.core.models import AuditEntry, Role
from territoire.core.testing import TEST_PASSWORD, person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, email="agent@arras.fr", first_name="Aline")


def test_login_lands_in_my_space_and_is_audited(client, agent):
    response = client.post(
        "/connexion/", {"username": "agent@arras.fr", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/mon-espace/"
    body = response.content.decode()
    assert "Mon espace" in body and "Agent" in body and "Arras" in body
    assert AuditEntry.objects.filter(action="auth.login", actor=agent).count() == 1


def test_wrong_password_keeps_the_email_explains_and_is_audited(client, agent):
    response = client.post("/connexion/", {"username": "agent@arras.fr", "password": "faux"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in body
    assert 'value="agent@arras.fr"' in body
    assert 'aria-invalid="true"' not in body or "erreurs" in body
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.object_id == str(agent.pk) and entry.actor_label == "anonyme"


def test_failures_on_unknown_addresses_stay_out_of_the_audit_log(client, communes):
    response = client.post("/connexion/", {"username": "inconnu@exemple.fr", "password": "x"})
    assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    assert not AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_the_address_is_not_case_sensitive(client, agent):
    response = client.post("/connexion/", {"username": "Agent@Arras.FR", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/mon-espace/"


def test_malformed_email_gets_a_field_error_not_a_crash(client):
    response = client.post("/connexion/", {"username": "pas-une-adresse", "password": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in body or "adresse" in body
    assert 'value="pas-une-adresse"' in body
    assert 'aria-invalid="true"' in body


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(
    client, agent, settings
):
    colleague = person_with_role(
        Role.AGENT, agent.memberships.get().commune, email="collegue@arras.fr"
    )
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/connexion/", {"username": "agent@arras.fr", "password": "faux"})
    response = client.post("/connexion/", {"username": "agent@arras.fr", "password": TEST_PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Connexion temporairement suspendue" in body
    assert f"suspendue pendant {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in body
    assert 'value="agent@arras.fr"' in body
    assert AuditEntry.objects.filter(action="auth.lockout").exists()
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    # A colleague behind the same address (a town hall) can still sign in.
    other = client.post("/connexion/", {"username": "collegue@arras.fr", "password": TEST_PASSWORD})
    assert other.status_code == 302 and colleague.is_active


def test_logout_is_a_post_and_is_audited(client, agent):
    client.force_login(agent)
    assert client.get("/deconnexion/").status_code == 405
    client.post("/deconnexion/")
    assert AuditEntry.objects.filter(action="auth.logout", actor=agent).exists()
    assert client.get("/mon-espace/").status_code == 302


def test_password_reset_by_email_then_login_with_the_new_password(client, agent, outbox):
    response = client.post("/mot-de-passe/oublie/", {"email": "agent@arras.fr"}, follow=True)
    assert "Vérifiez votre messagerie" in response.content.decode()
    assert len(outbox) == 1
    link = re.search(r"https?://[^/]+(/mot-de-passe/nouveau/\S+)", outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choisissez votre mot de passe" in form_page.content.decode()
    new = "Un-Nouveau-Mot-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "Mot de passe enregistré" in done.content.decode()
    assert AuditEntry.objects.filter(action="auth.password_reset", actor=agent).exists()
    client.post("/deconnexion/")
    login = client.post("/connexion/", {"username": "agent@arras.fr", "password": new})
    assert login.status_code == 302 and login["Location"] == "/mon-espace/"


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, outbox):
    response = client.post("/mot-de-passe/oublie/", {"email": "inconnu@exemple.fr"}, follow=True)
    assert "Vérifiez votre messagerie" in response.content.decode()
    assert outbox == []


def test_an_expired_or_forged_reset_link_says_what_to_do(client, agent):
    response = client.get("/mot-de-passe/nouveau/MQ/mauvais-jeton/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ce lien n'est plus valable" in body
    assert "/mot-de-passe/oublie/" in body


@pytest.mark.parametrize(
    "password",
    ["court-A1", "motdepassemotdepasse", "123456789012345", "password1234"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_is_accepted():
    validate_password("Beffroi-d'Arras-2026")


def test_pages_that_need_a_login_redirect_to_it(client):
    response = client.get("/mon-espace/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")
