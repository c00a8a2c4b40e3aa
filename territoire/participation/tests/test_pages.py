"""Participation pages: the process page says what can be done and until when, lists stay at
a fixed number of queries whatever their size, moderation pages are limited to the communes
covered, bad input keeps what was typed, open data carries no author."""

from __future__ import annotations

import csv
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.participation import services
from territoire.participation.models import (
    Article,
    PhaseKind,
    Proposal,
    Question,
    QuestionKind,
    Survey,
    Text,
)
from territoire.participation.tasks import send_digests
from territoire.participation.testing import bulk_contributions, make_process, participant

pytestmark = pytest.mark.django_db


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_process_page_says_what_can_be_done_and_until_when(arras):
    process = make_process(arras)
    response = Client().get(reverse("participation:process", args=[process.slug]))
    body = response.content.decode()
    assert "Étape en cours : <strong>Propositions</strong>" in body
    assert "déposer une proposition" in body and "jusqu&#x27;au" in body or "jusqu'au" in body
    assert "ouvrir un débat" not in body


def test_process_page_queries_do_not_grow_with_contributions(arras):
    """No N+1: the same number of queries for 30 proposals / 60 comments as for 600 / 3,000,
    for a visitor and for a signed-in moderator."""
    small, big = make_process(arras), make_process(arras)
    authors = [participant() for _ in range(5)]
    bulk_contributions(small, proposals=30, comments=60, authors=authors, located=5)
    bulk_contributions(big, proposals=600, comments=3000, authors=authors, located=600)
    for client in (Client(), logged_in_client(person_with_role(Role.MODERATOR, commune=arras))):
        counts = [
            _count_queries(client, reverse("participation:process", args=[p.slug]))
            for p in (small, big)
        ]
        assert counts[0] == counts[1], counts
        assert counts[1] <= 14, counts  # the map: its points and the commune centres
    body = Client().get(reverse("participation:process", args=[big.slug]) + "?page=2").content
    assert "Page 2 sur 24" in body.decode()


def test_proposal_page_threads_in_fixed_queries(arras):
    process = make_process(arras)
    authors = [participant() for _ in range(4)]
    bulk_contributions(process, proposals=2, comments=10, authors=authors)
    few = Proposal.objects.filter(process=process).order_by("comment_count").first()
    bulk_contributions(process, proposals=1, comments=300, authors=authors, seed=2)
    many = Proposal.objects.filter(process=process).order_by("-comment_count").first()
    assert few and many and many.comment_count > few.comment_count
    client = logged_in_client(authors[0])
    counts = [
        _count_queries(client, reverse("participation:proposal", args=[process.slug, p.pk]))
        for p in (few, many)
    ]
    assert counts[0] == counts[1], counts


def test_citizen_without_profile_is_sent_to_the_profile_page(arras):
    process = make_process(arras)
    client = logged_in_client(person_with_role(Role.CITIZEN))
    url = reverse("participation:proposal_new", args=[process.slug])
    response = client.get(url)
    assert response.status_code == 302 and reverse("participation:profile") in response.url
    profile_url = response.url
    response = client.post(profile_url, {"pseudonym": "Martinet", "commune": arras.insee_code})
    assert "notice sur vos données" in response.content.decode()
    assert 'value="Martinet"' in response.content.decode()
    response = client.post(
        profile_url,
        {"pseudonym": "Martinet", "commune": arras.insee_code, "accept_notice": "on"},
    )
    assert response.status_code == 302 and response.url == url


def test_proposal_form_keeps_input_and_explains_the_phase(arras):
    process = make_process(arras, phase=PhaseKind.DEBATE)
    client = logged_in_client(participant())
    url = reverse("participation:proposal_new", args=[process.slug])
    response = client.post(url, {"title": "Un verger", "body": "Planter des pommiers"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "pendant l&#x27;étape « Propositions »" in body and "Un verger" in body
    assert "Planter des pommiers" in body and not Proposal.objects.exists()


def test_citizen_journey_propose_support_comment(arras):
    process = make_process(arras)
    author, supporter = participant(), participant()
    client = logged_in_client(author)
    response = client.post(
        reverse("participation:proposal_new", args=[process.slug]),
        {"title": "Un verger", "body": "Planter des pommiers", "category": "Mobilité"},
    )
    proposal = Proposal.objects.get()
    assert response.url == reverse("participation:proposal", args=[process.slug, proposal.pk])
    other = logged_in_client(supporter)
    url = reverse("participation:proposal_support", args=[process.slug, proposal.pk])
    other.post(url)
    response = other.post(url, follow=True)
    assert "Vous soutenez déjà cette proposition." in response.content.decode()
    response = other.post(
        reverse("participation:comment_create", args=[process.slug, "proposition", proposal.pk]),
        {"body": "Bonne idée"},
    )
    assert response.status_code == 302
    page = other.get(reverse("participation:proposal", args=[process.slug, proposal.pk]))
    assert "Bonne idée" in page.content.decode() and "1 soutien" in page.content.decode()
    empty = other.post(
        reverse("participation:comment_create", args=[process.slug, "proposition", proposal.pk]),
        {"body": ""},
    )
    assert empty.status_code == 422


def test_article_comments_grouped_for_agents_and_synthesis(arras):
    process = make_process(None, phase=PhaseKind.DEBATE)
    text = Text.objects.create(process=process, title="Charte")
    first = Article.objects.create(text=text, number=1, title="Finalité", body="…")
    Article.objects.create(text=text, number=2, title="Transparence", body="…")
    services.comment_create(actor=participant(), target=first, body="Préciser l'intérêt général")
    url = reverse("participation:synthesis", args=[process.slug, text.pk])
    assert logged_in_client(person_with_role(Role.AGENT, commune=arras)).get(url).status_code == 403
    agent = person_with_role(Role.AGENT, commune=None, module="participation")
    client = logged_in_client(agent)
    body = client.get(url).content.decode()
    assert "Préciser l&#x27;intérêt général" in body
    assert '<td class="num">1</td>' in body and '<td class="num">0</td>' in body
    with audit_entries_added(expected=1):
        client.post(url, {"synthesis": "Les habitants veulent plus de contrôle."})
    text_page = Client().get(reverse("participation:text", args=[process.slug, text.pk]))
    assert "Les habitants veulent plus de contrôle." in text_page.content.decode()


def test_survey_answer_and_results_with_table(arras):
    process = make_process(arras, phase=PhaseKind.DEBATE)
    survey = Survey.objects.create(process=process, title="Avis")
    question = Question.objects.create(
        survey=survey, position=1, kind=QuestionKind.MULTIPLE, label="Quoi ?", choices=["A", "B"]
    )
    client = logged_in_client(participant())
    url = reverse("participation:survey", args=[process.slug, survey.pk])
    response = client.post(url, {})
    assert "Ce champ est obligatoire" in response.content.decode()
    response = client.post(url, {f"q{question.pk}": ["A", "B"]})
    assert response.status_code == 302
    results = Client().get(reverse("participation:survey_results", args=[process.slug, survey.pk]))
    body = results.content.decode()
    assert "<caption>Réponses à « Quoi ? »</caption>" in body
    assert '<td class="num">1</td><td class="num">100,0 %</td>' in body
    assert 'data-chart="chart-q' in body


def test_moderation_queue_limited_to_covered_communes(arras, beaurains):
    arras_process = make_process(arras, title="Arras idées")
    beaurains_process = make_process(beaurains, title="Beaurains idées")
    for process, title in ((arras_process, "Marqueur-Arras"), (beaurains_process, "Marqueur-B")):
        proposal = services.proposal_create(
            actor=participant(), process=process, title=title, body="b"
        )
        services.report_create(actor=participant(), obj=proposal, reason="spam")
    moderator = logged_in_client(person_with_role(Role.MODERATOR, commune=arras))
    body = moderator.get(reverse("participation:moderation")).content.decode()
    assert "Marqueur-Arras" in body
    hidden = Proposal.objects.get(title="Marqueur-B")
    assert_commune_isolation(
        moderator,
        lists=[(reverse("participation:moderation"), "Marqueur-B")],
        writes=[
            (
                "post",
                reverse("participation:moderate", args=["proposal", hidden.pk, "masquer"]),
                {"reason": "x"},
            ),
            (
                "post",
                reverse("participation:proposal_answer", args=[beaurains_process.slug, hidden.pk]),
                {"status": "accepted", "answer": ""},
            ),
            (
                "post",
                reverse("participation:decision", args=[beaurains_process.slug]),
                {"decision": "x"},
            ),
        ],
    )
    assert (
        logged_in_client(participant()).get(reverse("participation:moderation")).status_code == 403
    )


def test_hidden_contribution_shows_reason_to_the_public(arras):
    process = make_process(arras)
    proposal = services.proposal_create(actor=participant(), process=process, title="Pub", body="b")
    services.contribution_hide(
        actor=person_with_role(Role.MODERATOR), obj=proposal, reason="Publicité"
    )
    page = Client().get(reverse("participation:proposal", args=[process.slug, proposal.pk]))
    assert "Motif : Publicité" in page.content.decode()
    listing = Client().get(reverse("participation:process", args=[process.slug]))
    assert "Pub</a>" not in listing.content.decode()


def test_open_data_is_anonymised_and_follows_its_schema(arras):
    process = make_process(arras)
    author = participant(pseudonym="Grive")
    proposal = services.proposal_create(actor=author, process=process, title="Verger", body="b")
    services.comment_create(actor=author, target=proposal, body="=HYPERLINK(1)")
    hidden = services.proposal_create(actor=author, process=process, title="Caché", body="b")
    services.contribution_hide(actor=person_with_role(Role.MODERATOR), obj=hidden, reason="x")
    client = Client()
    for name in ("propositions", "commentaires"):
        schema = client.get(f"/api/v1/participation/open-data/{name}/schema").json()
        answer = client.get(f"/api/v1/participation/open-data/{name}?limit=500").json()
        rows = answer["items"]
        fields = [f["name"] for f in schema["fields"]]
        assert rows and answer["count"] == len(rows)
        assert all(list(row) == fields for row in rows)
        dumped = json.dumps(rows)
        assert "Grive" not in dumped and author.email not in dumped and "Caché" not in dumped
    missing = client.get("/api/v1/participation/open-data/inconnu")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")
    processes = client.get("/api/v1/participation/processes").json()["items"]
    assert processes[0]["allowed_now"] == ["propose", "support", "comment", "answer_survey"]
    csv_body = b"".join(
        client.get(
            reverse("participation:open_data_file", args=["commentaires", "csv"])
        ).streaming_content
    ).decode()
    assert "'=HYPERLINK(1)" in csv_body
    assert client.get("/participation/donnees-ouvertes/inconnu.csv").status_code == 404
    assert client.get("/participation/donnees-ouvertes/propositions.xml").status_code == 404


def test_follow_and_digest(arras, outbox):
    process = make_process(arras)
    follower = participant()
    client = logged_in_client(follower)
    client.post(reverse("participation:follow", args=[process.slug]))
    assert send_digests() == 0
    services.proposal_create(actor=participant(), process=process, title="Nouveau", body="b")
    assert send_digests() == 1
    assert len(outbox) == 1 and "1 nouvelle(s) proposition(s)" in outbox[0].body
    assert outbox[0].to == [follower.email]
    assert send_digests() == 0  # nothing new since


def test_results_page_and_actions(arras):
    process = make_process(arras, phase=PhaseKind.RESULTS)
    agent = person_with_role(Role.AGENT, commune=arras, module="participation")
    client = logged_in_client(agent)
    url = reverse("participation:decision", args=[process.slug])
    client.post(url, {"decision": "Piétonnisation retenue"})
    response = client.post(url, {"title": "Bancs", "status": "in_progress", "progress": "150"})
    assert "Bancs" in response.content.decode()  # kept after the error
    client.post(url, {"title": "Bancs", "status": "in_progress", "progress": "40"})
    body = Client().get(reverse("participation:results", args=[process.slug])).content.decode()
    assert "Piétonnisation retenue" in body and 'value="40"' in body and "En cours" in body


def test_account_delete_page(arras):
    user = participant(pseudonym="Loriot")
    client = logged_in_client(user)
    assert client.get(reverse("participation:account_delete")).status_code == 200
    response = client.post(reverse("participation:account_delete"), {"confirm": "oui"})
    assert response.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_agent_prepares_a_process_phases_text_survey(arras):
    process = make_process(arras)
    agent = person_with_role(Role.AGENT, commune=arras, module="participation")
    client = logged_in_client(agent)
    url = reverse("participation:process_manage", args=[process.slug])
    assert logged_in_client(participant()).get(url).status_code == 403
    overlap = client.post(
        url,
        {
            "which": "phase",
            "phase-kind": "vote",
            "phase-starts_on": "2020-01-01",
            "phase-ends_on": "2099-01-01",
        },
    )
    assert "chevauchent" in overlap.content.decode()
    with audit_entries_added(expected=1):
        client.post(
            url,
            {
                "which": "phase",
                "phase-kind": "vote",
                "phase-starts_on": "2098-01-01",
                "phase-ends_on": "2098-02-01",
            },
        )
    assert process.phases.count() == 3
    bad = client.post(url, {"which": "text", "text-title": "Charte", "text-articles": "sans titre"})
    assert "# Titre" in bad.content.decode() and "sans titre" in bad.content.decode()
    client.post(
        url,
        {
            "which": "text",
            "text-title": "Charte",
            "text-articles": "# Finalité\nServir.\n# Transparence\nPublier.",
        },
    )
    text = Text.objects.get(process=process)
    assert [(a.number, a.title, a.body) for a in text.articles.all()] == [
        (1, "Finalité", "Servir."),
        (2, "Transparence", "Publier."),
    ]
    bad = client.post(
        url, {"which": "survey", "survey-title": "Avis", "survey-questions": "unique | Q ? | Oui"}
    )
    assert "au moins deux choix" in bad.content.decode()
    client.post(
        url,
        {
            "which": "survey",
            "survey-title": "Avis",
            "survey-questions": (
                "unique | Q ? | Oui; Non\nechelle | Note\nlibre | Autre ? (facultatif)"
            ),
        },
    )
    survey = Survey.objects.get(process=process)
    assert [(q.kind, q.label, q.choices, q.required) for q in survey.questions.all()] == [
        ("single", "Q ?", ["Oui", "Non"], True),
        ("scale", "Note", [], True),
        ("text", "Autre ?", [], False),
    ]


@pytest.fixture
def csv_field_limit_kept():
    """frictionless raises the csv module's process-wide field size limit when imported;
    other tests rely on the standard limit, so it is put back."""
    limit = csv.field_size_limit()
    yield
    csv.field_size_limit(limit)


def test_open_data_files_are_valid_against_their_table_schema(
    arras, tmp_path, csv_field_limit_kept
):
    """CSV and JSON exports checked with frictionless against the published schemas."""
    from frictionless import Dialect, Resource, Schema, formats

    process = make_process(arras)
    author = participant()
    proposal = services.proposal_create(
        actor=author, process=process, title="Verger", body="b", category="Mobilité"
    )
    root = services.comment_create(actor=author, target=proposal, body="Oui; et « non »")
    services.comment_create(actor=author, target=proposal, body="Réponse", parent=root)
    client = Client()
    for name in ("propositions", "commentaires"):
        descriptor = client.get(f"/api/v1/participation/open-data/{name}/schema").json()
        schema = Schema.from_descriptor(descriptor)
        rows = client.get(f"/api/v1/participation/open-data/{name}").json()["items"]
        header = [field.name for field in schema.fields]
        data = [header] + [[row[h] for h in header] for row in rows]
        report = Resource(data=data, schema=schema).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        response = client.get(reverse("participation:open_data_file", args=[name, "csv"]))
        path = tmp_path / f"{name}.csv"
        path.write_bytes(b"".join(response.streaming_content).removeprefix(b"\xef\xbb\xbf"))
        dialect = Dialect(controls=[formats.CsvControl(delimiter=";")])
        resource = Resource(path=path.name, basepath=str(tmp_path), schema=schema, dialect=dialect)
        report = resource.validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
