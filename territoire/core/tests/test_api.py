"""The API: keys, sessions, problem+json for every kind of bad input."""

import json

import pytest

from territoire.core import services
from territoire.core.models import AuditEntry, Membership, Role
from territoire.core.testing import logged_in_client, person_with_role

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


@pytest.fixture
def arras_admin(arras):
    return person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")


@pytest.fixture
def key_secret(arras, arras_admin):
    _key, secret = services.api_key_create(
        actor=arras_admin, name="Serveur LoRaWAN", commune=arras, module="sensors"
    )
    return secret


def test_root_and_public_communes_need_no_key(client, communes):
    assert client.get("/api/v1/").json()["documentation"] == "/api/v1/docs"
    page = client.get("/api/v1/communes", {"limit": 10, "offset": 40}).json()
    assert page["count"] == 46 and len(page["items"]) == 6
    assert client.get("/api/v1/communes/62041").json()["population"] == 42600
    assert_problem(client.get("/api/v1/communes/00000"), 404)


def test_a_key_identifies_its_commune_and_module(client, key_secret):
    me = client.get("/api/v1/me", headers={"X-API-Key": key_secret}).json()
    assert me == {
        "kind": "api_key",
        "name": "Serveur LoRaWAN",
        "grants": [{"role": "agent", "commune": "62041", "module": "sensors"}],
    }


@pytest.mark.parametrize("header", ["", "ter_nope", "n'importe quoi", "ter_" + "x" * 60])
def test_a_missing_or_bad_key_gets_401_problem(client, communes, header):
    headers = {"X-API-Key": header} if header else {}
    body = assert_problem(client.get("/api/v1/me", headers=headers), 401)
    assert "X-API-Key" in body["detail"]


def test_a_revoked_key_is_refused(client, arras_admin, arras):
    key, secret = services.api_key_create(
        actor=arras_admin, name="k", commune=arras, module="sensors"
    )
    services.api_key_revoke(actor=arras_admin, key=key)
    assert_problem(client.get("/api/v1/me", headers={"X-API-Key": secret}), 401)


def test_only_the_hash_of_a_key_is_stored(key_secret):
    from territoire.core.models import ApiKey

    stored = ApiKey.objects.get()
    assert key_secret not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64


def test_a_key_cannot_manage_members(client, key_secret):
    response = client.get("/api/v1/communes/62041/memberships", headers={"X-API-Key": key_secret})
    assert_problem(response, 403)


def test_admin_invites_a_member_through_the_api(
    arras_admin, outbox, django_capture_on_commit_callbacks
):
    client = logged_in_client(arras_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/communes/62041/memberships",
            {"email": "Nouvel.Agent@Arras.fr", "role": "agent", "module": "procedures"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "nouvel.agent@arras.fr"
    assert len(outbox) == 1 and "/mot-de-passe/nouveau/" in outbox[0].body
    listed = client.get("/api/v1/communes/62041/memberships", {"search": "nouvel"}).json()
    assert listed["count"] == 1


def test_malformed_json_gets_400_problem_and_writes_nothing(arras_admin):
    client = logged_in_client(arras_admin)
    before = AuditEntry.objects.count()
    response = client.post(
        "/api/v1/communes/62041/memberships",
        "{ceci n'est pas du JSON",
        content_type="application/json",
    )
    body = assert_problem(response, 400)
    assert "JSON" in body["detail"]
    assert AuditEntry.objects.count() == before


def test_invalid_fields_get_422_with_french_field_errors(arras_admin):
    client = logged_in_client(arras_admin)
    response = client.post(
        "/api/v1/communes/62041/memberships",
        {"role": "emperor"},
        content_type="application/json",
    )
    body = assert_problem(response, 422)
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert fields["payload.email"] == "Ce champ est obligatoire."
    assert "payload.role" in fields


def test_business_rule_errors_are_422_problems(arras_admin, arras):
    client = logged_in_client(arras_admin)
    payload = {"email": "a@arras.fr", "role": "elected", "module": "sensors"}
    body = assert_problem(
        client.post("/api/v1/communes/62041/memberships", payload, content_type="application/json"),
        422,
    )
    assert body["errors"][0]["field"] == "module"
    assert not Membership.objects.filter(user__email="a@arras.fr").exists()


def test_a_commune_admin_cannot_create_a_cua_admin(arras_admin):
    client = logged_in_client(arras_admin)
    response = client.post(
        "/api/v1/communes/62041/memberships",
        {"email": "x@arras.fr", "role": "cua_admin"},
        content_type="application/json",
    )
    assert_problem(response, 403)


def test_session_writes_need_the_csrf_token(arras_admin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(arras_admin)
    response = client.post(
        "/api/v1/communes/62041/memberships",
        {"email": "x@arras.fr", "role": "agent"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith(PROBLEM)


def test_revoking_through_the_api(arras_admin, arras):
    client = logged_in_client(arras_admin)
    membership = services.membership_grant(
        actor=arras_admin, user=person_with_role(Role.CITIZEN), role=Role.ELECTED, commune=arras
    )
    assert client.delete(f"/api/v1/memberships/{membership.pk}").status_code == 204
    assert_problem(client.delete(f"/api/v1/memberships/{membership.pk}"), 404)


def test_unknown_api_paths_and_bad_query_values_are_problems(client, arras_admin):
    assert_problem(client.get("/api/v1/pas-de-route"), 404)
    admin = logged_in_client(arras_admin)
    body = assert_problem(admin.get("/api/v1/audit", {"since": "hier"}), 422)
    assert body["errors"][0]["field"].endswith("since")


def test_audit_api_filters(arras_admin, arras):
    client = logged_in_client(arras_admin)
    services.member_invite(
        actor=arras_admin,
        email="z@arras.fr",
        first_name="",
        last_name="",
        role=Role.AGENT,
        commune=arras,
    )
    page = client.get("/api/v1/audit", {"action": "member.invite"}).json()
    assert page["count"] == 1
    assert page["items"][0]["changes"]["user"] == "z@arras.fr"
    assert json.dumps(page)  # serialisable as is


@pytest.mark.parametrize(
    "query", [{"limit": 2**63}, {"offset": 2**63}, {"limit": 0}, {"offset": -1}, {"limit": "x"}]
)
def test_out_of_range_pagination_is_a_422_not_a_crash(client, communes, query):
    assert_problem(client.get("/api/v1/communes", query), 422)
