"""CUA-wide procedures processed by the requester's commune: the request goes, at each
sending, to the commune answered in the form's "commune" field, and only that commune's
agents (and the CUA's) see it; a procedure set so cannot go online without such a field."""

import pytest
from django.core.exceptions import ValidationError

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.procedures import services, workflow
from territoire.procedures.models import Procedure, ProcedureStatus, Request, RequestStatus, Routing
from territoire.procedures.testing import make_procedure

pytestmark = pytest.mark.django_db

SCHEMA = {
    "pages": [
        {
            "title": "Votre demande",
            "fields": [
                {"name": "commune", "label": "Votre commune", "type": "commune", "required": True},
                {"name": "objet", "label": "Objet", "type": "text", "required": True},
            ],
        }
    ]
}


@pytest.fixture
def routed(communes):
    procedure = make_procedure(None, title="Composteur individuel", schema=SCHEMA)
    procedure.routing = Routing.COMMUNE
    procedure.save()
    return procedure


def file_request(client, procedure, commune_code: str) -> Request:
    response = client.post(f"/demarches/{procedure.pk}/commencer/")
    number = response["Location"].split("/demande/")[1].split("/")[0]
    base = f"/demarches/demande/{number}"
    page = client.get(f"{base}/page-1/").content.decode()
    assert "Beaurains</option>" in page
    response = client.post(
        f"{base}/page-1/", {"commune": commune_code, "objet": "Un composteur", "go": "next"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert client.post(f"{base}/envoyer/").status_code == 302
    return Request.objects.get(tracking_number=number)


def test_request_routed_to_the_commune_chosen_and_isolated(routed, arras, beaurains, citizen):
    me = logged_in_client(citizen)
    with audit_entries_added() as added:
        req = file_request(me, routed, beaurains.insee_code)
    assert req.status == RequestStatus.SUBMITTED and req.commune == beaurains
    submit = next(e for e in added if e.action == "procedures.request_submit")
    assert submit.commune_id == beaurains.pk
    assert "Beaurains" in me.get(f"/demarches/demande/{req.tracking_number}/").content.decode()
    theirs = logged_in_client(
        person_with_role(Role.AGENT, beaurains, module="procedures", email="a@beaurains.fr")
    )
    assert req.tracking_number in theirs.get("/demarches/guichet/").content.decode()
    assert theirs.get(f"/demarches/guichet/{req.tracking_number}/").status_code == 200
    cua_agent = logged_in_client(
        person_with_role(Role.AGENT, None, module="procedures", email="agent@cua.fr")
    )
    assert req.tracking_number in cua_agent.get("/demarches/guichet/").content.decode()
    arras_agent = logged_in_client(
        person_with_role(Role.AGENT, arras, module="procedures", email="a@arras.fr")
    )
    assert_commune_isolation(
        arras_agent,
        hidden_urls=[f"/demarches/guichet/{req.tracking_number}/"],
        lists=[("/demarches/guichet/?status=all", req.tracking_number)],
        writes=[
            ("post", f"/demarches/guichet/{req.tracking_number}/", {"action": "assign_me"}),
        ],
    )
    from territoire.core import services as core_services

    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    _key, secret = core_services.api_key_create(
        actor=admin, name="Arras", commune=arras, module="procedures"
    )
    assert_commune_isolation(
        logged_in_client(admin),
        headers={"X-API-Key": secret},
        hidden_urls=[f"/api/v1/procedures/requests/{req.tracking_number}"],
        lists=[("/api/v1/procedures/requests?status=all", req.tracking_number)],
    )
    _key, secret = core_services.api_key_create(
        actor=person_with_role(Role.COMMUNE_ADMIN, beaurains),
        name="Beaurains",
        commune=beaurains,
        module="procedures",
    )
    api = theirs.get(
        f"/api/v1/procedures/requests/{req.tracking_number}", headers={"X-API-Key": secret}
    )
    assert api.status_code == 200 and api.json()["commune"] == beaurains.insee_code
    # The bulk page answers with a message, and changes nothing.
    with audit_entries_added(expected=0):
        arras_agent.post(
            "/demarches/guichet/lot/", {"ids": [req.tracking_number], "action": "close"}
        )
    assert Request.objects.get(pk=req.pk).status == RequestStatus.SUBMITTED


def test_corrected_request_rerouted_and_missing_commune_refused(routed, arras, beaurains, citizen):
    me = logged_in_client(citizen)
    req = file_request(me, routed, beaurains.insee_code)
    agent = person_with_role(Role.AGENT, beaurains, module="procedures")
    workflow.request_transition(
        actor=agent, request=req, to_status=RequestStatus.CORRECTION, message="Pas chez nous."
    )
    req.data["commune"] = arras.insee_code
    req.save()
    workflow.request_submit(actor=citizen, request=req)
    assert Request.objects.get(pk=req.pk).commune == arras
    req.status = RequestStatus.CORRECTION
    req.data["commune"] = ""
    req.save()
    with pytest.raises(ValidationError, match="Commune de la CUA|commune"):
        # The field is required: missing answers are caught first.
        workflow.request_submit(actor=citizen, request=req)


def test_routing_needs_a_commune_field_and_a_cua_wide_procedure(arras, communes):
    admin = person_with_role(Role.CUA_ADMIN, None)
    procedure = make_procedure(None, title="Sans champ commune")
    procedure.status = ProcedureStatus.DRAFT
    procedure.routing = Routing.COMMUNE
    procedure.save()
    with pytest.raises(ValidationError, match="Commune de la CUA"):
        services.procedure_set_status(
            actor=admin, procedure=procedure, status=ProcedureStatus.PUBLISHED
        )
    with pytest.raises(ValidationError, match="toute la CUA"):
        services.procedure_create(
            actor=admin,
            data=services.ProcedureData(title="X", commune=arras, routing=Routing.COMMUNE),
        )
    client = logged_in_client(admin)
    response = client.post(
        f"/demarches/catalogue/{procedure.pk}/informations/",
        {"title": "Sans champ commune", "delay_days": "15", "routing": "nimporte"},
    )
    assert (
        response.status_code == 400 and "Sélectionnez un choix valide" in response.content.decode()
    )


def test_cua_routed_procedure_keeps_requests_at_the_cua(communes, citizen):
    procedure = make_procedure(None, title="Encombrants", schema=SCHEMA)
    req = file_request(logged_in_client(citizen), procedure, "62041")
    assert req.commune is None


def test_builder_adds_a_commune_field_then_routed_procedure_goes_online(communes):
    admin = person_with_role(Role.CUA_ADMIN, None)
    procedure = make_procedure(
        None,
        title="Composteur",
        schema={
            "pages": [
                {"title": "P", "fields": [{"name": "objet", "label": "Objet", "type": "text"}]}
            ]
        },
    )
    procedure.status = ProcedureStatus.DRAFT
    procedure.routing = Routing.COMMUNE
    procedure.save()
    client = logged_in_client(admin)
    builder = f"/demarches/catalogue/{procedure.pk}/"
    response = client.post(builder, {"action": "status", "status": "published"})
    assert "ajoutez au formulaire un champ « Commune de la CUA »" in response.content.decode()
    assert Procedure.objects.get(pk=procedure.pk).status == ProcedureStatus.DRAFT
    response = client.post(
        builder,
        {
            "action": "add_field",
            "label": "Votre commune",
            "name": "commune",
            "type": "commune",
            "required": "on",
            "page": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    client.post(builder, {"action": "status", "status": "published"})
    assert Procedure.objects.get(pk=procedure.pk).status == ProcedureStatus.PUBLISHED
