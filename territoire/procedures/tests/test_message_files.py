"""Files joined to messages, both ways, and to internal notes: checked like the form's files
(type by first bytes, size), stored outside the web root, served only to who may see the
request, internal notes' files never to the requester; a refused file keeps the typed
message and writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from territoire.core.models import Role
from territoire.core.testing import audit_entries_added, logged_in_client, person_with_role
from territoire.procedures import workflow
from territoire.procedures.models import Attachment, Request, RequestEvent, RequestStatus
from territoire.procedures.testing import PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def req(procedure, citizen):
    return Request.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        commune=procedure.commune,
        tracking_number=workflow.new_tracking_number(),
        user=citizen,
        email=citizen.email,
        status=RequestStatus.SUBMITTED,
    )


def download(client, req, attachment):
    return client.get(f"/demarches/demande/{req.tracking_number}/pieces/{attachment.pk}/")


def test_files_both_ways_and_notes_hidden_from_requester(req, citizen, agent, upload_dir):
    me, them = logged_in_client(citizen), logged_in_client(agent)
    with audit_entries_added(expected=1) as added:
        response = me.post(
            f"/demarches/demande/{req.tracking_number}/message/",
            {"body": "Voici le plan.", "attachment": SimpleUploadedFile("plan.pdf", PDF)},
        )
    assert response.status_code == 302
    assert added[0].changes["files"] == ["plan.pdf"]
    from_citizen = Attachment.objects.get(event__by_requester=True)
    assert str(upload_dir) in from_citizen.file.path and "plan" not in from_citizen.file.name
    base = f"/demarches/guichet/{req.tracking_number}/"
    them.post(
        base,
        {"action": "message", "body": "Merci.", "attachment": SimpleUploadedFile("a.png", PNG)},
    )
    them.post(
        base,
        {"action": "note", "body": "Avis interne", "attachment": SimpleUploadedFile("n.png", PNG)},
    )
    from_agent = Attachment.objects.get(event__kind="message", event__by_requester=False)
    note_file = Attachment.objects.get(event__kind="note")
    page = them.get(base).content.decode()
    assert all(a.original_name in page for a in (from_citizen, from_agent, note_file))
    page = me.get(f"/demarches/demande/{req.tracking_number}/").content.decode()
    assert "plan.pdf" in page and "a.png" in page
    assert "n.png" not in page and "Avis interne" not in page
    assert download(me, req, from_agent).status_code == 200
    assert b"".join(download(me, req, from_citizen).streaming_content) == PDF
    assert download(me, req, note_file).status_code == 404
    assert download(them, req, note_file).status_code == 200
    for outsider in (
        Client(),
        logged_in_client(person_with_role(Role.CITIZEN, None, email="x@exemple.fr")),
        logged_in_client(person_with_role(Role.AGENT, None, module="sensors")),
    ):
        assert download(outsider, req, from_citizen).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00" + b"0" * 50, "pas accepté"),
        ("faux.pdf", b"<html>not a pdf</html>", "pas accepté"),
        ("gros.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10), "dépasse 1 Mo"),
    ],
)
def test_refused_file_keeps_message_and_writes_nothing(
    req, citizen, agent, settings, name, content, message
):
    settings.PROCEDURES_MAX_UPLOAD_MB = 1
    me, them = logged_in_client(citizen), logged_in_client(agent)
    with audit_entries_added(expected=0):
        response = me.post(
            f"/demarches/demande/{req.tracking_number}/message/",
            {"body": "Mon texte tapé", "attachment": SimpleUploadedFile(name, content)},
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert message in body and "Mon texte tapé</textarea>" in body
        assert 'class="error-summary"' in body
        response = them.post(
            f"/demarches/guichet/{req.tracking_number}/",
            {
                "action": "note",
                "body": "Note tapée",
                "attachment": SimpleUploadedFile(name, content),
            },
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert message in body and "Note tapée</textarea>" in body
    assert not RequestEvent.objects.exists() and not Attachment.objects.exists()


def test_empty_message_keeps_the_file_choice_asked_again(req, citizen):
    response = logged_in_client(citizen).post(
        f"/demarches/demande/{req.tracking_number}/message/",
        {"body": "  ", "attachment": SimpleUploadedFile("plan.pdf", PDF)},
    )
    assert response.status_code == 400 and "Ce champ est obligatoire" in response.content.decode()
    assert not Attachment.objects.exists()
