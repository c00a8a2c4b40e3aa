"""Rights API: a simulation (nothing stored, problem+json on bad input) and the advisers'
list of detections, scoped to their communes."""

import json

from django.urls import reverse

from territoire.core.models import Role
from territoire.core.testing import assert_commune_isolation, logged_in_client, person_with_role
from territoire.rights.models import (
    Detection,
    LocalAid,
    PooledHousehold,
    PooledImport,
    SavedSimulation,
)


def post(client, body):
    return client.post(
        "/api/v1/rights/simulate", data=json.dumps(body), content_type="application/json"
    )


BODY = {
    "adults": [{"birth_date": "1990-05-01", "activity": "actif", "resources": {"salary": [0]}}],
    "commune": "62041",
    "housing": "locataire_vide",
    "rent": 500,
}


def test_simulate_returns_benefits_with_why_and_stores_nothing(arras):
    client = logged_in_client(person_with_role(Role.CITIZEN))
    response = post(client, BODY)
    assert response.status_code == 200, response.content
    data = response.json()
    codes = {b["code"] for b in data["benefits"]}
    assert "rsa" in codes and data["caution"].startswith("Ces montants")
    rsa = next(b for b in data["benefits"] if b["code"] == "rsa")
    assert rsa["monthly_amount"] > 0 and "1 adulte" in rsa["why"]
    assert not SavedSimulation.objects.exists()


def test_simulate_bad_input_is_problem_json(arras):
    client = logged_in_client(person_with_role(Role.CITIZEN))
    for body in (
        {**BODY, "commune": "75056"},
        {**BODY, "housing": "chateau"},
        {**BODY, "adults": []},
        {**BODY, "current_benefits": {"inconnue": 3}},
        {**BODY, "adults": [{"birth_date": "0001-01-01"}]},
    ):
        response = post(client, body)
        assert response.status_code in (400, 422), (body, response.status_code)
        assert response["Content-Type"].startswith("application/problem+json")


def test_benefits_catalogue_and_auth(client, db):
    assert client.get("/api/v1/rights/benefits").status_code == 401
    citizen = logged_in_client(person_with_role(Role.CITIZEN))
    codes = {b["code"] for b in citizen.get("/api/v1/rights/benefits").json()}
    assert {"rsa", "ppa", "aide_logement", "css", "cheque_energie"} <= codes


def test_detections_are_scoped(arras, beaurains):
    record = PooledImport.objects.create(partner="caf", legal_basis="x", period="2026-10")
    from django.utils import timezone

    expires = timezone.now() + timezone.timedelta(days=1)
    for commune, name in ((arras, "a" * 64), (beaurains, "b" * 64)):
        household = PooledHousehold.objects.create(
            pooled_import=record, commune=commune, pseudonym=name, situation={},
            expires_at=expires,
        )  # fmt: skip
        Detection.objects.create(
            household=household, commune=commune, benefit="rsa", monthly_amount=500
        )
    client = logged_in_client(person_with_role(Role.AGENT, arras, module="rights"))
    items = client.get("/api/v1/rights/detections").json()["items"]
    assert [item["commune"] for item in items] == ["62041"]
    assert_commune_isolation(client, lists=[("/api/v1/rights/detections", "bbbbbbbbbb")])
    citizen = logged_in_client(person_with_role(Role.CITIZEN))
    assert citizen.get("/api/v1/rights/detections").status_code == 403
    assert LocalAid.objects.count() == 0 and reverse("rights:home")


def test_module_is_declared_in_the_registers():
    """The simulator and the proactive detection are in the GDPR register (platform
    processing) and in the algorithm register (the platform's reference entries)."""
    from territoire.core.processing import processing_activities
    from territoire.governance.reference import PLATFORM_ALGORITHMS

    keys = {activity.source_key for activity in processing_activities()}
    assert {"rights.simulations", "rights.detection"} <= keys
    slugs = {entry["slug"] for entry in PLATFORM_ALGORITHMS}
    assert {"simulateur-droits-sociaux", "reperage-droits-non-reclames"} <= slugs
    detection = next(a for a in processing_activities() if a.source_key == "rights.detection")
    assert detection.legal_basis == "public_task" and "180 jours" in detection.retention["identity"]
