"""A request's life through the pages, for the requester and the agent: draft saved page by
page and resumed, errors that keep what was typed, submission, status changes with messages
and e-mails, anonymous requests tracked by number and e-mail, attachments checked and served
only to who may see them, and nobody reaching another's request."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from territoire.core.models import Role
from territoire.core.testing import audit_entries_added, logged_in_client, person_with_role
from territoire.procedures.models import Attachment, Request, RequestStatus
from territoire.procedures.testing import PDF, PNG, make_procedure

pytestmark = pytest.mark.django_db

PAGE1 = {
    "objet": "Terrasse",
    "debut": "2026-06-01",
    "adresse": "1 place des Héros, Arras",
    "vehicules__0__immatriculation": "AB-123-CD",
    "vehicules__0__tonnage": "3.5",
    "rows_vehicules": "1",
    "go": "next",
}


def start(client, procedure, **data) -> Request:
    response = client.post(f"/demarches/{procedure.pk}/commencer/", data)
    assert response.status_code == 302, response.content[:500]
    number = re.search(r"DM-[A-Z0-9]{4}-[A-Z0-9]{4}", response["Location"]).group(0)
    return Request.objects.get(tracking_number=number)


def fill(client, req, plan=None):
    base = f"/demarches/demande/{req.tracking_number}"
    assert client.post(f"{base}/page-1/", PAGE1).status_code == 302
    page2 = {
        "telephone": "03 21 00 00 00",
        "accord": "on",
        "go": "next",
        "plan": plan or SimpleUploadedFile("plan.png", PNG, content_type="image/png"),
    }
    response = client.post(f"{base}/page-2/", page2)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return base


@pytest.mark.django_db(transaction=True)
def test_full_life_citizen_and_agent(procedure, citizen, agent, outbox):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    assert req.status == RequestStatus.DRAFT and req.email == citizen.email
    base = fill(me, req)
    req.refresh_from_db()
    assert req.data["objet"] == "Terrasse"
    assert req.data["vehicules"] == [{"immatriculation": "AB-123-CD", "tonnage": "3.5"}]
    assert "1 place des Héros" in me.get(f"{base}/verifier/").content.decode()
    with audit_entries_added(expected=1):
        assert me.post(f"{base}/envoyer/").status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED and req.due_at is not None
    assert outbox[-1].to == [citizen.email] and req.tracking_number in outbox[-1].subject

    desk = logged_in_client(agent)
    queue = desk.get("/demarches/guichet/").content.decode()
    assert req.tracking_number in queue
    file_url = f"/demarches/guichet/{req.tracking_number}/"
    response = desk.post(file_url, {"action": "transition", "status": "correction", "message": ""})
    assert response.status_code == 400 and "Expliquez" in response.content.decode()
    desk.post(
        file_url,
        {
            "action": "transition",
            "status": "correction",
            "message": "Joignez un plan plus lisible.",
        },
    )
    desk.post(file_url, {"action": "note", "body": "Voisin déjà venu se plaindre"})
    req.refresh_from_db()
    assert req.status == RequestStatus.CORRECTION
    assert "Joignez un plan plus lisible." in outbox[-1].body
    assert f"/demarches/demande/{req.tracking_number}/" in outbox[-1].body

    page = me.get(base + "/").content.decode()
    assert "Joignez un plan plus lisible." in page and "Voisin" not in page
    fill(me, req, plan=SimpleUploadedFile("plan2.pdf", PDF))
    assert req.attachments.count() == 1
    me.post(f"{base}/envoyer/")
    me.post(f"{base}/message/", {"body": "Voici le nouveau plan."})
    desk.post(file_url, {"action": "transition", "status": "in_review", "message": ""})
    desk.post(file_url, {"action": "transition", "status": "accepted", "message": "Accordé."})
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED and req.decided_at is not None
    history = [(e.kind, e.to_status) for e in req.events.all()]
    assert ("status", "accepted") in history and ("note", "") in history
    assert req.tracking_number in me.get("/demarches/mes-demandes/").content.decode()


def test_draft_is_resumed_with_its_answers(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    me.post(f"/demarches/demande/{req.tracking_number}/page-1/", {**PAGE1, "go": "save"})
    again = logged_in_client(citizen).get(f"/demarches/demande/{req.tracking_number}/page-1/")
    body = again.content.decode()
    assert "1 place des Héros, Arras" in body and 'value="AB-123-CD"' in body


def test_errors_keep_every_typed_value(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    typed = {
        **PAGE1,
        "objet": "Échafaudage",
        "precision": "99",
        "debut": "pas une date",
        "adresse": "3 rue Gambetta",
        "vehicules__0__tonnage": "abc",
        "vehicules__0__immatriculation": "ZZ-999-ZZ",
    }
    response = me.post(f"/demarches/demande/{req.tracking_number}/page-1/", typed)
    assert response.status_code == 400
    body = response.content.decode()
    for value in ("99", "pas une date", "3 rue Gambetta", "abc", "ZZ-999-ZZ"):
        assert value in body, value
    assert "Le formulaire contient" in body
    req.refresh_from_db()
    assert req.data == {}


def test_draft_saved_with_required_answers_missing(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    url = f"/demarches/demande/{req.tracking_number}/page-1/"
    assert "(obligatoire)" in me.get(url).content.decode()
    response = me.post(url, {"adresse": "2 rue Ronville", "go": "save", "rows_vehicules": "1"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.data["adresse"] == "2 rue Ronville" and req.status == RequestStatus.DRAFT
    assert me.post(url, {"adresse": "2 rue Ronville", "go": "next"}).status_code == 400


def test_condition_waives_hidden_required_field(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    response = me.post(
        f"/demarches/demande/{req.tracking_number}/page-1/", {**PAGE1, "objet": "Échafaudage"}
    )
    assert response.status_code == 400 and "Hauteur" in response.content.decode()
    response = me.post(f"/demarches/demande/{req.tracking_number}/page-1/", PAGE1)
    assert response.status_code == 302


def test_answer_of_unmet_condition_not_kept_and_field_marked_for_script(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    url = f"/demarches/demande/{req.tracking_number}/page-1/"
    body = me.get(url).content.decode()
    # Visible without the script, with its condition in the help text and for the script.
    assert 'data-show-if="objet"' in body and 'data-show-if-value="Échafaudage"' in body
    assert "À remplir seulement si « Objet de l&#x27;occupation » vaut" in body
    assert "js/procedures-conditions.js" in body and 'aria-live="polite"' in body
    # Typed, then the person chose another object: the height is not kept.
    assert me.post(url, {**PAGE1, "precision": "12"}).status_code == 302
    req.refresh_from_db()
    assert req.data["objet"] == "Terrasse" and req.data["precision"] is None
    assert me.post(url, {**PAGE1, "objet": "Échafaudage", "precision": "12"}).status_code == 302
    req.refresh_from_db()
    assert req.data["precision"] == "12"


def test_add_row_in_repeatable_group_keeps_values(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    response = me.post(
        f"/demarches/demande/{req.tracking_number}/page-1/", {**PAGE1, "add_row": "vehicules"}
    )
    body = response.content.decode()
    assert "vehicules__1__immatriculation" in body and 'value="AB-123-CD"' in body


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00" + b"0" * 50, "pas accepté"),
        ("faux.pdf", b"<html>not a pdf</html>", "pas accepté"),
        ("gros.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10), "dépasse 1 Mo"),
    ],
)
def test_forbidden_or_oversized_file_refused(procedure, citizen, settings, name, content, message):
    settings.PROCEDURES_MAX_UPLOAD_MB = 1
    me = logged_in_client(citizen)
    req = start(me, procedure)
    base = f"/demarches/demande/{req.tracking_number}"
    me.post(f"{base}/page-1/", PAGE1)
    response = me.post(
        f"{base}/page-2/",
        {"telephone": "0321000000", "accord": "on", "plan": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="0321000000"' in response.content.decode()
    assert not Attachment.objects.exists()


def test_attachment_stored_outside_static_and_served_to_owner_and_agent(
    procedure, citizen, agent, upload_dir, settings
):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    fill(me, req)
    attachment = req.attachments.get()
    assert str(upload_dir) in attachment.file.path
    assert str(settings.STATIC_ROOT) not in attachment.file.path
    url = f"/demarches/demande/{req.tracking_number}/pieces/{attachment.pk}/"
    response = me.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")
    me.post(f"/demarches/demande/{req.tracking_number}/envoyer/")
    assert logged_in_client(agent).get(url).status_code == 200
    stranger = person_with_role(Role.CITIZEN, None, email="autre@exemple.fr")
    assert logged_in_client(stranger).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    other_agent = person_with_role(Role.AGENT, procedure.commune, module="sensors")
    assert logged_in_client(other_agent).get(url).status_code == 404


def test_nobody_reaches_another_request_even_guessing(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    fill(me, req)
    stranger = logged_in_client(person_with_role(Role.CITIZEN, None, email="x@exemple.fr"))
    base = f"/demarches/demande/{req.tracking_number}"
    for url in (f"{base}/", f"{base}/page-1/", f"{base}/verifier/"):
        assert stranger.get(url).status_code == 404
        assert Client().get(url).status_code == 404
    with audit_entries_added(expected=0):
        assert stranger.post(f"{base}/envoyer/").status_code == 404
        assert stranger.post(f"{base}/message/", {"body": "x"}).status_code == 404
        assert stranger.post(f"{base}/page-1/", PAGE1).status_code == 404
    assert req.tracking_number not in stranger.get("/demarches/mes-demandes/").content.decode()
    assert stranger.get("/demarches/guichet/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_anonymous_request_tracked_by_number_and_email(arras, agent, outbox):
    procedure = make_procedure(arras, allow_anonymous=True)
    visitor = Client()
    req = start(visitor, procedure, email="Anonyme@Exemple.fr")
    assert req.user is None and req.email == "anonyme@exemple.fr"
    assert req.tracking_number in outbox[-1].subject and "/demarches/suivre/" in outbox[-1].body
    fill(visitor, req)
    visitor.post(f"/demarches/demande/{req.tracking_number}/envoyer/")
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED
    assert "numéro de suivi" in outbox[-1].body
    other = Client()
    page = f"/demarches/demande/{req.tracking_number}/"
    assert other.get(page).status_code == 404
    wrong = other.post(
        "/demarches/suivre/", {"tracking_number": req.tracking_number, "email": "autre@exemple.fr"}
    )
    assert wrong.status_code == 400 and "Aucune demande" in wrong.content.decode()
    right = other.post(
        "/demarches/suivre/",
        {"tracking_number": req.tracking_number.lower(), "email": "anonyme@exemple.fr"},
    )
    assert right.status_code == 302 and other.get(page).status_code == 200


def test_anonymous_refused_when_procedure_needs_account(procedure):
    response = Client().post(f"/demarches/{procedure.pk}/commencer/", {"email": "a@b.fr"})
    assert (
        response.status_code == 302
        and "/connexion" in response["Location"]
        or "login" in response["Location"]
    )
    assert not Request.objects.exists()


def test_anonymous_start_needs_email(arras):
    procedure = make_procedure(arras, allow_anonymous=True)
    response = Client().post(f"/demarches/{procedure.pk}/commencer/", {"email": "nope"})
    assert response.status_code == 400 and 'value="nope"' in response.content.decode()


def test_submit_refuses_missing_answers(procedure, citizen):
    me = logged_in_client(citizen)
    req = start(me, procedure)
    response = me.post(f"/demarches/demande/{req.tracking_number}/envoyer/", follow=True)
    assert "Des réponses obligatoires manquent" in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT


def test_catalogue_search_folds_accents_and_forms(procedure, beaurains):
    make_procedure(beaurains, title="Inscription à un atelier numérique", service="Médiathèque")
    client = Client()
    body = client.get("/demarches/?q=ateliers+numeriques").content.decode()
    assert "atelier numérique" in body and "Occupation" not in body
    body = client.get("/demarches/?q=s%27inscrire").content.decode()
    assert "Inscription à un atelier" in body
