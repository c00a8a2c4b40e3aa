"""Per-status e-mail texts, editable per procedure: defaults, placeholders replaced (and only
the known ones), preview without saving, one audit entry per save, unknown placeholders
refused with the typed text kept, and the texts used in the e-mails sent."""

import pytest

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.procedures import notices, workflow
from territoire.procedures.models import Procedure, Request, RequestStatus

pytestmark = pytest.mark.django_db


def url(procedure):
    return f"/demarches/catalogue/{procedure.pk}/courriels/"


def texts(**overrides):
    data = {status.value: "" for status in notices.NOTIFIED}
    data.update(overrides)
    return data


def test_defaults_shown_preview_does_not_save(procedure, agent):
    client = logged_in_client(agent)
    body = client.get(url(procedure)).content.decode()
    assert "est en cours d&#x27;instruction" in body and "{numero}" in body
    with audit_entries_added(expected=0):
        response = client.post(
            url(procedure),
            texts(accepted="Bonne nouvelle : {demarche} ({numero}) acceptée. {lien}", go="preview"),
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Bonne nouvelle : Occupation du domaine public (DM-7K4P-Q9XA) acceptée." in body
    assert "/demarches/demande/DM-7K4P-Q9XA/" in body
    assert Procedure.objects.get(pk=procedure.pk).email_texts == {}


def test_save_audited_unknown_placeholder_refused_and_text_kept(procedure, agent):
    client = logged_in_client(agent)
    with audit_entries_added(expected=0):
        response = client.post(
            url(procedure), texts(refused="Refus de {numero} {prenom.__class__}", go="save")
        )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Repère inconnu : {prenom.__class__}" in body and "Refus de {numero}" in body
    with audit_entries_added(expected=1) as added:
        response = client.post(
            url(procedure),
            texts(
                refused="Refus de {numero}.",
                closed=notices.DEFAULT_TEXTS[RequestStatus.CLOSED],
                go="save",
            ),
        )
    assert response.status_code == 302
    assert added[0].action == "procedures.email_texts"
    assert added[0].changes["statuses"] == ["refused"]
    # Only the texts that differ from the defaults are stored.
    assert Procedure.objects.get(pk=procedure.pk).email_texts == {"refused": "Refus de {numero}."}


@pytest.mark.django_db(transaction=True)
def test_emails_use_the_procedure_text(procedure, agent, citizen, outbox):
    procedure.email_texts = {"in_review": "Le service Voirie étudie {numero} ({statut}). {lien}"}
    procedure.save()
    req = Request.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        commune=procedure.commune,
        tracking_number=workflow.new_tracking_number(),
        user=citizen,
        email=citizen.email,
        status=RequestStatus.SUBMITTED,
    )
    workflow.request_transition(actor=agent, request=req, to_status=RequestStatus.IN_REVIEW)
    body = outbox[-1].body
    link = f"/demarches/demande/{req.tracking_number}/"
    assert f"Le service Voirie étudie {req.tracking_number} (En cours d'instruction)." in body
    assert link in body
    workflow.request_transition(
        actor=agent, request=req, to_status=RequestStatus.ACCEPTED, message="Voir l'arrêté."
    )
    assert f"(numéro de suivi {req.tracking_number}) est acceptée." in outbox[-1].body
    assert "Voir l'arrêté." in outbox[-1].body


def test_other_communes_agents_cannot_edit(procedure, beaurains):
    other = person_with_role(Role.AGENT, beaurains, module="procedures")
    assert_commune_isolation(
        logged_in_client(other),
        hidden_urls=[url(procedure)],
        writes=[("post", url(procedure), texts(accepted="Piraté", go="save"))],
    )
    assert Procedure.objects.get(pk=procedure.pk).email_texts == {}
    citizen = person_with_role(Role.CITIZEN, procedure.commune)
    assert logged_in_client(citizen).get(url(procedure)).status_code in (403, 404)


def test_render_text_only_replaces_known_names():
    values = {"numero": "DM-1", "demarche": "X", "statut": "Y", "lien": "L", "delai": "3"}
    assert notices.render_text("{numero} {inconnu} {lien}", values) == "DM-1 {inconnu} L"
