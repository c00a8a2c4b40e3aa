"""The governance API: the public register without authentication, projects scoped like
the pages, problem+json errors."""

from __future__ import annotations

import pytest
from django.test import Client

from territoire.core.testing import logged_in_client
from territoire.governance.opendata import ALGORITHM_FIELDS

pytestmark = pytest.mark.django_db


def test_public_register_needs_no_authentication(charter):
    response = Client().get("/api/v1/governance/algorithms?q=fuite")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["identifiant"] for item in items] == ["detection-fuites-eau"]
    assert set(items[0]) == {field["name"] for field in ALGORITHM_FIELDS}


def test_projects_scoped_and_screened(charter, make_project, beaurains_agent, beaurains, agent):
    mine = make_project(
        title="Projet Arras",
        is_ai=True,
        ai_kind="x",
        frugality_test="y",
        ai_uses=["public_benefits"],
    )
    other = make_project(actor=beaurains_agent, commune=beaurains, title="Projet Beaurains")
    client = logged_in_client(agent)
    titles = [p["title"] for p in client.get("/api/v1/governance/projects").json()["items"]]
    assert titles == ["Projet Arras"]
    detail = client.get(f"/api/v1/governance/projects/{mine.pk}").json()
    assert detail["ai_act"]["code"] == "high"
    assert any("art. 27" in d["reference"] for d in detail["ai_act"]["duties"])
    response = client.get(f"/api/v1/governance/projects/{other.pk}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_projects_need_authentication(charter):
    response = Client().get("/api/v1/governance/projects")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
