"""The shell: security headers, no inline script or style, mandatory links, error pages."""

import re
from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/communes/",
    "/connexion/",
    "/accessibilite/",
    "/mentions-legales/",
    "/donnees-personnelles/",
    "/plan-du-site/",
    "/mot-de-passe/oublie/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_pages_carry_a_strict_csp_and_no_inline_code(client, communes, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    body = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline script"
    assert not re.search(r"\sstyle=\"", body), "inline style"
    assert not re.search(r"<[^>]+\son[a-z]+=", body), "inline event handler"
    assert '<html lang="fr">' in body
    for link in [
        "/accessibilite/",
        "/mentions-legales/",
        "/donnees-personnelles/",
        "/plan-du-site/",
    ]:
        assert f'href="{link}"' in body
    assert "Accessibilité : non conforme" in body
    assert 'href="#contenu"' in body


def test_an_unexpected_error_shows_a_french_500_page(communes):
    client = Client(raise_request_exception=False)
    with mock.patch("territoire.core.selectors.commune_list", side_effect=RuntimeError("boom")):
        response = client.get("/communes/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_an_unexpected_api_error_is_a_problem(communes):
    client = Client(raise_request_exception=False)
    with mock.patch("territoire.core.selectors.commune_list", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/communes")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    assert "boom" not in response.content.decode()


def test_a_form_posted_without_csrf_token_gets_a_french_explanation(communes):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/connexion/", {"username": "a@b.fr", "password": "x"})
    assert response.status_code == 403
    assert "Votre page a expiré" in response.content.decode()
