"""Procedures API: the public catalogue with each form's fields; the agents' queue (filters,
sort, bounded pagination), one request with its history, status changes through the
workflow service (same rules, one audit entry, problem+json on refusal) and commune
isolation for API keys and sessions."""

import pytest
from django.core import mail

from territoire.core import services as core_services
from territoire.core.models import AuditEntry, Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.procedures.models import ProcedureStatus, Request, RequestEvent, RequestStatus
from territoire.procedures.testing import make_procedure, sent

pytestmark = pytest.mark.django_db


def key_for(commune, module="procedures") -> dict[str, str]:
    admin = person_with_role(Role.COMMUNE_ADMIN, commune)
    _key, secret = core_services.api_key_create(
        actor=admin, name="Logiciel métier", commune=commune, module=module
    )
    return {"X-API-Key": secret}


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


def test_public_catalogue_per_commune_with_fields(client, arras, beaurains):
    own = make_procedure(arras, title="Terrasse à Arras")
    cua = make_procedure(None, title="Collecte des encombrants")
    other = make_procedure(beaurains, title="Salle des fêtes de Beaurains")
    make_procedure(arras, title="Brouillon").__class__.objects.filter(title="Brouillon").update(
        status=ProcedureStatus.DRAFT
    )
    page = client.get("/api/v1/procedures/catalogue", {"commune": "62041"}).json()
    titles = {item["title"] for item in page["items"]}
    assert titles == {own.title, cua.title}
    item = next(i for i in page["items"] if i["title"] == own.title)
    assert item["commune"] == "62041" and item["form_version"] == 1
    fields = {f["name"]: f for f in item["pages"][0]["fields"]}
    assert fields["precision"]["condition"] == {"field": "objet", "value": "Échafaudage"}
    assert fields["objet"]["choices"] == ["Terrasse", "Échafaudage", "Benne"]
    assert [s["name"] for s in fields["vehicules"]["fields"]] == ["immatriculation", "tonnage"]
    cua_item = client.get(f"/api/v1/procedures/catalogue/{cua.pk}").json()
    assert cua_item["commune"] is None
    searched = client.get("/api/v1/procedures/catalogue", {"q": "salle fete"}).json()
    assert [i["title"] for i in searched["items"]] == [other.title]
    problem(client.get("/api/v1/procedures/catalogue", {"commune": "99999"}), 404)
    problem(client.get("/api/v1/procedures/catalogue/999999"), 404)


def test_queue_needs_a_key_of_the_procedures_module(client, arras, procedure):
    sent(procedure)
    problem(client.get("/api/v1/procedures/requests"), 401)
    problem(client.get("/api/v1/procedures/requests", headers=key_for(arras, "sensors")), 403)
    citizen = person_with_role(Role.CITIZEN, arras)
    problem(logged_in_client(citizen).get("/api/v1/procedures/requests"), 403)


def test_queue_filters_sort_and_bounded_pagination(client, arras, procedure):
    headers = key_for(arras)
    late = sent(procedure, days_ago=30, email="late@exemple.fr")
    fresh = sent(procedure, days_ago=1, email="fresh@exemple.fr")
    done = sent(procedure, status=RequestStatus.ACCEPTED)
    url = "/api/v1/procedures/requests"
    page = client.get(url, headers=headers).json()
    assert [i["tracking_number"] for i in page["items"]] == [
        fresh.tracking_number,
        late.tracking_number,
    ]
    assert page["items"][1]["overdue"] is True
    page = client.get(url, {"overdue": "true"}, headers=headers).json()
    assert [i["tracking_number"] for i in page["items"]] == [late.tracking_number]
    page = client.get(url, {"status": "all", "sort": "submitted_at"}, headers=headers).json()
    assert page["count"] == 3 and page["items"][0]["tracking_number"] == late.tracking_number
    page = client.get(url, {"status": "accepted"}, headers=headers).json()
    assert [i["tracking_number"] for i in page["items"]] == [done.tracking_number]
    page = client.get(url, {"q": "FRESH@exemple.fr"}, headers=headers).json()
    assert [i["tracking_number"] for i in page["items"]] == [fresh.tracking_number]
    page = client.get(url, {"limit": 1, "offset": 1}, headers=headers).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    body = problem(client.get(url, {"limit": 100000}, headers=headers), 422)
    assert body["errors"][0]["field"].endswith("limit")
    problem(client.get(url, {"status": "n'importe quoi"}, headers=headers), 422)
    problem(client.get(url, {"sort": "email"}, headers=headers), 422)
    # "mine" means nothing for a machine.
    problem(client.get(url, {"assigned": "me"}, headers=headers), 403)


def test_detail_with_history_and_transition_audited(
    client, arras, procedure, outbox, django_capture_on_commit_callbacks
):
    headers = key_for(arras)
    request = sent(procedure, data={"objet": "Terrasse"})
    url = f"/api/v1/procedures/requests/{request.tracking_number}"
    detail = client.get(url, headers=headers).json()
    assert detail["answers"] == {"objet": "Terrasse"}
    assert "in_review" in detail["allowed_statuses"] and detail["history"] == []
    with audit_entries_added(expected=1) as added, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url + "/transitions",
            {"status": "in_review", "message": "Nous étudions votre demande."},
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 200, response.content
    assert added[0].action == "procedures.request_transition"
    assert "Logiciel métier" in added[0].actor_label
    body = response.json()
    assert body["status"] == "in_review"
    assert body["history"][-1]["author"] == "Clé d'API « Logiciel métier »"
    assert body["history"][-1]["body"] == "Nous étudions votre demande."
    # The requester is told, as from the back-office.
    assert len(mail.outbox) == 1 and request.tracking_number in mail.outbox[0].subject


def test_invalid_transitions_are_problems_and_change_nothing(client, arras, procedure):
    headers = key_for(arras)
    request = sent(procedure, status=RequestStatus.CLOSED)
    url = f"/api/v1/procedures/requests/{request.tracking_number}/transitions"

    def post(data):
        with audit_entries_added(expected=0):
            return client.post(url, data, content_type="application/json", headers=headers)

    body = problem(post({"status": "accepted"}), 422)
    assert body["errors"][0]["field"] == "status" and "Classée" in body["errors"][0]["message"]
    other = sent(procedure)
    url = f"/api/v1/procedures/requests/{other.tracking_number}/transitions"
    body = problem(post({"status": "refused"}), 422)
    assert body["errors"][0]["field"] == "message"
    problem(post({"status": "perdu"}), 422)
    problem(post({"status": "accepted", "message": "a\x00b"}), 422)
    problem(client.post(url, "{pas du json", content_type="application/json", headers=headers), 400)
    assert Request.objects.get(pk=other.pk).status == RequestStatus.SUBMITTED
    assert not RequestEvent.objects.exists()


def test_commune_isolation_for_keys_and_sessions(client, arras, beaurains):
    mine = make_procedure(arras)
    theirs = make_procedure(beaurains, title="Salle des fêtes")
    cua_wide = make_procedure(None, title="Encombrants")
    sent(mine, email="voisin@arras.fr")
    hidden = sent(theirs, email="secret@beaurains.fr")
    hidden_cua = sent(cua_wide, email="secret@cua.fr")
    agent = person_with_role(Role.AGENT, arras, module="procedures")
    for who, headers in ((client, key_for(arras)), (logged_in_client(agent), {})):
        for target in (hidden, hidden_cua):
            assert_commune_isolation(
                who,
                headers=headers,
                hidden_urls=[f"/api/v1/procedures/requests/{target.tracking_number}"],
                lists=[
                    ("/api/v1/procedures/requests?status=all", target.email),
                    (f"/api/v1/procedures/requests?procedure={theirs.pk}", target.email),
                    (f"/api/v1/procedures/requests?q={target.email}", target.email),
                ],
                writes=[
                    (
                        "post",
                        f"/api/v1/procedures/requests/{target.tracking_number}/transitions",
                        {"status": "closed"},
                    )
                ],
            )
    assert Request.objects.get(pk=hidden.pk).status == RequestStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="procedures.request_transition").exists()


def test_session_agent_transition_needs_csrf(arras, procedure):
    from django.test import Client

    agent = person_with_role(Role.AGENT, arras, module="procedures")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    request = sent(procedure)
    response = client.post(
        f"/api/v1/procedures/requests/{request.tracking_number}/transitions",
        {"status": "in_review"},
        content_type="application/json",
    )
    problem(response, 403)
    assert Request.objects.get(pk=request.pk).status == RequestStatus.SUBMITTED
