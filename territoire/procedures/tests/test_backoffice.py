"""Agents' side: queue filters and sorting, overdue flags, bulk actions, CSV export,
statistics (median processing time), the form builder and its versions (frozen once used),
one audit entry per write, and commune isolation of every list and file."""

from datetime import timedelta

import pytest

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.procedures import schema as schemas
from territoire.procedures import selectors, services, workflow
from territoire.procedures.models import Request, RequestStatus
from territoire.procedures.testing import make_procedure, sent

pytestmark = pytest.mark.django_db


def test_queue_filters_sort_and_overdue(procedure, agent):
    late = sent(procedure, days_ago=30, email="late@exemple.fr")
    fresh = sent(procedure, days_ago=1, email="fresh@exemple.fr")
    done = sent(procedure, status=RequestStatus.ACCEPTED, email="done@exemple.fr")
    assert late.is_overdue and not fresh.is_overdue
    client = logged_in_client(agent)
    body = client.get("/demarches/guichet/").content.decode()
    assert late.tracking_number in body and done.tracking_number not in body
    assert "en retard" in body
    body = client.get("/demarches/guichet/?overdue=on").content.decode()
    assert late.tracking_number in body and fresh.tracking_number not in body
    body = client.get("/demarches/guichet/?status=all&sort=submitted_at").content.decode()
    assert body.index(late.tracking_number) < body.index(fresh.tracking_number)
    body = client.get("/demarches/guichet/?q=fresh@exemple.fr").content.decode()
    assert fresh.tracking_number in body and late.tracking_number not in body
    response = client.get("/demarches/guichet/?status=nimportequoi&sort=x")
    assert (
        response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    )


def test_bulk_assign_and_close_one_audit_entry_each(procedure, agent):
    first, second = sent(procedure), sent(procedure)
    client = logged_in_client(agent)
    client.get("/")
    with audit_entries_added(expected=2):
        client.post(
            "/demarches/guichet/lot/",
            {"ids": [first.tracking_number, second.tracking_number], "action": "assign_me"},
        )
    assert set(Request.objects.values_list("assigned_to", flat=True)) == {agent.pk}
    with audit_entries_added(expected=2):
        client.post(
            "/demarches/guichet/lot/",
            {"ids": [first.tracking_number, second.tracking_number], "action": "close"},
        )
    assert set(Request.objects.values_list("status", flat=True)) == {RequestStatus.CLOSED}
    mine = client.get("/demarches/guichet/?assigned=me&status=all").content.decode()
    assert first.tracking_number in mine


def test_bulk_is_all_or_nothing(procedure, agent):
    ok = sent(procedure)
    closed = sent(procedure, status=RequestStatus.CLOSED)
    client = logged_in_client(agent)
    with audit_entries_added(expected=0):
        client.post(
            "/demarches/guichet/lot/",
            {"ids": [ok.tracking_number, closed.tracking_number], "action": "in_review"},
        )
    ok.refresh_from_db()
    assert ok.status == RequestStatus.SUBMITTED


def test_csv_export_of_filtered_queue(procedure, agent):
    sent(procedure, email="=cmd@exemple.fr")
    response = logged_in_client(agent).get("/demarches/guichet/demandes.csv")
    text = b"".join(response.streaming_content).decode()
    assert "numéro;démarche" in text and "'=cmd@exemple.fr" in text


def test_statistics_median_processing_time(procedure, agent):
    for days in (2, 4, 10):
        r = sent(procedure, days_ago=20, status=RequestStatus.ACCEPTED)
        r.decided_at = r.submitted_at + timedelta(days=days)
        r.save()
    sent(procedure)
    row = next(s for s in selectors.statistics(agent) if s.procedure == procedure)
    assert (row.total, row.open, row.accepted, row.median_days) == (4, 1, 3, 4.0)
    body = logged_in_client(agent).get("/demarches/guichet/statistiques/").content.decode()
    assert "4.0" in body or "4,0" in body


def test_transition_rules(procedure, agent):
    req = sent(procedure, status=RequestStatus.ACCEPTED)
    with pytest.raises(Exception, match="ne peut pas passer"):
        workflow.request_transition(
            actor=agent, request=req, to_status=RequestStatus.REFUSED, message="non"
        )
    with pytest.raises(Exception, match="Expliquez"):
        workflow.request_transition(
            actor=agent, request=sent(procedure), to_status=RequestStatus.REFUSED
        )


def test_internal_note_and_due_date(procedure, agent):
    req = sent(procedure)
    client = logged_in_client(agent)
    url = f"/demarches/guichet/{req.tracking_number}/"
    with audit_entries_added(expected=1):
        client.post(url, {"action": "note", "body": "À voir avec la police municipale"})
    with audit_entries_added(expected=1):
        client.post(url, {"action": "due", "due": "2020-01-01"})
    req.refresh_from_db()
    assert req.is_overdue
    assert "police municipale" in client.get(url).content.decode()
    response = client.post(url, {"action": "due", "due": "pas une date"})
    assert response.status_code == 400 and 'value="pas une date"' in response.content.decode()


def test_builder_adds_fields_and_freezes_used_version(procedure, agent):
    client = logged_in_client(agent)
    url = f"/demarches/catalogue/{procedure.pk}/"
    req = sent(procedure)
    with audit_entries_added(expected=1):
        response = client.post(
            url,
            {
                "action": "add_field",
                "label": "Nombre de tables",
                "name": "tables",
                "type": "number",
                "page": "0",
                "required": "on",
                "min": "1",
                "max": "50",
            },
        )
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.current_version.number == 2
    assert "tables" in schemas.field_names(procedure.current_version.schema)
    req.refresh_from_db()
    assert req.version.number == 1
    assert "tables" not in schemas.field_names(req.version.schema)
    client.post(url, {"action": "add_page", "title": "Annexes"})
    assert procedure.versions.count() == 2  # version 2 is not used yet: edited in place
    page = client.get(f"/demarches/guichet/{req.tracking_number}/").content.decode()
    assert "version 1" in page


def test_builder_errors_keep_typed_values(procedure, agent):
    response = logged_in_client(agent).post(
        f"/demarches/catalogue/{procedure.pk}/",
        {
            "action": "add_field",
            "label": "Couleur",
            "name": "objet",
            "type": "choice",
            "choices": "Rouge",
            "page": "0",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Couleur"' in body and "déjà cet identifiant" in body


def test_builder_condition_and_group_operations():
    schema = schemas.empty_schema()
    services.apply_operation(
        schema,
        "add_field",
        {"page": 0, "field": {"name": "enfants", "label": "Enfants", "type": "group"}},
    )
    services.apply_operation(
        schema,
        "add_field",
        {
            "page": 0,
            "group": "enfants",
            "field": {"name": "prenom", "label": "Prénom", "type": "text", "required": True},
        },
    )
    services.apply_operation(
        schema,
        "add_field",
        {"page": 0, "field": {"name": "cantine", "label": "Cantine ?", "type": "checkbox"}},
    )
    services.apply_operation(
        schema,
        "add_field",
        {
            "page": 0,
            "field": {
                "name": "regime",
                "label": "Régime",
                "type": "text",
                "condition": {"field": "cantine", "value": "oui"},
            },
        },
    )
    with pytest.raises(Exception, match="dépend"):
        services.apply_operation(schema, "remove_field", {"name": "cantine"})
    with pytest.raises(Exception, match="placé avant"):
        services.apply_operation(
            schema,
            "add_field",
            {
                "page": 0,
                "field": {
                    "name": "x",
                    "label": "X",
                    "type": "text",
                    "condition": {"field": "nul", "value": "1"},
                },
            },
        )
    services.apply_operation(schema, "move_field", {"name": "cantine", "direction": "up"})
    assert [f["name"] for f in schema["pages"][0]["fields"]] == ["cantine", "enfants", "regime"]
    assert schemas.condition_met(schema["pages"][0]["fields"][2], {"cantine": True})
    assert not schemas.condition_met(schema["pages"][0]["fields"][2], {"cantine": False})


def test_publish_needs_a_field(arras, agent):
    procedure = services.procedure_create(
        actor=agent, data=services.ProcedureData(title="Prêt de salle", commune=arras)
    )
    with pytest.raises(Exception, match="au moins un champ"):
        services.procedure_set_status(actor=agent, procedure=procedure, status="published")


def test_commune_agent_cannot_create_cua_procedure(agent):
    with pytest.raises(Exception, match="CUA"), audit_entries_added(expected=0):
        services.procedure_create(actor=agent, data=services.ProcedureData(title="X"))


def test_citizen_has_no_back_office(citizen, procedure):
    client = logged_in_client(citizen)
    for url in (
        "/demarches/guichet/",
        "/demarches/catalogue/",
        "/demarches/guichet/statistiques/",
        f"/demarches/catalogue/{procedure.pk}/",
    ):
        assert client.get(url).status_code in (403, 404), url


def test_commune_isolation(procedure, agent, beaurains):
    other = make_procedure(beaurains, title="Démarche de Beaurains", service="Voirie")
    hidden = sent(other, email="beaurains@exemple.fr")
    cua = make_procedure(None, title="Démarche CUA")
    hidden_cua = sent(cua, email="cua@exemple.fr")
    client = logged_in_client(agent)
    assert_commune_isolation(
        client,
        hidden_urls=[
            f"/demarches/guichet/{hidden.tracking_number}/",
            f"/demarches/guichet/{hidden_cua.tracking_number}/",
            f"/demarches/catalogue/{other.pk}/",
            f"/demarches/catalogue/{other.pk}/informations/",
            f"/demarches/demande/{hidden.tracking_number}/",
        ],
        lists=[
            ("/demarches/guichet/?status=all", hidden.tracking_number),
            ("/demarches/guichet/?status=all", hidden_cua.tracking_number),
            ("/demarches/guichet/demandes.csv", "beaurains@exemple.fr"),
            ("/demarches/catalogue/", "Démarche de Beaurains"),
            ("/demarches/guichet/statistiques/", "Démarche de Beaurains"),
        ],
        writes=[
            (
                "post",
                f"/demarches/guichet/{hidden.tracking_number}/",
                {"action": "note", "body": "x"},
            ),
            ("post", f"/demarches/catalogue/{other.pk}/", {"action": "add_page", "title": "x"}),
        ],
    )
    with audit_entries_added(expected=0):
        client.post("/demarches/guichet/lot/", {"ids": [hidden.tracking_number], "action": "close"})
    hidden.refresh_from_db()
    assert hidden.status == RequestStatus.SUBMITTED


def test_builder_tampered_posts_are_refused_without_error(procedure, agent):
    client = logged_in_client(agent)
    url = f"/demarches/catalogue/{procedure.pk}/"
    for data in (
        {"action": "remove_page", "page": "abc"},
        {"action": "remove_field", "name": "nul"},
        {"action": "zzz"},
        {"action": "status", "status": "zzz"},
        {"action": "move_field", "name": "objet", "direction": "up"},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, data


def test_assign_to_a_colleague_of_the_commune_only(procedure, agent, beaurains):
    req = sent(procedure)
    colleague = person_with_role(
        Role.AGENT, procedure.commune, module="procedures", email="collegue@arras.fr"
    )
    outsider = person_with_role(Role.AGENT, beaurains, module="procedures")
    client = logged_in_client(agent)
    url = f"/demarches/guichet/{req.tracking_number}/"
    assert colleague.display_name in client.get(url).content.decode()
    client.post(url, {"action": "assign", "assignee": colleague.pk})
    req.refresh_from_db()
    assert req.assigned_to == colleague
    response = client.post(url, {"action": "assign", "assignee": outsider.pk})
    assert response.status_code == 400
    req.refresh_from_db()
    assert req.assigned_to == colleague


def test_elected_official_reads_statistics_not_requests(procedure, arras):
    elected = person_with_role(Role.ELECTED, arras)
    req = sent(procedure)
    client = logged_in_client(elected)
    assert "statistiques" in client.get("/demarches/mes-demandes/").content.decode()
    assert client.get("/demarches/guichet/statistiques/").status_code == 200
    assert client.get("/demarches/guichet/").status_code == 403
    assert client.get(f"/demarches/guichet/{req.tracking_number}/").status_code == 403
