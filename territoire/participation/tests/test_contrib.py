"""Second round: proposal photos (checked, stripped, served only while visible), the map data,
editing one's own contributions within the delay, agents editing processes and phases, the
ballot of the vote phase and its results, the digest's one-click unsubscribe link."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from territoire.core.models import Role, User
from territoire.core.testing import audit_entries_added, logged_in_client, person_with_role
from territoire.participation import ballots, editing, services
from territoire.participation.models import Ballot, Follow, PhaseKind, Proposal
from territoire.participation.tasks import send_digests
from territoire.participation.testing import make_process, participant

pytestmark = pytest.mark.django_db


def _image(fmt="JPEG", size=(40, 30), exif_gps=False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x0110] = "Appareil secret"  # camera model
        kwargs["exif"] = exif.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}[fmt]
    return SimpleUploadedFile(f"photo.{ext}", buffer.getvalue(), content_type=f"image/{ext}")


def _propose(actor, process, **extra):
    return services.proposal_create(
        actor=actor, process=process, title="Un banc", body="Texte", **extra
    )


# --- photos -----------------------------------------------------------------------------


def test_photo_is_checked_reencoded_without_metadata_and_needs_a_description(arras, settings):
    process = make_process(arras)
    author = participant()
    with pytest.raises(ValidationError) as exc:
        _propose(author, process, photo=_image())
    assert "photo_alt" in exc.value.message_dict
    with pytest.raises(ValidationError, match="JPEG, PNG ou WebP"):
        _propose(author, process, photo=_image("GIF"), photo_alt="Un banc")
    fake = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(ValidationError, match="JPEG, PNG ou WebP"):
        _propose(author, process, photo=fake, photo_alt="Un banc")
    big = SimpleUploadedFile("x.jpg", b"0" * (5 * 1024 * 1024 + 1), content_type="image/jpeg")
    with pytest.raises(ValidationError, match="5 Mo au plus"):
        _propose(author, process, photo=big, photo_alt="Un banc")
    assert not Proposal.objects.exists()

    proposal = _propose(
        author, process, photo=_image(size=(3000, 1000), exif_gps=True), photo_alt="Un banc"
    )
    path = settings.PARTICIPATION_MEDIA_ROOT / proposal.photo.name
    assert path.is_file()
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600
        assert not stored.getexif()


def test_photo_served_only_while_the_proposal_is_visible(arras):
    process = make_process(arras)
    proposal = _propose(participant(), process, photo=_image("PNG"), photo_alt="Un banc")
    url = reverse("participation:proposal_photo", args=[process.slug, proposal.pk])
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    page = Client().get(reverse("participation:proposal", args=[process.slug, proposal.pk]))
    assert f'src="{url}" alt="Un banc"' in page.content.decode()

    moderator = person_with_role(Role.MODERATOR, commune=arras)
    services.contribution_hide(actor=moderator, obj=proposal, reason="Photo d'un tiers")
    assert Client().get(url).status_code == 404
    assert logged_in_client(participant()).get(url).status_code == 404
    assert logged_in_client(moderator).get(url).status_code == 200
    # Not under the static or web root: no URL other than the view reaches it.
    assert Client().get(f"/static/{proposal.photo.name}").status_code != 200


def test_photo_upload_through_the_form_keeps_what_was_typed_on_error(arras):
    process = make_process(arras)
    client = logged_in_client(participant())
    url = reverse("participation:proposal_new", args=[process.slug])
    response = client.post(
        url, {"title": "Fontaine", "body": "Texte", "photo": _image("GIF"), "photo_alt": "x"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "JPEG, PNG ou WebP" in body and 'value="Fontaine"' in body
    assert 'enctype="multipart/form-data"' in body
    response = client.post(
        url, {"title": "Fontaine", "body": "Texte", "photo": _image(), "photo_alt": "Un bassin"}
    )
    assert response.status_code == 302
    assert Proposal.objects.get().photo_alt == "Un bassin"


# --- map ------------------------------------------------------------------------------------


def test_process_page_map_lists_located_visible_proposals(arras, settings):
    process = make_process(arras)
    located = _propose(participant(), process, latitude=50.29, longitude=2.78)
    services.proposal_create(
        actor=participant(), process=process, title="Caché", body="x", latitude=50.3, longitude=2.7
    )
    hidden = Proposal.objects.get(title="Caché")
    moderator = person_with_role(Role.MODERATOR, commune=arras)
    services.contribution_hide(actor=moderator, obj=hidden, reason="Hors sujet")
    _propose(participant(), process)  # not located
    body = Client().get(reverse("participation:process", args=[process.slug])).content.decode()
    assert 'data-map="carte-propositions"' in body
    assert "vendor/leaflet/leaflet.js" in body
    assert '"tiles": ""' in body  # no tile server by default
    assert f"/propositions/{located.pk}/" in body and "Caché" not in body
    assert '"name": "Arras"' in body  # commune centre for orientation
    settings.MAP_TILE_URL = "https://tuiles.exemple/{z}/{x}/{y}.png"
    body = Client().get(reverse("participation:process", args=[process.slug])).content.decode()
    assert "https://tuiles.exemple/{z}/{x}/{y}.png" in body


def test_no_map_without_located_proposal(arras):
    process = make_process(arras)
    _propose(participant(), process)
    body = Client().get(reverse("participation:process", args=[process.slug])).content.decode()
    assert "data-map" not in body and "leaflet" not in body


# --- editing one's own contributions ----------------------------------------------------------


def test_author_edits_own_proposal_within_the_delay_audited(arras, settings):
    process = make_process(arras)
    author = participant()
    proposal = _propose(author, process)
    with pytest.raises(PermissionDenied):
        editing.proposal_edit(actor=participant(), proposal=proposal, title="Pirate", body="x")
    with audit_entries_added(1) as entries:
        editing.proposal_edit(
            actor=author, proposal=proposal, title="Deux bancs", body="Texte", category=""
        )
    assert entries[0].action == "participation.proposal_edit"
    assert entries[0].changes["title"] == ["Un banc", "Deux bancs"]
    proposal.refresh_from_db()
    assert proposal.title == "Deux bancs" and proposal.edited_at is not None

    Proposal.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.PARTICIPATION_EDIT_MINUTES + 1)
    )
    proposal.refresh_from_db()
    with pytest.raises(ValidationError, match="délai de modification"):
        editing.proposal_edit(actor=author, proposal=proposal, title="Trois", body="x")


def test_a_supported_or_answered_proposal_cannot_change(arras):
    process = make_process(arras)
    author = participant()
    proposal = _propose(author, process)
    services.support_add(actor=participant(), proposal=proposal)
    proposal.refresh_from_db()
    with pytest.raises(ValidationError, match="soutiens"):
        editing.proposal_edit(actor=author, proposal=proposal, title="Autre", body="x")


def test_edit_pages_for_the_author_only(arras):
    process = make_process(arras)
    author = participant()
    proposal = _propose(author, process)
    comment = services.comment_create(actor=author, target=proposal, body="Premier avis")
    page_url = reverse("participation:proposal", args=[process.slug, proposal.pk])
    author_client = logged_in_client(author)
    body = author_client.get(page_url).content.decode()
    assert "Modifier ma proposition" in body
    assert reverse("participation:comment_edit", args=[process.slug, comment.pk]) in body
    other = logged_in_client(participant())
    assert "Modifier ma proposition" not in other.get(page_url).content.decode()
    edit = reverse("participation:comment_edit", args=[process.slug, comment.pk])
    assert other.get(edit).status_code == 403
    response = author_client.post(edit, {"body": ""})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    response = author_client.post(edit, {"body": "Avis corrigé"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Avis corrigé" and comment.edited_at
    assert "(modifié)" in author_client.get(page_url).content.decode()


def test_hidden_comment_cannot_be_edited(arras):
    process = make_process(arras, phase=PhaseKind.DEBATE)
    author = participant()
    debate = services.debate_create(actor=author, process=process, title="Parcs", body="x")
    comment = services.comment_create(actor=author, target=debate, body="Avis")
    moderator = person_with_role(Role.MODERATOR, commune=arras)
    services.contribution_hide(actor=moderator, obj=comment, reason="Injurieux")
    comment.refresh_from_db()
    with pytest.raises(ValidationError, match="masquée"):
        editing.comment_edit(actor=author, comment=comment, body="Autre")
    with audit_entries_added(1):
        editing.debate_edit(actor=author, debate=debate, title="Les parcs", body="y")


# --- agents edit processes and phases -------------------------------------------------------------


def test_agent_edits_process_and_phases_audited(arras, beaurains):
    process = make_process(arras)
    agent = person_with_role(Role.AGENT, commune=arras, module="participation")
    with pytest.raises(PermissionDenied):
        editing.process_update(
            actor=person_with_role(Role.AGENT, commune=beaurains, module="participation"),
            process=process,
            title="x",
            summary="y",
        )
    with audit_entries_added(1) as entries:
        editing.process_update(
            actor=agent,
            process=process,
            title="Nouveau titre",
            summary="Résumé",
            votes_per_ballot=5,
        )
    assert entries[0].changes["title"][1] == "Nouveau titre"
    process.refresh_from_db()
    assert process.votes_per_ballot == 5 and process.slug.startswith("concertation")

    first, second = list(process.phases.all())
    with pytest.raises(ValidationError, match="chevauchent"):
        editing.phase_update(
            actor=agent,
            phase=first,
            kind=first.kind,
            starts_at=first.starts_at,
            ends_at=second.starts_at + timedelta(days=1),
        )
    with audit_entries_added(1):
        editing.phase_update(
            actor=agent,
            phase=second,
            kind=PhaseKind.VOTE,
            starts_at=second.starts_at,
            ends_at=second.ends_at,
        )
    with audit_entries_added(1):
        editing.phase_delete(actor=agent, phase=first)
    assert list(process.phases.values_list("kind", flat=True)) == [PhaseKind.VOTE]

    client = logged_in_client(agent)
    url = reverse("participation:process_edit", args=[process.slug])
    response = client.post(url, {"title": "", "summary": "s", "votes_per_ballot": "0"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert logged_in_client(participant()).get(url).status_code == 403


# --- vote -------------------------------------------------------------------------------------


def _vote_process(arras, n=4, limit=2):
    process = make_process(arras, phase=PhaseKind.PROPOSALS)
    proposals = [_propose(participant(), process) for _ in range(n)]
    process.phases.filter(kind=PhaseKind.PROPOSALS).update(kind=PhaseKind.VOTE)
    process.votes_per_ballot = limit
    process.save()
    return process, proposals


def test_ballot_rules(arras, beaurains):
    process, proposals = _vote_process(arras)
    voter = participant()
    ids = [p.pk for p in proposals]
    with pytest.raises(ValidationError, match="2 au plus"):
        ballots.ballot_cast(actor=voter, process=process, proposal_ids=ids[:3])
    with pytest.raises(ValidationError, match="au moins une"):
        ballots.ballot_cast(actor=voter, process=process, proposal_ids=[])
    other = make_process(arras)
    foreign = _propose(participant(), other)
    with pytest.raises(ValidationError, match="parmi les propositions"):
        ballots.ballot_cast(actor=voter, process=process, proposal_ids=[foreign.pk])
    with audit_entries_added(1):
        ballots.ballot_cast(actor=voter, process=process, proposal_ids=ids[:2])
    with pytest.raises(ValidationError, match="déjà voté"):
        ballots.ballot_cast(actor=voter, process=process, proposal_ids=ids[2:3])
    assert [p.vote_count for p in Proposal.objects.filter(pk__in=ids).order_by("pk")] == [
        1,
        1,
        0,
        0,
    ]
    # Outside the vote phase, or without a profile (unverified accounts have none).
    with pytest.raises(ValidationError, match="étape « Vote »"):
        ballots.ballot_cast(actor=participant(), process=other, proposal_ids=[foreign.pk])
    inactive = participant(is_active=False)
    with pytest.raises(PermissionDenied):
        ballots.ballot_cast(actor=inactive, process=process, proposal_ids=ids[:1])


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_ballot_counts_once(arras):
    process, proposals = _vote_process(arras)
    voter = participant()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            person = User.objects.get(pk=voter.pk)
            barrier.wait(timeout=10)
            ballots.ballot_cast(actor=person, process=process, proposal_ids=[proposals[0].pk])
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # SQLite may answer "database is locked": also a refusal
            outcomes.append(f"error: {exc.__class__.__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    assert Ballot.objects.filter(process=process).count() == 1
    proposals[0].refresh_from_db()
    assert proposals[0].vote_count == 1


def test_ballot_page_and_results_after_the_vote(arras):
    process, proposals = _vote_process(arras, n=3, limit=1)
    client = logged_in_client(participant())
    url = reverse("participation:ballot", args=[process.slug])
    body = client.get(url).content.decode()
    assert "Vos choix (1 au plus)" in body and "<legend>" in body
    response = client.post(url, {"proposals": [proposals[0].pk, proposals[1].pk]})
    assert "1 au plus" in response.content.decode() and "error-summary" in response.content.decode()
    assert client.post(url, {"proposals": [proposals[0].pk]}).status_code == 302
    assert "Vous avez voté" in client.get(url).content.decode()

    results_url = reverse("participation:vote_results", args=[process.slug])
    during = Client().get(results_url).content.decode()
    assert "seront publiés à sa clôture" in during and "<table" not in during
    agent = person_with_role(Role.AGENT, commune=arras, module="participation")
    assert "provisoires" in logged_in_client(agent).get(results_url).content.decode()

    process.phases.filter(kind=PhaseKind.VOTE).update(ends_at=timezone.now())
    after = Client().get(results_url).content.decode()
    assert 'data-chart="chart-votes"' in after and "<caption>Voix par proposition" in after
    assert "100.0 %" in after or "100,0 %" in after


# --- digest unsubscribe ------------------------------------------------------------------------


def test_digest_has_a_one_click_unsubscribe_link(arras):
    process = make_process(arras)
    follower = participant()
    services.follow_toggle(actor=follower, process=process)
    Follow.objects.update(last_digest_at=timezone.now() - timedelta(days=1))
    _propose(participant(), process)
    mail.outbox = []
    assert send_digests() == 1
    message = mail.outbox[0]
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/{path}").status_code == 200
    assert Follow.objects.filter(user=follower).exists()  # opening the link changes nothing
    with audit_entries_added(1) as entries:
        assert client.post(f"/{path}").status_code == 200  # no CSRF token, no sign-in
    assert entries[0].action == "participation.unsubscribe"
    assert not Follow.objects.filter(user=follower).exists()
    bad = client.post(f"/{path[:-3]}xyz/")
    assert bad.status_code == 400 and "pas valide" in bad.content.decode()


def test_digest_frequency_chosen_on_the_profile(arras):
    process = make_process(arras)
    daily, weekly, never = participant(), participant(), participant()
    for person, frequency in ((weekly, "weekly"), (never, "never")):
        profile = person.participant
        services.profile_save(
            actor=person,
            pseudonym=profile.pseudonym,
            commune=None,
            accept_notice=True,
            digest_frequency=frequency,
        )
    for person in (daily, weekly, never):
        services.follow_toggle(actor=person, process=process)
    Follow.objects.update(last_digest_at=timezone.now() - timedelta(days=2))
    _propose(participant(), process)
    mail.outbox = []
    assert send_digests() == 1
    assert mail.outbox[0].to == [daily.email]
    Follow.objects.update(last_digest_at=timezone.now() - timedelta(days=8))
    mail.outbox = []
    assert send_digests() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([daily.email, weekly.email])
    with pytest.raises(ValidationError):
        services.profile_save(
            actor=daily, pseudonym="X", commune=None, accept_notice=True, digest_frequency="hourly"
        )
    page = logged_in_client(daily).get(reverse("participation:profile")).content.decode()
    assert "Une fois par semaine" in page and "<legend>" in page
