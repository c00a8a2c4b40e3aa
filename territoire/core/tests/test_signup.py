"""Citizen sign-up (core/signup.py): inactive account until the e-mailed link is confirmed,
then the citizen role; the project's password validators; no account enumeration."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from territoire.core.models import Membership, Role, User
from territoire.core.signup import SALT
from territoire.core.testing import UserFactory, audit_entries_added

pytestmark = pytest.mark.django_db

PASSWORD = "Un-Beffroi-2026!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the one-mail-per-ten-minutes memory


def _link(outbox) -> str:
    match = re.search(r"https?://\S+/inscription/confirmer/\S+/", outbox[-1].body)
    assert match, outbox[-1].body
    return urlsplit(match.group(0)).path


def test_signup_then_confirm(outbox, django_capture_on_commit_callbacks):
    client = Client()
    with audit_entries_added(expected=1), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("core:signup") + "?next=/participation/",
            {
                "email": "Nouvelle@Exemple.fr",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "next": "/participation/",
            },
        )
    assert response.status_code == 302 and response.url == reverse("core:signup_sent")
    user = User.objects.get(email="nouvelle@exemple.fr")
    assert not user.is_active and not user.memberships.exists()
    path = _link(outbox)
    assert client.get(path).status_code == 200  # a mail scanner opening the link: nothing
    user.refresh_from_db()
    assert not user.is_active
    with audit_entries_added() as added:
        response = client.post(path)
    assert [entry.action for entry in added] == ["account.verify", "auth.login"]
    assert response.status_code == 302 and response.url == "/participation/"
    user.refresh_from_db()
    assert user.is_active
    assert Membership.objects.filter(user=user, role=Role.CITIZEN, commune=None).exists()
    again = client.post(path)
    assert again.status_code == 400 and "déjà confirmée" in again.content.decode()


def test_signup_errors_keep_input(outbox):
    response = Client().post(
        reverse("core:signup"),
        {"email": "a@exemple.fr", "password1": "court", "password2": "autre"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'value="a@exemple.fr"' in body
    assert "identiques" in body
    response = Client().post(
        reverse("core:signup"),
        {"email": "a@exemple.fr", "password1": "azertyuiopqs", "password2": "azertyuiopqs"},
    )
    assert "trois types de caractères" in response.content.decode()
    assert not User.objects.exists() and not outbox


def test_known_address_gets_a_notice_not_a_second_account(
    outbox, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="deja@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("core:signup"),
            {"email": "deja@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.url == reverse("core:signup_sent")
    assert User.objects.filter(email="deja@exemple.fr").count() == 1
    existing.refresh_from_db()
    assert not existing.check_password(PASSWORD)
    assert "déjà un compte" in outbox[-1].body and "/inscription/confirmer/" not in outbox[-1].body


def test_bad_or_forged_link():
    user = User.objects.create_user(email="x@exemple.fr", password=PASSWORD, is_active=False)
    client = Client()
    assert client.post(reverse("core:signup_confirm", args=["abc"])).status_code == 400
    forged = signing.dumps({"u": user.pk, "e": "autre@exemple.fr", "n": "/"}, salt=SALT)
    assert client.post(reverse("core:signup_confirm", args=[forged])).status_code == 400
    other_salt = signing.dumps({"u": user.pk, "e": user.email, "n": "/"}, salt="autre")
    assert client.post(reverse("core:signup_confirm", args=[other_salt])).status_code == 400
    offsite = signing.dumps(
        {"u": user.pk, "e": user.email, "n": "https://evil.example/"}, salt=SALT
    )
    response = client.post(reverse("core:signup_confirm", args=[offsite]))
    assert response.status_code == 302 and response.url == reverse("core:my_space")


def test_one_mail_per_address_every_ten_minutes(outbox, django_capture_on_commit_callbacks):
    data = {"email": "flood@exemple.fr", "password1": PASSWORD, "password2": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert Client().post(reverse("core:signup"), data).status_code == 302
    assert len(outbox) == 1
