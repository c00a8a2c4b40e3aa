"""Bad input found by review and fuzzing: NUL characters, invalid addresses, formula
injection in exports, addresses behind proxies. Each gets a clear answer, never a 500."""

import csv
import io
import re

import pytest
from django.test import override_settings

from territoire.core import services
from territoire.core.models import AuditEntry, Role, User
from territoire.core.testing import logged_in_client, person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(arras):
    return person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")


@pytest.mark.parametrize(
    "url",
    [
        "/communes/%00/",
        "/communes/?q=%00",
        "/administration/membres/62041/?q=%00",
        "/administration/membres/%00/",
    ],
)
def test_nul_characters_in_pages_get_a_400_page(admin, url):
    response = logged_in_client(admin).get(url)
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/communes/%00",
        "/api/v1/communes?search=%00",
        "/api/v1/audit?search=%00",
        "/api/v1/communes/62041/memberships?search=%00",
    ],
)
def test_nul_characters_in_the_api_get_a_problem(admin, url):
    response = logged_in_client(admin).get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "pas une adresse", "role": "agent"},
        {"email": "a\u0000b@arras.fr", "role": "agent"},
        {"email": "ok@arras.fr", "first_name": "Jean\u0000", "role": "agent"},
    ],
)
def test_invalid_people_are_refused_by_the_api(admin, payload):
    response = logged_in_client(admin).post(
        "/api/v1/communes/62041/memberships", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert not User.objects.filter(email__in=["pas une adresse", "ok@arras.fr"]).exists()


def test_welcome_mail_has_an_absolute_link_and_plain_text(
    admin, arras, outbox, django_capture_on_commit_callbacks, settings
):
    settings.BASE_URL = "https://territoire.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            actor=admin,
            email="new@arras.fr",
            first_name="Zoé",
            last_name="",
            role=Role.AGENT,
            commune=arras,
        )
    body = outbox[0].body
    assert re.search(r"https://territoire\.example\.org/mot-de-passe/nouveau/\S+/\S+/", body)
    assert "Communauté Urbaine d'Arras" in body and "&#x27;" not in body


def test_an_invited_person_can_use_password_reset(admin, arras, client, outbox):
    services.member_invite(
        actor=admin,
        email="new@arras.fr",
        first_name="",
        last_name="",
        role=Role.AGENT,
        commune=arras,
    )
    assert not User.objects.get(email="new@arras.fr").has_usable_password()
    client.post("/mot-de-passe/oublie/", {"email": "New@Arras.fr"})
    assert len(outbox) == 1 and outbox[0].to == ["new@arras.fr"]
    assert "&#x27;" not in outbox[0].body


def test_the_csv_export_cannot_carry_a_formula(admin, arras):
    services.member_invite(
        actor=admin,
        email="x@arras.fr",
        first_name='=HYPERLINK("http://x")',
        last_name="",
        role=Role.AGENT,
        commune=arras,
    )
    export = logged_in_client(admin).get("/administration/journal.csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_audit_records_the_client_address(admin):
    client = logged_in_client(admin)
    client.post(
        "/administration/membres/62041/",
        {"email": "via@arras.fr", "role": "agent"},
        headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7"},
    )
    assert AuditEntry.objects.get(action="member.invite").ip_address == "198.51.100.7"


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(admin):
    client = logged_in_client(admin)
    client.post(
        "/administration/membres/62041/",
        {"email": "via@arras.fr", "role": "agent"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert AuditEntry.objects.get(action="member.invite").ip_address == "127.0.0.1"


def test_the_page_showing_a_new_key_is_never_cached(admin):
    response = logged_in_client(admin).post(
        "/administration/cles-api/62041/", {"name": "LNS", "module": "sensors"}
    )
    assert "no-store" in response["Cache-Control"]


def test_invalid_audit_filters_show_the_error_not_an_unfiltered_log(admin, arras):
    services.member_invite(
        actor=admin, email="p@arras.fr", first_name="", last_name="", role=Role.AGENT, commune=arras
    )
    body = (
        logged_in_client(admin)
        .get("/administration/journal/", {"since": "2026-12-01", "until": "2026-01-01"})
        .content.decode()
    )
    assert "<title>Erreur" in body and "0 entrée" in body and "p@arras.fr" not in body
