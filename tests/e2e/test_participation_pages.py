"""Participation in the browser: a citizen signs up, proposes an idea, comments on an article
of the charter and answers a survey, with the keyboard only; then every participation page
(for a visitor, a citizen, a moderator and an agent, and in error states) has zero axe
violations at WCAG 2.1 A/AA and reflows at 320 px."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.e2e.audit import Report, check_page, crawl, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Un-Beffroi-2026!"


@pytest.fixture
def participation_data(site_data):
    from django.core.management import call_command

    call_command("seed_participation_demo", stdout=io.StringIO())


FOCUSED_MATCHES = "s => !!document.activeElement && document.activeElement.matches(s)"
FOCUSED_LINK_STARTS = """t => {
  const el = document.activeElement;
  return !!el && el.tagName === "A" && el.textContent.trim().startsWith(t);
}"""


def _tab_to(page, selector: str, limit: int = 250, check: str = FOCUSED_MATCHES) -> None:
    """Press Tab until the element matching ``selector`` (a CSS selector, or the start of a
    link's text with ``check=FOCUSED_LINK_STARTS``) has the focus: keyboard only."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _type_into(page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def _press_enter_on(page, selector: str) -> None:
    _tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _follow_link(page, name: str) -> None:
    """Tab to the link whose text starts with ``name`` and follow it with Enter."""
    _tab_to(page, name, check=FOCUSED_LINK_STARTS)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_citizen_journey_with_the_keyboard_only(participation_data, live_server, browser):
    base = live_server.url
    report = Report(label="Participation journey")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Sign up from the participation page.
    page.goto(f"{base}/participation/")
    _follow_link(page, "créer un compte")
    check_page(page, report, "sign-up form")
    mail.outbox = []
    _type_into(page, "#id_email", "lea@exemple.fr")
    _type_into(page, "#id_password1", PASSWORD)
    _type_into(page, "#id_password2", PASSWORD)
    _press_enter_on(page, "main form button[type=submit]")
    assert "Vérifiez votre messagerie" in page.locator("h1").inner_text()
    check_page(page, report, "sign-up sent")
    link = re.search(r"https?://\S+/inscription/confirmer/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(base + urlsplit(link.group(0)).path)
    check_page(page, report, "sign-up confirmation")
    _press_enter_on(page, "main form button[type=submit]")

    # Participant profile: pseudonym and the GDPR notice.
    page.goto(f"{base}/participation/mon-profil/")
    _press_enter_on(page, "main form button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "profile, errors")
    _type_into(page, "#id_pseudonym", "Lea62")
    _tab_to(page, "#id_commune")
    page.keyboard.type("Arras")
    _tab_to(page, "#id_accept_notice")
    page.keyboard.press("Space")
    _press_enter_on(page, "main form button[type=submit]")
    assert page.url.endswith("/participation/")

    # Propose an idea in the Arras process.
    _follow_link(page, "Embellir Arras")
    check_page(page, report, "process page, proposals phase")
    _follow_link(page, "Déposer une proposition")
    _press_enter_on(page, "main form button[type=submit]")
    check_page(page, report, "proposal form, errors")
    _type_into(page, "#id_title", "Des fontaines à boire")
    _type_into(page, "#id_body", "Une fontaine dans chaque parc.")
    _press_enter_on(page, "main form button[type=submit]")
    assert page.locator("h1").inner_text() == "Des fontaines à boire"
    check_page(page, report, "proposal page, with a message")
    # Correct it within the editing delay.
    _follow_link(page, "Modifier ma proposition")
    check_page(page, report, "proposal edit form")
    _tab_to(page, "#id_body")
    page.keyboard.press("End")
    page.keyboard.type(" Et au cimetière.")
    _press_enter_on(page, "main form button[type=submit]")
    assert "Et au cimetière." in page.content()
    assert "Modifiée par son auteur" in page.content()

    # Comment on an article of the charter.
    page.goto(f"{base}/participation/")
    _follow_link(page, "Charte de la donnée")
    _follow_link(page, "Projet de charte")
    check_page(page, report, "text, article by article")
    _follow_link(page, "Commenter l'article 2")
    _type_into(page, "#id_body", "Publier aussi le code source.")
    _press_enter_on(page, "main form button[type=submit]")
    assert "Publier aussi le code source." in page.content()
    check_page(page, report, "article with a comment")

    # Answer the survey.
    page.goto(f"{base}/participation/")
    _follow_link(page, "Charte de la donnée")
    _follow_link(page, "Vos attentes")
    _press_enter_on(page, "main form button[type=submit]")
    check_page(page, report, "survey, errors")
    for name in ("Faites-vous confiance", "Quelles données", "L'IA peut aider"):
        fieldset_first = page.locator("fieldset", has_text=name).locator("input").first
        input_id = fieldset_first.get_attribute("id")
        _tab_to(page, f"#{input_id}")
        page.keyboard.press("Space")
    _press_enter_on(page, "main form button[type=submit]")
    assert "Résultats" in page.locator("h1").inner_text()
    page.wait_for_selector(".chart canvas")
    check_page(page, report, "survey results, charts and tables")
    context.close()
    print(report.summary())
    report.assert_clean()
    assert not errors, errors


@pytest.mark.parametrize(
    "who",
    [
        "anonyme",
        "habitant@demo.territoire.fr",
        "moderation@demo.territoire.fr",
        "agent.arras@demo.territoire.fr",
    ],
)
def test_participation_pages_have_no_violation(who, participation_data, live_server, context, page):
    from territoire.core.models import User
    from territoire.participation import services
    from territoire.participation.models import Proposal

    if who == "moderation@demo.territoire.fr":
        proposal = Proposal.objects.order_by("id").first()
        reporters = User.objects.filter(email__startswith="voisin")
        for reporter in reporters:
            services.report_create(actor=reporter, obj=proposal, reason="spam")
    prepare_context(context)
    report = Report(label=f"Participation as {who}")
    starts = ["/participation/", "/participation/donnees-ouvertes/"]
    if who != "anonyme":
        login(page, live_server.url, who)
        starts.append("/participation/mon-profil/")
    if who == "moderation@demo.territoire.fr":
        starts.append("/participation/moderation/")
    if who == "agent.arras@demo.territoire.fr":
        starts.append("/participation/nouvelle/")
    crawl(page, live_server.url, starts, report)
    print(report.summary())
    assert len(report.visited) >= 8, report.summary()
    report.assert_clean()


def test_agent_and_moderator_forms_in_error_states(participation_data, live_server, browser):
    """The agents' and moderators' forms after a bad submission (no link leads there)."""
    from territoire.participation.models import Process

    base = live_server.url
    report = Report(label="Participation error states")
    arras = Process.objects.get(title__startswith="Embellir Arras")
    proposal = arras.proposals.order_by("id").first()
    assert proposal is not None

    def fresh(who: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        prepare_context(context)
        page = context.new_page()
        login(page, base, who)
        return context, page

    context, page = fresh("agent.arras@demo.territoire.fr")
    page.goto(f"{base}/participation/{arras.slug}/preparer/")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier le texte").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "prepare, text errors")
    page.goto(f"{base}/participation/{arras.slug}/propositions/{proposal.pk}/repondre/")
    page.select_option("#id_status", "rejected")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier la réponse").click()
    check_page(page, report, "answer, rejection without reason")
    page.goto(f"{base}/participation/{arras.slug}/resultats/publier/")
    page.fill("#id_progress", "150")
    page.fill("#id_title", "Bancs")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'action").click()
    check_page(page, report, "results, action errors")
    page.goto(f"{base}/participation/nouvelle/")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer la concertation").click()
    check_page(page, report, "new process, errors")

    budget = Process.objects.get(title__startswith="Budget participatif")
    page.goto(f"{base}/participation/{budget.slug}/modifier/")
    page.fill("#id_title", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer les modifications").click()
    check_page(page, report, "process edit, errors")
    phase = budget.phases.get()
    page.goto(f"{base}/participation/{budget.slug}/etapes/{phase.pk}/modifier/")
    page.fill("#id_ends_on", "2000-01-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'étape").click()
    check_page(page, report, "phase edit, errors")
    page.goto(f"{base}/participation/{budget.slug}/resultats-du-vote/")
    page.wait_for_selector(".chart canvas")
    check_page(page, report, "vote results (agent, provisional), chart and table")
    context.close()

    context, page = fresh("habitant@demo.territoire.fr")
    page.goto(f"{base}/participation/{budget.slug}/voter/")
    for box in page.locator("input[name=proposals]").all():
        box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer mon bulletin").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "ballot, too many choices")
    page.goto(f"{base}/participation/{arras.slug}/propositions/nouvelle/")
    page.wait_for_selector("[data-map-picker].leaflet-container")
    page.locator("[data-map-picker]").click(position={"x": 120, "y": 90})
    assert page.input_value("#id_latitude").startswith("50.")
    assert page.locator("[data-map-picker] .leaflet-interactive").count() >= 1
    page.fill("#id_title", "Photo")
    page.fill("#id_body", "Texte")
    page.set_input_files(
        "#id_photo", files=[{"name": "x.png", "mimeType": "image/png", "buffer": b"pas une image"}]
    )
    page.fill("#id_photo_alt", "Rien")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier la proposition").click()
    assert "JPEG, PNG ou WebP" in page.content()
    assert page.input_value("#id_latitude").startswith("50.")  # kept, and shown on the map
    check_page(page, report, "proposal, bad photo, place picked on the map")
    page.goto(f"{base}/participation/{arras.slug}/")
    page.wait_for_selector(".map .leaflet-interactive")
    check_page(page, report, "process page with the proposals map")
    page.locator(".map").scroll_into_view_if_needed()
    page.locator(".map").screenshot(path="tests/e2e/artifacts/participation-map.png")
    with_photo = arras.proposals.exclude(photo="").get()
    page.goto(f"{base}/participation/{arras.slug}/propositions/{with_photo.pk}/")
    page.wait_for_selector(".map .leaflet-interactive")
    assert page.evaluate("document.querySelector('img.proposal-photo').naturalWidth") > 0
    check_page(page, report, "proposal page with its photo and its place on a map")
    page.goto(f"{base}/participation/signaler/proposal/{proposal.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer le signalement").click()
    check_page(page, report, "report, no reason")
    page.goto(f"{base}/participation/mon-compte/supprimer/")
    check_page(page, report, "account deletion")
    context.close()

    page_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(page_ctx)
    page = page_ctx.new_page()
    page.goto(f"{base}/inscription/")
    page.fill("#id_email", "pas-une-adresse")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer mon compte").click()
    check_page(page, report, "sign-up, errors")
    from territoire.core.models import User
    from territoire.participation.services import unsubscribe_token

    token = unsubscribe_token(User.objects.get(email="habitant@demo.territoire.fr"))
    page.goto(f"{base}/participation/desabonnement/{token}/")
    check_page(page, report, "unsubscribe, confirmation button")
    with page.expect_navigation():
        page.get_by_role("button", name="Me désabonner").click()
    check_page(page, report, "unsubscribe, done")
    page.goto(f"{base}/participation/desabonnement/faux/")
    check_page(page, report, "unsubscribe, bad link")
    page.goto(f"{base}/inscription/confirmer/faux/")
    with page.expect_navigation():
        page.get_by_role("button", name="Activer mon compte").click()
    check_page(page, report, "sign-up, bad link")
    page_ctx.close()
    print(report.summary())
    report.assert_clean()
