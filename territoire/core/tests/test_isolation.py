"""Commune isolation: a commune administrator, agent or API key of Arras cannot read or
change Beaurains' members, audit entries or keys, through pages or API."""

import pytest

from territoire.core import services
from territoire.core.models import Membership, Role
from territoire.core.testing import (
    UserFactory,
    assert_commune_isolation,
    logged_in_client,
    person_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def beaurains_objects(beaurains):
    """Objects of Beaurains, with an audit trail, made by Beaurains' own administrator."""
    admin = person_with_role(Role.COMMUNE_ADMIN, beaurains, email="admin@beaurains.fr")
    membership = services.member_invite(
        actor=admin,
        email="secret.agent@beaurains.fr",
        first_name="S",
        last_name="A",
        role=Role.AGENT,
        commune=beaurains,
    )
    key, _ = services.api_key_create(
        actor=admin, name="Clé Beaurains", commune=beaurains, module="sensors"
    )
    return {"membership": membership, "key": key}


@pytest.mark.parametrize("role", [Role.COMMUNE_ADMIN, Role.AGENT, Role.ELECTED])
def test_people_of_arras_cannot_reach_beaurains_through_pages(arras, beaurains_objects, role):
    client = logged_in_client(person_with_role(role, arras))
    membership, key = beaurains_objects["membership"], beaurains_objects["key"]
    assert_commune_isolation(
        client,
        hidden_urls=[
            "/administration/membres/62099/",
            f"/administration/rattachements/{membership.pk}/retirer/",
            "/administration/cles-api/62099/",
        ],
        lists=[
            ("/administration/journal/", "secret.agent@beaurains.fr"),
            ("/administration/journal/?commune=62099", "secret.agent@beaurains.fr"),
            ("/administration/journal.csv", "secret.agent@beaurains.fr"),
            ("/administration/membres/", "Beaurains"),
            ("/administration/cles-api/", "Beaurains"),
        ],
        writes=[
            ("POST", f"/administration/rattachements/{membership.pk}/retirer/", {}),
            (
                "POST",
                "/administration/membres/62099/",
                {"email": "intrus@arras.fr", "role": "agent"},
            ),
            ("POST", f"/administration/cles-api/cle/{key.pk}/revoquer/", {}),
            ("POST", "/administration/cles-api/62099/", {"name": "x", "module": "sensors"}),
        ],
    )
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("role", [Role.COMMUNE_ADMIN, Role.AGENT])
def test_people_of_arras_cannot_reach_beaurains_through_the_api(arras, beaurains_objects, role):
    client = logged_in_client(person_with_role(role, arras))
    membership = beaurains_objects["membership"]
    assert_commune_isolation(
        client,
        hidden_urls=["/api/v1/communes/62099/memberships"],
        lists=[
            ("/api/v1/audit", "secret.agent@beaurains.fr"),
            ("/api/v1/audit?commune=62099", "secret.agent@beaurains.fr"),
        ],
        writes=[
            ("DELETE", f"/api/v1/memberships/{membership.pk}", None),
            (
                "POST",
                "/api/v1/communes/62099/memberships",
                {"email": "intrus@arras.fr", "role": "agent"},
            ),
        ],
    )


def test_an_api_key_of_arras_cannot_reach_beaurains(arras, beaurains_objects):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    _key, secret = services.api_key_create(actor=admin, name="LNS", commune=arras, module="sensors")
    membership = beaurains_objects["membership"]
    client = logged_in_client(UserFactory())
    client.logout()
    assert_commune_isolation(
        client,
        headers={"X-API-Key": secret},
        hidden_urls=["/api/v1/communes/62099/memberships", "/api/v1/audit"],
        writes=[("DELETE", f"/api/v1/memberships/{membership.pk}", None)],
    )


def test_the_arras_administrator_sees_arras_and_only_arras(arras, beaurains_objects):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
    services.member_invite(
        actor=admin,
        email="agent@arras.fr",
        first_name="A",
        last_name="B",
        role=Role.AGENT,
        commune=arras,
    )
    client = logged_in_client(admin)
    page = client.get("/administration/membres/62041/").content.decode()
    assert "agent@arras.fr" in page and "beaurains" not in page.lower()
    log = client.get("/administration/journal/").content.decode()
    assert "agent@arras.fr" in log and "secret.agent@beaurains.fr" not in log
    api = client.get("/api/v1/audit").json()
    assert {item["commune_id"] for item in api["items"]} == {arras.pk}


def test_a_cua_administrator_sees_every_commune(arras, beaurains_objects):
    client = logged_in_client(person_with_role(Role.CUA_ADMIN))
    assert "secret.agent@beaurains.fr" in client.get("/administration/journal/").content.decode()
    assert client.get("/administration/membres/62099/").status_code == 200
    assert client.get("/api/v1/communes/62099/memberships").json()["count"] == 2
